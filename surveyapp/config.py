"""Typed settings, read once from ``SURVEYAPP_*`` environment variables.

This is the only module that reads the environment for the app: everything else gets a
``Settings`` instance (``current_app.config["SETTINGS"]``), so a test can build an app
from a plain dict without touching ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SECRET_KEY = "dev-insecure-change-me"
ENVIRONMENTS = ("development", "production", "testing")


class ConfigError(ValueError):
    """A setting is missing or invalid; the message says which and how to fix it."""


def _default_data_dir() -> Path:
    return Path.cwd() / "var"


@dataclass(frozen=True)
class Settings:
    """Every knob the app has. Field names map to ``SURVEYAPP_<NAME>`` variables."""

    env: str = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    data_dir: Path = field(default_factory=_default_data_dir)
    database_url: str = ""  # empty: SQLite file in data_dir
    broker_url: str = ""  # empty: embedded SQLite broker in data_dir
    redis_url: str = ""  # used for rate-limit storage when set
    ratelimit_storage_url: str = ""  # empty: redis_url if set, else in-memory
    # Redis broker: a job whose worker died unacknowledged is redelivered after this many
    # seconds. Longer than the longest job (a job that outlives it runs twice, harmlessly).
    job_visibility_timeout: int = 3600
    max_content_length: int = 1024 * 1024  # bytes; larger request bodies get 413
    sqlite_busy_timeout_ms: int = 10_000
    session_cookie_secure: bool | None = None  # None: True in production
    login_rate_limit: str = "10 per minute"  # sign-in POSTs per client address
    # Failed sign-ins per account, from all addresses together (a password-guessing run
    # spread over many addresses); the account's owner is told how long to wait.
    login_account_rate_limit: str = "10 per 15 minutes"
    # Reverse proxies in front of the app (a load balancer, nginx): with N > 0 the client
    # address, scheme and host are read from the last N X-Forwarded-* entries (Werkzeug's
    # ProxyFix). Only set this when every request comes through those proxies: otherwise a
    # client can claim any address and escape the rate limits.
    proxy_hops: int = 0
    collect_rate_limit: str = "300 per minute"  # per public key and client address
    open_signup: bool = False  # allow sign-up after the first owner exists
    invitation_days: int = 7
    log_level: str = "INFO"
    sentiment_model: str = ""  # a local model directory; empty: data_dir/models/sentiment
    # Webhooks may go to private, loopback and link-local addresses (off: only public hosts,
    # checked when a webhook is added and again, after DNS, on every delivery).
    webhook_allow_private: bool = False
    # Optional local LLM for theme labels and summaries (docs/nlp.md): an OpenAI-compatible
    # endpoint on the operator's own network (llama.cpp server, Ollama, vLLM), e.g.
    # http://127.0.0.1:8080/v1. Empty (the default): off, and no answer leaves the server.
    llm_base_url: str = ""
    llm_model: str = ""  # the model name the endpoint serves (required with llm_base_url)
    llm_api_key: str = ""  # sent as a Bearer token when set
    llm_timeout: int = 30  # seconds per request; a theme that times out keeps its built-in label
    # Files answered to file-upload questions: data_dir/uploads, or this S3-compatible bucket
    # when set (endpoint empty: AWS; e.g. http://127.0.0.1:9000 for MinIO).
    upload_s3_bucket: str = ""
    upload_s3_prefix: str = "uploads/"
    upload_s3_endpoint: str = ""
    upload_s3_region: str = "us-east-1"
    upload_s3_access_key: str = ""
    upload_s3_secret_key: str = ""

    # ----------------------------------------------------------------- derived values
    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Accept the common postgres:// and postgresql:// spellings; we use psycopg 3.
            for prefix in ("postgres://", "postgresql://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url[len(prefix) :]
            return url
        return f"sqlite:///{self.data_dir / 'surveyapp.sqlite'}"

    @property
    def celery_broker_url(self) -> str:
        return self.broker_url or f"sqla+sqlite:///{self.data_dir / 'broker.sqlite'}"

    @property
    def limiter_storage_url(self) -> str:
        # lazy-memory:// is surveyapp.ratelimit's thread-free variant of limits' memory://
        return self.ratelimit_storage_url or self.redis_url or "lazy-memory://"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def sentiment_model_dir(self) -> Path:
        return Path(self.sentiment_model) if self.sentiment_model else \
            self.data_dir / "models" / "sentiment"

    @property
    def nlp_cache_dir(self) -> Path:
        return self.data_dir / "nlp-cache"  # embeddings by text hash and model

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``SURVEYAPP_*`` variables, then apply ``overrides``."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f"SURVEYAPP_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _parse(f.name, f.type, raw)
        values.update(overrides)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Settings:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        clean = dict(values)
        if "data_dir" in clean:
            clean["data_dir"] = Path(clean["data_dir"])
        settings = cls(**clean)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise ConfigError(
                f"SURVEYAPP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}"
            )
        if self.env == "production" and (
            self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise ConfigError(
                "refusing to start in production with the default or a short secret key: "
                "set SURVEYAPP_SECRET_KEY to a random string of at least 32 characters "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if not 0 <= self.proxy_hops <= 10:
            raise ConfigError("SURVEYAPP_PROXY_HOPS must be between 0 and 10")
        if self.max_content_length < 1024:
            raise ConfigError("SURVEYAPP_MAX_CONTENT_LENGTH must be at least 1024 bytes")
        if self.llm_base_url:
            if not self.llm_base_url.startswith(("http://", "https://")):
                raise ConfigError("SURVEYAPP_LLM_BASE_URL must start with http:// or https:// "
                                  "(e.g. http://127.0.0.1:8080/v1)")
            if not self.llm_model:
                raise ConfigError("SURVEYAPP_LLM_MODEL is needed with SURVEYAPP_LLM_BASE_URL: "
                                  "the model name the endpoint serves")
        if not 1 <= self.llm_timeout <= 600:
            raise ConfigError("SURVEYAPP_LLM_TIMEOUT must be between 1 and 600 seconds")

    def flask_config(self) -> dict[str, Any]:
        """The subset of settings Flask and its extensions read from ``app.config``."""
        secure = self.session_cookie_secure
        if secure is None:
            secure = self.env == "production"
        return {
            "SETTINGS": self,
            "SECRET_KEY": self.secret_key,
            "TESTING": self.env == "testing",
            "SQLALCHEMY_DATABASE_URI": self.sqlalchemy_url,
            "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(self),
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "SESSION_COOKIE_SECURE": secure,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": secure,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        }


def _engine_options(settings: Settings) -> dict[str, Any]:
    if settings.is_sqlite:
        return {"connect_args": {"timeout": settings.sqlite_busy_timeout_ms / 1000}}
    # No pre-ping (it costs a round trip on every request); connections are recycled
    # instead, and after a database restart the first use of a stale connection fails once
    # (the widget's outbox retries it, the job queue retries jobs).
    return {"pool_recycle": 300}


def _parse(name: str, type_: Any, raw: str) -> Any:
    type_name = type_ if isinstance(type_, str) else getattr(type_, "__name__", str(type_))
    try:
        if type_name.startswith("bool"):
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if type_name == "int":
            return int(raw)
        if type_name == "Path":
            return Path(raw).expanduser()
    except ValueError:
        raise ConfigError(f"SURVEYAPP_{name.upper()}: cannot read {raw!r} as {type_name}") from None
    return raw
