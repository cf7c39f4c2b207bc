"""The few SQL expressions that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, cast, func
from sqlalchemy.orm import Session


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def seconds_between(session: Session, later: Any, earlier: Any) -> Any:
    """``later - earlier`` in seconds, as a float expression."""
    if dialect(session) == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def day_of(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp, as 'YYYY-MM-DD' text."""
    if dialect(session) == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)


def json_text(session: Session, column: Any, key: str) -> Any:
    """``column[key]`` of a JSON object column as text (NULL when missing)."""
    return column[key].as_string()
