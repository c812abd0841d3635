"""A Redis cache that a Redis outage cannot turn into error pages.

Nothing that must be right lives in the cache (lockout and throttle counters, sessions'
truth, exactly-once keys are in the database), so when Redis cannot be reached every
read is a miss and every write is dropped, logged as a warning, instead of an exception
in the middle of a page. After a failure the process leaves Redis alone for
`PORTAL_CACHE_RETRY_SECONDS` (misses at once, no connection attempt), so a Redis that
hangs costs one timeout per process and pause, not one per cache call.

With the `cached_db` session engine, sessions then come from the database alone. What
this cannot do is delete from a Redis it cannot reach: a session ended (logged out)
during a network split is still in Redis when it comes back, until its idle timeout ends
it (PORTAL_SESSION_IDLE_MINUTES) — flush the cache's Redis database after a split longer
than a blip (README, "Production deployment").

`settings.py` puts this backend in place of Django's whenever CACHE_URL is redis://.
"""

import logging
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (ConnectionError, TimeoutError)


def _tolerant(name: str, miss):
    """Return the client's `name` method, answering `miss(*args)` when Redis is down."""
    call = getattr(RedisCacheClient, name)

    def method(self, *args):
        if time.monotonic() < self._down_until:
            return miss(*args)
        try:
            return call(self, *args)
        except UNREACHABLE as exc:
            pause = settings.PORTAL_CACHE_RETRY_SECONDS
            self._down_until = time.monotonic() + pause
            logger.warning(
                "The cache is unreachable (%s on %s): misses for %s s",
                type(exc).__name__,
                name,
                pause,
            )
            return miss(*args)

    method.__name__ = name
    return method


def _not_found(key, delta):
    raise ValueError(f"Key '{key}' not found (the cache is unreachable)")


class TolerantRedisCacheClient(RedisCacheClient):
    """Django's Redis client, each call turning an unreachable Redis into its miss."""

    # Until when (time.monotonic) this client leaves Redis alone. A client lives as long
    # as its cache connection: one per worker thread.
    _down_until = 0.0

    add = _tolerant("add", lambda key, value, timeout: False)
    get = _tolerant("get", lambda key, default: default)
    set = _tolerant("set", lambda key, value, timeout: None)
    touch = _tolerant("touch", lambda key, timeout: False)
    delete = _tolerant("delete", lambda key: False)
    get_many = _tolerant("get_many", lambda keys: {})
    has_key = _tolerant("has_key", lambda key: False)
    incr = _tolerant("incr", _not_found)
    set_many = _tolerant("set_many", lambda data, timeout: None)
    delete_many = _tolerant("delete_many", lambda keys: None)
    clear = _tolerant("clear", lambda: False)


class TolerantRedisCache(RedisCache):
    """Django's Redis cache backend with `TolerantRedisCacheClient`."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient
