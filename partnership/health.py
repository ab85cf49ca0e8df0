"""`/healthz`: the process answers. `/readyz`: database, broker and a worker all answer, in
milliseconds: a worker is known alive by its recent heartbeat in the broker's Redis."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse

from partnership.celery import app as celery_app
from partnership.celery import heartbeat_lifetime, workers_alive

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return type(exc).__name__
    return None


def check_broker() -> str | None:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT)
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return None


def check_worker() -> str | None:
    try:
        alive = workers_alive(celery_app, timeout=CHECK_TIMEOUT)
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return None if alive else f"no worker heartbeat in the last {heartbeat_lifetime()} seconds"


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "broker": check_broker()}
    # Heartbeats are kept in the broker: without it no worker can be known alive.
    checks["worker"] = check_worker() if checks["broker"] is None else "broker unreachable"
    failing = [name for name, error in checks.items() if error]
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {
            name: ("ok" if error is None else f"failing: {error}") for name, error in checks.items()
        },
    }
    if failing:
        body["failing"] = failing
        logger.warning("Not ready: %s", ", ".join(failing))
    return JsonResponse(body, status=503 if failing else 200)
