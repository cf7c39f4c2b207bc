"""Shared by the database benchmarks: an app on a fresh database, and a median timer."""

from __future__ import annotations

import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any


def median_time(fn: Any, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_app(backend: str, stack: ExitStack, prefix: str) -> Any:
    """The app on a new SQLite file, or on a new PostgreSQL database (found or started as
    in the tests) dropped when ``stack`` closes."""
    from surveyapp import create_app

    data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    config: dict[str, Any] = {"env": "testing", "secret_key": "b" * 40, "data_dir": data}
    if backend == "postgres":
        from tests.services import create_database, drop_database, postgres_server

        admin = stack.enter_context(postgres_server())
        name = f"{prefix}_{int(time.time())}"
        config["database_url"] = create_database(admin, name)
        stack.callback(drop_database, admin, name)
    return create_app(config)


def database_urls(backend: str) -> Any:
    """Yield ``(label, url)`` for each database ``backend`` names ("sqlite", "postgres" or
    "both"): a new SQLite file, and a new PostgreSQL database (found or started as in the
    tests) dropped once its benchmark is done."""
    import uuid

    if backend in ("sqlite", "both"):
        yield "SQLite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    if backend in ("postgres", "both"):
        from tests.services import create_database, drop_database, postgres_server

        with postgres_server() as admin_url:
            name = f"bench_{uuid.uuid4().hex[:8]}"
            url = create_database(admin_url, name)
            try:
                yield "PostgreSQL", url
            finally:
                drop_database(admin_url, name)
