"""Uploads waiting for the researcher's go-ahead: a transcript's import preview shows the
speakers found, and the file waits here (in the data directory, never in the database)
until it is imported or cancelled. A file left waiting is removed after a day.

The token is the file's SHA-256; a file is kept per workspace, so one workspace can never
import what another uploaded.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

MAX_AGE_S = 24 * 3600
_TOKEN = re.compile(r"^[0-9a-f]{64}$")


def _path(root: Path, workspace_id: int, token: str) -> Path:
    return root / "research-uploads" / f"{workspace_id}-{token}.bin"


def stash(root: Path, workspace_id: int, data: bytes) -> str:
    """Keep ``data`` until it is imported or cancelled; returns its token."""
    token = hashlib.sha256(data).hexdigest()
    path = _path(root, workspace_id, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    _forget_old(path.parent)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return token


def take(root: Path, workspace_id: int, token: str) -> bytes | None:
    """The waiting file, or None when it is gone (imported, cancelled, a day old)."""
    if not _TOKEN.match(token or ""):
        return None
    path = _path(root, workspace_id, token)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == token else None


def drop(root: Path, workspace_id: int, token: str) -> None:
    if _TOKEN.match(token or ""):
        _path(root, workspace_id, token).unlink(missing_ok=True)


def _forget_old(folder: Path) -> None:
    cutoff = time.time() - MAX_AGE_S
    for old in folder.glob("*.bin"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        except OSError:
            continue
