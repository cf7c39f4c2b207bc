"""In-process rate-limit storage for the embedded default (no Redis).

``limits``' own ``memory://`` storage starts a timer thread after every hit that comes
more than 10 ms after the previous one, to expire old windows; under gunicorn that thread
churn cost more than the whole response insert (bench/ingest.py). This storage is the
same ``MemoryStorage`` for fixed windows, except that windows expire lazily: a key is
reset when it is read after its window ended, and a sweep every few thousand hits drops
keys nobody reads any more. Production with several servers uses Redis instead
(``SURVEYAPP_REDIS_URL``), which shares counts between processes.
"""

from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage

SWEEP_EVERY = 5000


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
