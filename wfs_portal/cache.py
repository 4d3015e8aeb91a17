"""The cache: Redis, and while Redis cannot be reached, a local-memory cache of the process.

What the cache holds is worth little on its own (login and API rate counters, a dashboard's
figures for five minutes), but logins and API calls need it: without a fallback they would fail
with Redis. During an outage the counts are per web process (a little more lenient), and the first
call after Redis is back uses it again. An outage is noticed once and then skipped for
``RETRY_SECONDS``, so requests do not each wait for a connection timeout."""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# Per process, shared by the threads (Django makes a cache object per thread): Redis's state, and
# the fallback's contents, so that a process's threads share their counts.
_down_until: dict[str, float] = {}
_fallbacks: dict[str, LocMemCache] = {}
_lock = threading.Lock()


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        with _lock:
            if self._location not in _fallbacks:
                _fallbacks[self._location] = LocMemCache(
                    f"fallback:{self._location}",
                    {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10_000}},
                )
        self._fallback = _fallbacks[self._location]
        # The same keys in both stores: the fallback is a stand-in for Redis, not a second namespace.
        self._fallback.key_func, self._fallback.key_prefix, self._fallback.version = (
            self.key_func,
            self.key_prefix,
            self.version,
        )

    @property
    def degraded(self) -> bool:
        """Redis was unreachable a moment ago; the process is on its own cache."""
        return _down_until.get(self._location, 0.0) > time.monotonic()

    def _either(self, name: str, *args, **kwargs):
        if not self.degraded:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as exc:
                if not self.degraded:
                    logger.warning("cache: Redis unreachable (%r); using this process's memory meanwhile", exc)
                _down_until[self._location] = time.monotonic() + RETRY_SECONDS
        return getattr(self._fallback, name)(*args, **kwargs)

    def ping(self) -> None:
        """Ask Redis itself (not the fallback); raises while it is unreachable."""
        self._cache.get_client(write=True).ping()

    def add(self, *args, **kwargs):
        return self._either("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._either("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._either("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._either("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._either("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._either("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._either("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._either("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._either("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._either("delete_many", *args, **kwargs)

    def clear(self):
        self._fallback.clear()
        return self._either("clear")
