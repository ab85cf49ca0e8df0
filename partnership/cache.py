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
