"""On a fresh machine nothing is running: the tests start their own servers on loopback."""

from __future__ import annotations

import psycopg
import redis

from tests import services


def test_a_throwaway_postgresql_cluster_starts_and_stops(monkeypatch):
    monkeypatch.setenv("SURVEYAPP_TEST_SERVICES", "own")
    monkeypatch.delenv("SURVEYAPP_TEST_POSTGRES_URL", raising=False)
    with services.postgres_server() as url:
        assert ":5432/" not in url and url.startswith("postgresql://postgres@127.0.0.1:")
        db_url = services.create_database(url, "throwaway_check")
        with psycopg.connect(db_url) as conn:
            assert conn.execute("SELECT 1 + 1").fetchone() == (2,)
        port = int(url.rsplit(":", 1)[1].split("/")[0])
    assert not services._listening(port)


def test_a_throwaway_redis_starts_and_stops(monkeypatch):
    monkeypatch.setenv("SURVEYAPP_TEST_SERVICES", "own")
    monkeypatch.delenv("SURVEYAPP_TEST_REDIS_URL", raising=False)
    with services.redis_server() as url:
        assert not url.endswith(":6379")
        client = redis.Redis.from_url(url + "/0")
        assert client.ping() and client.set("k", "v") and client.get("k") == b"v"
        client.close()
        port = int(url.rsplit(":", 1)[1])
    assert not services._listening(port)
