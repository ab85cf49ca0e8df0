"""Outages as the portal meets them, for the tests that go through them: Redis (the broker
and the cache) on a loopback port where nothing listens."""

from __future__ import annotations

import os
from contextlib import contextmanager
from unittest import mock

from django.test import override_settings

from partnership import health
from partnership.celery import app

UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"
RECOMPUTE = "capacity.tasks.capacity_alerts_for_service"


def _forget_broker_connections() -> None:
    # The app keeps a connection and a producer pool per broker URL; make it look again.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def redis_unreachable():
    """The broker and the cache on a port where nothing listens."""
    cache_settings = {
        "default": {
            "BACKEND": "partnership.cache.ResilientRedisCache",
            "LOCATION": UNREACHABLE_REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with (
        mock.patch.dict(os.environ, {"CELERY_BROKER_URL": UNREACHABLE_REDIS_URL}),
        override_settings(CACHES=cache_settings),
        mock.patch.object(health, "CHECK_TIMEOUT", 0.5),
    ):
        _forget_broker_connections()
        try:
            yield
        finally:
            _forget_broker_connections()


def referral_ready_to_send():
    """A draft referral that can be sent, to a service with a provider admin to tell."""
    from providers.tests.factories import make_service
    from referrals.tests.factories import provider_admin_for, referral_in

    service = make_service(referral_requirements=["date_of_birth"])
    provider_admin_for(service)  # someone at the provider to notify
    return referral_in("draft", service=service)
