"""A Redis cache that degrades instead of failing when Redis is down.

Lectern's cache holds nothing that must not be lost: login and reset rate limits (allauth),
import progress, a statistics debounce, kept pages (courses.page_cache) and students' review
counts (review.due_cache). So when Redis cannot be reached, reads miss, writes
are dropped and ``add`` succeeds: logging in, signing up and resetting a password keep
working, without rate limits, until Redis is back (the "fail open" window, see
docs/operations.md). After a failure the cache does not try Redis again for
``RETRY_AFTER`` seconds, so a dead Redis costs one short timeout per window, not one per
call; ``degraded_since()`` tells /readyz and the logs that it is down.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 30.0

_lock = threading.Lock()
_down_since: float | None = None
_retry_at = 0.0


def is_shared() -> bool:
    """Whether the default cache is one every process reads (Redis), rather than the
    embedded default's memory of each process: what one process writes there, another
    sees."""
    return isinstance(caches["default"], RedisCache)


def degraded_since() -> float | None:
    """When (time.time()) the cache last found Redis down, if it is still thought down."""
    return _down_since


def _failed(exc: Exception) -> None:
    global _down_since, _retry_at
    with _lock:
        if _down_since is None:
            _down_since = time.time()
            logger.error("The cache's Redis is unreachable (%s): running without a cache", exc)
        _retry_at = time.monotonic() + RETRY_AFTER


def _recovered() -> None:
    global _down_since
    if _down_since is not None:
        with _lock:
            if _down_since is not None:
                logger.warning("The cache's Redis is back")
                _down_since = None


def _guard(default):
    """Wrap a cache method: on a Redis error (or inside the retry window) return ``default``."""

    def decorate(method):
        def wrapped(self, *args, **kwargs):
            if _down_since is not None and time.monotonic() < _retry_at:
                return default() if callable(default) else default
            try:
                result = method(self, *args, **kwargs)
            except RedisError as exc:
                _failed(exc)
                return default() if callable(default) else default
            _recovered()
            return result

        wrapped.__name__ = method.__name__
        wrapped.__doc__ = method.__doc__
        return wrapped

    return decorate


class _KeptClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one redis.Redis per connection pool.

    Django's makes a new redis.Redis for every cache call, and each one builds its table of
    about 170 response callbacks: 0.15 ms of the 0.66 ms a three-key read took here, more than
    the round trip to Redis (bench/README.md). A redis.Redis is safe to share between threads
    (each command takes a connection from the pool), and the pools are Django's own, made as
    before; redis-py resets a pool in a forked child.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class ResilientRedisCache(RedisCache):
    """Django's RedisCache; every call answers even when Redis does not (see the module)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _KeptClientRedisCacheClient

    def get(self, key, default=None, version=None):
        return _guard(default)(RedisCache.get)(self, key, default, version)

    # add() succeeding when Redis is down means "not limited", "not queued yet": open.
    add = _guard(True)(RedisCache.add)
    set = _guard(None)(RedisCache.set)
    touch = _guard(False)(RedisCache.touch)
    delete = _guard(False)(RedisCache.delete)
    get_many = _guard(dict)(RedisCache.get_many)
    has_key = _guard(False)(RedisCache.has_key)
    incr = _guard(0)(RedisCache.incr)
    set_many = _guard(list)(RedisCache.set_many)
    delete_many = _guard(None)(RedisCache.delete_many)
    clear = _guard(False)(RedisCache.clear)
