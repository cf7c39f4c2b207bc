"""Settings come from SURVEYAPP_* variables, with clear errors and safe production defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveyapp import create_app
from surveyapp.config import ConfigError, Settings


def test_settings_are_read_from_surveyapp_variables(tmp_path):
    s = Settings.from_env({
        "SURVEYAPP_DATA_DIR": str(tmp_path), "SURVEYAPP_MAX_CONTENT_LENGTH": "2048",
        "SURVEYAPP_OPEN_SIGNUP": "yes", "SURVEYAPP_DATABASE_URL": "postgres://u@h/db",
        "OTHER": "ignored",
    })
    assert s.data_dir == Path(tmp_path) and s.max_content_length == 2048 and s.open_signup
    assert s.sqlalchemy_url == "postgresql+psycopg://u@h/db"


def test_defaults_are_the_embedded_ones(tmp_path):
    s = Settings.from_env({"SURVEYAPP_DATA_DIR": str(tmp_path)})
    assert s.sqlalchemy_url == f"sqlite:///{tmp_path}/surveyapp.sqlite"
    assert s.celery_broker_url == f"sqla+sqlite:///{tmp_path}/broker.sqlite"
    assert s.limiter_storage_url == "lazy-memory://"


def test_bad_values_say_which_variable_is_wrong():
    with pytest.raises(ConfigError, match="SURVEYAPP_MAX_CONTENT_LENGTH"):
        Settings.from_env({"SURVEYAPP_MAX_CONTENT_LENGTH": "lots"})
    with pytest.raises(ConfigError, match="SURVEYAPP_ENV"):
        Settings.from_env({"SURVEYAPP_ENV": "prod"})
    with pytest.raises(ConfigError, match="unknown setting"):
        create_app({"no_such_setting": 1})


def test_production_refuses_the_default_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SURVEYAPP_SECRET_KEY"):
        create_app({"env": "production", "data_dir": tmp_path})
    with pytest.raises(ConfigError, match="at least 32"):
        create_app({"env": "production", "data_dir": tmp_path, "secret_key": "short"})


def test_production_cookies_are_secure(tmp_path):
    app = create_app({"env": "production", "data_dir": tmp_path, "secret_key": "k" * 48})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert not create_app({"data_dir": tmp_path}).config["SESSION_COOKIE_SECURE"]
