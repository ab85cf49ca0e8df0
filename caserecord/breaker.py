"""A circuit breaker kept in Django's cache, so that every web process sees the same state:
after `failures` failed calls in a row to an upstream, calls fail at once for `open_seconds`
instead of waiting on it; then one call is let through to see whether it is back."""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


class CircuitBreaker:
    def __init__(self, name: str, *, failures: int, open_seconds: float):
        self.name, self.failures, self.open_seconds = name, failures, open_seconds
        self._count_key = f"caserecord:breaker:{name}:failures"
        self._open_key = f"caserecord:breaker:{name}:open"

    def is_open(self) -> bool:
        return cache.get(self._open_key) is not None

    def succeeded(self) -> None:
        cache.delete_many([self._count_key, self._open_key])

    def failed(self) -> None:
        # The count outlives the open period, so a first call after it that fails opens the
        # breaker again straight away.
        cache.add(self._count_key, 0, timeout=self.open_seconds * 10)
        try:
            count = cache.incr(self._count_key)
        except ValueError:
            count = 1
        if count >= self.failures and cache.add(self._open_key, True, timeout=self.open_seconds):
            logger.warning(
                "Case record %s: circuit open for %ss after %d failures",
                self.name,
                self.open_seconds,
                count,
            )
