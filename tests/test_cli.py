"""The ``surveyapp`` command as a newcomer and an operator use it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run(tmp_path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SURVEYAPP_DATA_DIR": str(tmp_path)}
    env.pop("SURVEYAPP_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "surveyapp", *args], env=env, text=True,
                          capture_output=True, input=input, timeout=120)


def test_help_lists_the_commands(tmp_path):
    out = run(tmp_path, "--help")
    assert out.returncode == 0, out.stderr
    for command in ("demo", "worker", "serve", "db", "create-owner"):
        assert command in out.stdout


def test_db_upgrade_then_create_owner_then_login_works(tmp_path):
    up = run(tmp_path, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert (tmp_path / "surveyapp.sqlite").exists()
    made = run(tmp_path, "create-owner", "--email", "ops@example.com", "--name", "Ops",
               "--workspace", "Ops Team", "--password", "a-long-password")
    assert made.returncode == 0, made.stderr
    assert "owner of workspace 'Ops Team'" in made.stdout
    again = run(tmp_path, "create-owner", "--email", "ops@example.com", "--name", "Ops",
                "--workspace", "Other", "--password", "a-long-password")
    assert again.returncode != 0 and "already exists" in again.stderr

    from surveyapp import create_app
    from tests.conftest import csrf_token

    app = create_app({"data_dir": tmp_path, "env": "testing", "secret_key": "s" * 40})
    client = app.test_client()
    token = csrf_token(client, "/login")
    resp = client.post("/login", data={"email": "ops@example.com", "password": "a-long-password",
                                       "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


@pytest.mark.parametrize("env", [{"SURVEYAPP_ENV": "production"}])
def test_production_mode_with_the_default_secret_refuses_to_start(tmp_path, env):
    out = subprocess.run([sys.executable, "-m", "surveyapp", "routes"], text=True,
                         capture_output=True, timeout=60,
                         env={**os.environ, **env, "SURVEYAPP_DATA_DIR": str(tmp_path)})
    assert out.returncode != 0 and "SURVEYAPP_SECRET_KEY" in out.stderr
