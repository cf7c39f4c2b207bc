"""Real purchase logs for the segments tests, imported through the real importer.

``btydplus_grocery_elog.csv``: the online-grocery event log of BTYDplus (1,525 customers,
10,483 purchase days in 2006-2007, 36% of the customers buy once; see
tests/fixtures/README.md). It has a customer and a day per purchase, no amounts.
"""

from __future__ import annotations

import csv
from pathlib import Path

from surveyapp.segments import imports

FIXTURES = Path(__file__).parent.parent / "fixtures" / "segments"
GROCERY = FIXTURES / "btydplus_grocery_elog.csv"


def grocery_rows(customers: int | None = None) -> list[dict[str, str]]:
    """The log's rows (user_id, timestamp), optionally only its first ``customers``."""
    with GROCERY.open(newline="") as f:
        rows = list(csv.DictReader(f))
    if customers is not None:
        keep = {r["user_id"] for r in rows[:]} if customers <= 0 else set(
            sorted({r["user_id"] for r in rows}, key=int)[:customers])
        rows = [r for r in rows if r["user_id"] in keep]
    return rows


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def import_grocery_as_events(db, env_id: int, tmp: Path, customers: int | None = None) -> None:
    """Every purchase as an event named ``purchase`` (one event name, no sessions), as a
    purchase log exported to an analytics tool looks."""
    rows = [{"user_id": r["user_id"], "timestamp": r["timestamp"], "event": "purchase"}
            for r in grocery_rows(customers)]
    imports.import_file(db.session, env_id, "events", write_csv(tmp / "events.csv", rows), "csv")
    db.session.commit()


def import_grocery_as_orders(db, env_id: int, tmp: Path, customers: int | None = None,
                             amount: float = 0.0) -> None:
    """Every purchase as an order (``order_id`` = customer and day; the log has no
    amounts, so every order is worth ``amount``)."""
    rows = [{"user_id": r["user_id"], "order_id": f"{r['user_id']}-{r['timestamp']}",
             "timestamp": r["timestamp"], "amount": amount} for r in grocery_rows(customers)]
    imports.import_file(db.session, env_id, "orders", write_csv(tmp / "orders.csv", rows), "csv")
    db.session.commit()
