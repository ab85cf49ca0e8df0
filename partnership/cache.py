"""The cache on Redis, made optional: with Redis unreachable every read is a miss and every
write is dropped, so that pages and the API keep working on the database alone."""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _tolerant(method, fallback):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RedisError as exc:
            logger.warning(
                "Cache %s skipped: Redis unavailable (%s)", method.__name__, type(exc).__name__
            )
            return fallback(*args, **kwargs)

    return call


# Counts a request in a window: the key starts at 1 with the window's timeout, in one trip.
_COUNT_IN_WINDOW = """
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return used
"""


def count_in_window(cache, key: str, timeout: int) -> int:
    """Add one to the counter `key`, which lives `timeout` seconds from its first count, and
    return it. One round trip on Redis (the rate limits count twice on every API request);
    on any other cache, an add then an increment. With Redis down every count is 1."""
    counted = getattr(cache, "count_in_window", None)  # the cache may be Django's proxy
    if counted is not None:
        return counted(key, timeout)
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between the two calls: this count opens the window
        cache.set(key, 1, timeout=timeout)
        return 1


def _not_found(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found")  # what incr() raises on a miss


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, reading a Redis error as a miss and dropping the write."""

    add = _tolerant(RedisCache.add, lambda *args, **kwargs: False)
    get = _tolerant(RedisCache.get, lambda key, default=None, version=None: default)
    set = _tolerant(RedisCache.set, lambda *args, **kwargs: None)
    touch = _tolerant(RedisCache.touch, lambda *args, **kwargs: False)
    delete = _tolerant(RedisCache.delete, lambda *args, **kwargs: False)
    get_many = _tolerant(RedisCache.get_many, lambda *args, **kwargs: {})
    has_key = _tolerant(RedisCache.has_key, lambda *args, **kwargs: False)
    incr = _tolerant(RedisCache.incr, _not_found)
    set_many = _tolerant(RedisCache.set_many, lambda data, *args, **kwargs: list(data))
    delete_many = _tolerant(RedisCache.delete_many, lambda *args, **kwargs: None)
    clear = _tolerant(RedisCache.clear, lambda *args, **kwargs: False)

    def count_in_window(self, key: str, timeout: int) -> int:
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        return int(client.eval(_COUNT_IN_WINDOW, 1, key, timeout))

    count_in_window = _tolerant(count_in_window, lambda *args, **kwargs: 1)
