"""/healthz tells operators whether the database and the job queue are usable."""

from __future__ import annotations

from tests.services import free_port


def test_healthy_app_reports_ok(client, backend):
    resp = client.get("/healthz")
    body = resp.get_json()
    assert resp.status_code == 200 and body["status"] == "ok"
    assert body["database"]["backend"] == {"sqlite": "sqlite", "postgres": "postgresql"}[backend]
    assert body["queue"]["ok"] is True and body["queue"]["broker"] == "embedded (SQLite)"


def test_unreachable_broker_reports_degraded_not_a_crash(app_config, request):
    app_config["broker_url"] = f"redis://127.0.0.1:{free_port()}/0"
    client = request.getfixturevalue("client")
    resp = client.get("/healthz")
    body = resp.get_json()
    # Answers are still taken, so a load balancer should keep the node: 200, "degraded".
    assert resp.status_code == 200 and body["status"] == "degraded"
    assert body["queue"]["ok"] is False and body["database"]["ok"] is True
    assert "127.0.0.1" not in str(body)  # no connection details leak to the public


def test_unmigrated_database_is_reported_with_the_fix(tmp_path):
    from surveyapp import create_app

    app = create_app({"env": "testing", "secret_key": "s" * 40, "data_dir": tmp_path})
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "unavailable" and body["database"]["ok"] is False
    assert body["database"]["hint"] == "run: surveyapp db upgrade"


def test_unreachable_database_reports_degraded(tmp_path):
    from surveyapp import create_app

    port = free_port()
    app = create_app({"env": "testing", "secret_key": "s" * 40, "data_dir": tmp_path,
                      "database_url": f"postgresql://nobody@127.0.0.1:{port}/none"})
    resp = app.test_client().get("/healthz")
    body = resp.get_json()
    assert resp.status_code == 503 and body["status"] == "unavailable"
    assert body["database"]["ok"] is False and body["database"]["error"] == "OperationalError"


def test_unreachable_rate_limit_store_lets_answers_in_and_reports_degraded(app_config, request):
    app_config["ratelimit_storage_url"] = f"redis://127.0.0.1:{free_port()}/0"
    app_config["collect_rate_limit"] = "1 per minute"
    client = request.getfixturevalue("client")
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and body["ratelimit"]["ok"] is False
    env = request.getfixturevalue("team").workspace.environments[0]
    for _ in range(3):  # over the limit, but the counters are down: not refused
        resp = client.post(f"/api/v1/client/{env.client_key}/events",
                           json={"events": [{"name": "page_view"}]})
        assert resp.status_code == 202, resp.get_data(as_text=True)


def test_requests_while_the_database_is_down_get_503_with_retry_after(tmp_path):
    from surveyapp import create_app

    app = create_app({"env": "testing", "secret_key": "s" * 40, "data_dir": tmp_path,
                      "database_url": f"postgresql://nobody@127.0.0.1:{free_port()}/none"})
    resp = app.test_client().put("/api/v1/client/pk_x/responses/0c1f4f5e-8d3c-4c1e-9a43-2b7f6a0d3e55",
                                 json={"survey_id": 1, "answers": {}})
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "2"
    assert resp.get_json()["error"]["code"] == "unavailable"  # the widget's outbox retries 5xx
