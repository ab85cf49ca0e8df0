"""Rate limits: per token (or signed-in user) and per address, each a fixed window counted in
the cache (Redis), with the IETF draft's `RateLimit-*` headers on every API response and
`Retry-After` on a `429`.

The rates are `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` (`token`, `address`), set from the
environment and generous by default.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from partnership.auth import client_ip_address
from partnership.cache import count_in_window

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True)
class Window:
    """Where a client stands in the current window of one limit."""

    limit: int
    remaining: int
    reset: int  # seconds until the window ends


def parse_rate(rate: str) -> tuple[int, int]:
    """`"100/min"` as (100, 60): requests, and the window in seconds."""
    number, period = rate.split("/")
    return int(number), _PERIODS[period[0]]


class WindowThrottle(BaseThrottle):
    """At most `limit` requests a window for each client key; subclasses name the `scope`
    (its rate's name) and the key."""

    scope = ""

    def key_for(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        key = self.key_for(request)
        if not rate or key is None:
            return True
        limit, seconds = parse_rate(rate)
        now = time.time()
        start = int(now // seconds) * seconds
        cache_key = f"ratelimit:{self.scope}:{key}:{start}"
        used = count_in_window(cache, cache_key, seconds + 1)
        self.window = Window(
            limit=limit, remaining=max(0, limit - used), reset=math.ceil(start + seconds - now)
        )
        _remember(request, self.window)
        return used <= limit

    def wait(self) -> float:
        return max(1, self.window.reset)


class TokenRateThrottle(WindowThrottle):
    """Per API token, or per user for the browser session."""

    scope = "token"

    def key_for(self, request) -> str | None:
        token = request.auth
        if getattr(token, "pk", None) is not None:
            return f"t{token.pk}"
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"u{user.pk}"
        return None


class AddressRateThrottle(WindowThrottle):
    """Per client address, signed in or not."""

    scope = "address"

    def key_for(self, request) -> str | None:
        return client_ip_address(request._request) or "unknown"


def _remember(request, window: Window) -> None:
    """Keep the tightest window for the response's headers (`partnership.api.middleware`)."""
    django_request = request._request
    held = getattr(django_request, "rate_limit_window", None)
    if held is None or window.remaining < held.remaining:
        django_request.rate_limit_window = window


def rate_limit_headers(window: Window) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(window.limit),
        "RateLimit-Remaining": str(window.remaining),
        "RateLimit-Reset": str(window.reset),
    }
