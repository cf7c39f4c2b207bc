"""Rate limits with the `limits` library (the engine under Flask-Limiter), used directly.

Flask-Limiter evaluates its bookkeeping on every request of the app, which cost more than
the collection API's INSERT itself (bench/ingest.py); here only the routes that are
limited pay, and each pays one counter increment. Counters live in Redis when
``SURVEYAPP_REDIS_URL`` (or ``SURVEYAPP_RATELIMIT_STORAGE_URL``) is set, shared by all
workers, else in each process (``lazy-memory://``).

``limits``' own ``memory://`` storage starts a timer thread after every hit that comes
more than 10 ms after the previous one, to expire old windows; under gunicorn that thread
churn was measurable. ``lazy-memory://`` is the same ``MemoryStorage`` for fixed windows,
except that windows expire lazily: a key is reset when it is read after its window
ended, and a sweep every few thousand hits drops keys nobody reads any more.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

SWEEP_EVERY = 5000
logger = logging.getLogger(__name__)


class LazyMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["lazy-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._hits = 0
        self._sweep_lock = threading.Lock()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self.get(key)  # resets the window if it has ended
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
            value = self.storage.get(key, 0)
        self._hits += 1
        if self._hits % SWEEP_EVERY == 0:
            self._sweep()
        return value

    def _sweep(self) -> None:
        now = time.time()
        with self._sweep_lock:
            for key, expires in list(self.expirations.items()):
                if expires <= now:
                    self.storage.pop(key, None)
                    self.expirations.pop(key, None)
                    self.locks.pop(key, None)


class RateLimiter:
    """One per app: ``hit(limit, *ids)`` returns None, or the seconds to wait.

    If the counters' storage (Redis) is unreachable, requests are let through (fail open)
    and a warning is logged at most every ``WARN_EVERY`` seconds: losing answers because
    a rate-limit counter is down would be worse than not limiting for a while.
    ``/healthz`` reports the outage.
    """

    WARN_EVERY = 30.0

    def __init__(self, storage_url: str) -> None:
        self.storage = storage_from_string(storage_url)
        self.strategy = FixedWindowRateLimiter(self.storage)
        self._items: dict[str, RateLimitItem] = {}
        self._warned_at = 0.0

    def hit(self, limit: str, *identifiers: str) -> int | None:
        item = self._items.get(limit)
        if item is None:
            item = self._items[limit] = parse(limit)
        try:
            if self.strategy.hit(item, *identifiers):
                return None
            reset = self.strategy.get_window_stats(item, *identifiers).reset_time
        except Exception as exc:  # noqa: BLE001 - any storage failure: fail open
            now = time.monotonic()
            if now - self._warned_at > self.WARN_EVERY:
                self._warned_at = now
                logger.warning("rate-limit storage unavailable (%s); not limiting",
                               exc.__class__.__name__)
            return None
        return max(1, int(reset - time.time()) + 1)

    def exhausted(self, limit: str, *identifiers: str) -> int | None:
        """Like ``hit`` without counting: the seconds to wait if the limit is used up."""
        item = self._items.get(limit)
        if item is None:
            item = self._items[limit] = parse(limit)
        try:
            if self.strategy.test(item, *identifiers):
                return None
            reset = self.strategy.get_window_stats(item, *identifiers).reset_time
        except Exception:  # noqa: BLE001 - storage failure: fail open, as hit() does
            return None
        return max(1, int(reset - time.time()) + 1)

    def healthy(self) -> bool:
        try:
            return bool(self.storage.check())
        except Exception:  # noqa: BLE001
            return False


def init_app(app: Flask) -> None:
    app.extensions["ratelimit"] = RateLimiter(app.config["SETTINGS"].limiter_storage_url)


def hit(limit: str, *identifiers: str) -> int | None:
    limiter: RateLimiter = current_app.extensions["ratelimit"]
    return limiter.hit(limit, *identifiers)


def exhausted(limit: str, *identifiers: str) -> int | None:
    limiter: RateLimiter = current_app.extensions["ratelimit"]
    return limiter.exhausted(limit, *identifiers)


def limit_posts(setting: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Limit a view's POSTs per client address with the limit string in ``Settings.<setting>``;
    over the limit the client gets 429 with Retry-After."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.method == "POST":
                wait = hit(getattr(current_app.config["SETTINGS"], setting),
                           request.endpoint or "", request.remote_addr or "")
                if wait is not None:
                    raise TooManyRequests(retry_after=wait)
            return view(*args, **kwargs)

        return wrapper

    return decorator
