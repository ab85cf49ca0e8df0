"""Test overlay: fast hashing, outbox email, plain static storage, private files in a
temporary folder."""

import atexit
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import (
    CELERY_BROKER_TRANSPORT_OPTIONS,
    DATABASE_OWNER,
    DATABASES,
    REST_FRAMEWORK,
    STORAGES,
    env,
)
from .private_storage import FILESYSTEM

DEBUG = False
DEMO_ENABLED = True
# Whatever the environment says; the tests of two-factor sign-in turn it on themselves.
TWO_FACTOR_REQUIRED = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Whatever the environment says: the suite's files never reach a real folder or bucket.
    "private": FILESYSTEM,
}
# A folder of this run's own, gone when it ends; tests that look at the files set their own.
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="partnership-private-"))
atexit.register(shutil.rmtree, PRIVATE_MEDIA_ROOT, ignore_errors=True)
WHITENOISE_AUTOREFRESH = True
# Manual entry whatever the environment says; the case record's tests start a stand-in.
CASE_RECORD_SOURCE = "none"
CASE_RECORD_BACKOFF_SECONDS = 0
# Static files straight from their folders: the suite never runs collectstatic.
WHITENOISE_USE_FINDERS = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The suite is never throttled; the tests of rate limits set their own low limits.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"token": "1000000/min", "address": "1000000/min"},
}
# Lets several suites share one server: each names its own test database.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_partnership")}
# The suite runs as the owner role: it makes the test database, migrates it and empties it
# between tests. What the app role may and may not do is proven on a connection of its own
# (referrals/tests/test_db_roles.py).
if DATABASE_OWNER:
    for key in ("USER", "PASSWORD", "HOST", "PORT"):
        DATABASES["default"][key] = DATABASE_OWNER.get(key) or ""
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        **DATABASE_OWNER.get("OPTIONS", {}),
    }
# Postgres as ever, but the flush between tests says it may empty the access log too.
DATABASES["default"]["ENGINE"] = "partnership.test_database"

_XDIST_WORKER = env("PYTEST_XDIST_WORKER", default="")
# Suites sharing one Redis keep their queues apart (and so do the processes of one suite
# run in parallel), and a killed worker's unacknowledged task comes back within seconds
# rather than an hour.
BROKER_VISIBILITY_TIMEOUT = env.int("BROKER_VISIBILITY_TIMEOUT", default=5)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    "global_keyprefix": f"{DATABASES['default']['TEST']['NAME']}{_XDIST_WORKER}:",
}
