"""Find or start the PostgreSQL and Redis servers the tests use, on loopback only.

Order for each: an explicit test setting (``SURVEYAPP_TEST_POSTGRES_URL`` /
``SURVEYAPP_TEST_REDIS_URL``), then a server already listening on the default port of
127.0.0.1, then a throwaway server started from the Debian binaries in a temp dir (the
test command installs the ``postgresql`` and ``redis-server`` packages when missing).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ServiceUnavailable(RuntimeError):
    pass


def _use_running() -> bool:
    """SURVEYAPP_TEST_SERVICES=own ignores servers already running (as on a fresh machine)."""
    return os.environ.get("SURVEYAPP_TEST_SERVICES", "") != "own"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _listening(port):
            return
        time.sleep(0.1)
    raise ServiceUnavailable(f"nothing listening on 127.0.0.1:{port} after {seconds}s")


# ----------------------------------------------------------------------------- PostgreSQL
def _pg_can_connect(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path:
        return path
    raise ServiceUnavailable(
        f"PostgreSQL's {name} not found; install the Debian package 'postgresql' "
        "(the README's test command does this)"
    )


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield an admin URL (to database ``postgres``) of a reachable PostgreSQL server."""
    explicit = os.environ.get("SURVEYAPP_TEST_POSTGRES_URL")
    if explicit:
        yield explicit
        return
    if _use_running() and _listening(5432):
        for user in (os.environ.get("PGUSER"), "postgres", pwd.getpwuid(os.getuid()).pw_name):
            if user:
                url = f"postgresql://{user}@127.0.0.1:5432/postgres"
                if _pg_can_connect(url):
                    yield url
                    return
    with _throwaway_postgres() as url:
        yield url


@contextmanager
def _throwaway_postgres() -> Iterator[str]:
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="surveyapp-pg-"))
    data = tmp / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: use the 'postgres' system user
        shutil.chown(tmp, user="postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run([*run_as, initdb, "-D", str(data), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--no-sync"], check=True, capture_output=True, env=env)
    opts = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*run_as, pg_ctl, "-D", str(data), "-o", opts, "-l", str(tmp / "log"),
                    "-w", "start"], check=True, capture_output=True, env=env)
    try:
        _wait_for(port)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, env=env)
        shutil.rmtree(tmp, ignore_errors=True)


def create_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ----------------------------------------------------------------------------- Redis
def _redis_ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@contextmanager
def redis_server() -> Iterator[str]:
    """Yield the base URL of a reachable Redis server (no database number)."""
    explicit = os.environ.get("SURVEYAPP_TEST_REDIS_URL")
    if explicit:
        yield explicit.rstrip("/")
        return
    if _use_running() and _listening(6379) and _redis_ping("redis://127.0.0.1:6379/0"):
        yield "redis://127.0.0.1:6379"
        return
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise ServiceUnavailable("redis-server not found; install the Debian package "
                                 "'redis-server' (the README's test command does this)")
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="surveyapp-redis-")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tmp],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
