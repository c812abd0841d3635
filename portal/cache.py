"""A Redis cache that a Redis outage cannot turn into error pages.

Nothing that must be right lives in the cache (lockout and throttle counters, sessions'
truth, exactly-once keys are in the database), so when Redis cannot be reached every
read is a miss and every write is dropped, logged as a warning, instead of an exception
in the middle of a page. After a failure the process leaves Redis alone for
`PORTAL_CACHE_RETRY_SECONDS` (misses at once, no connection attempt), so a Redis that
hangs costs one timeout per process and pause, not one per cache call.

With the `cached_db` session engine, sessions then come from the database alone. A write
or delete that could not reach Redis leaves the key there as it was (a session logged
out during a network split would be live again once Redis is back): the client keeps the
keys it failed to write and deletes them first thing once Redis answers again. Until
then — between Redis coming back and that process's next cache call — another process
may still read such a key; the session's idle timeout (PORTAL_SESSION_IDLE_MINUTES) bounds
it too. After a long split, flushing the cache's Redis database closes even that window
(README, "Production deployment").

`settings.py` puts this backend in place of Django's whenever CACHE_URL is redis://.
"""

import logging
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (ConnectionError, TimeoutError)


# A client that failed to write more keys than this clears the whole cache on recovery.
MAX_STALE_KEYS = 10_000


def _tolerant(name: str, miss, written=None):
    """Return the client's `name` method, answering `miss(*args)` when Redis is down;
    `written(*args)` names the keys a write would have changed (`all`: every key)."""
    call = getattr(RedisCacheClient, name)

    def method(self, *args):
        if time.monotonic() < self._down_until:
            self._missed(written, args)
            return miss(*args)
        try:
            self._forget_stale()
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
            self._missed(written, args)
            return miss(*args)

    method.__name__ = name
    return method


def _not_found(key, delta):
    raise ValueError(f"Key '{key}' not found (the cache is unreachable)")


def _one(key, *rest):
    return [key]


class TolerantRedisCacheClient(RedisCacheClient):
    """Django's Redis client, each call turning an unreachable Redis into its miss."""

    # Until when (time.monotonic) this client leaves Redis alone. A client lives as long
    # as its cache connection: one per worker thread.
    _down_until = 0.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stale: set = set()  # keys a write failed to change, deleted on recovery
        self._clear_on_recovery = False

    def _missed(self, written, args) -> None:
        if written is None:
            return
        if written is all:
            self._clear_on_recovery = True
            return
        self._stale.update(written(*args))
        if len(self._stale) > MAX_STALE_KEYS:
            self._stale.clear()
            self._clear_on_recovery = True

    def _forget_stale(self) -> None:
        """Delete what this client failed to write, before anything else reads or writes."""
        if self._clear_on_recovery:
            RedisCacheClient.clear(self)
            logger.warning("The cache is reachable again: cleared it")
        elif self._stale:
            RedisCacheClient.delete_many(self, list(self._stale))
            logger.warning(
                "The cache is reachable again: deleted %s keys written meanwhile", len(self._stale)
            )
        self._stale.clear()
        self._clear_on_recovery = False

    add = _tolerant("add", lambda key, value, timeout: False, _one)
    get = _tolerant("get", lambda key, default: default)
    set = _tolerant("set", lambda key, value, timeout: None, _one)
    touch = _tolerant("touch", lambda key, timeout: False, _one)
    delete = _tolerant("delete", lambda key: False, _one)
    get_many = _tolerant("get_many", lambda keys: {})
    has_key = _tolerant("has_key", lambda key: False)
    incr = _tolerant("incr", _not_found, _one)
    set_many = _tolerant("set_many", lambda data, timeout: None, lambda data, timeout: list(data))
    delete_many = _tolerant("delete_many", lambda keys: None, lambda keys: list(keys))
    clear = _tolerant("clear", lambda: False, all)


class TolerantRedisCache(RedisCache):
    """Django's Redis cache backend with `TolerantRedisCacheClient`."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient
