"""The production overlay: `check --deploy` is clean, secrets are required, no demo data.

Each test runs `manage.py` in a subprocess with production-like variables, the way a
container starts. The database and Redis URLs point at a loopback port where nothing
listens, so a command that tried to connect would fail loudly instead of passing.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
UNREACHABLE_DATABASE_URL = "postgres://partnership:secret@127.0.0.1:1/partnership"
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.slow


def production_env(**overrides) -> dict:
    # Nothing from the caller's environment may loosen the settings under test.
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DATABASE_URL", "REDIS_URL", "CELERY_", "DEMO_", "DEBUG", "SECURE_", "DJANGO_")
        )
    }
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "partnership.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "partnerships.example.org",
        "DATABASE_URL": UNREACHABLE_DATABASE_URL,
        "REDIS_URL": UNREACHABLE_REDIS_URL,
        **overrides,
    }
    return {key: value for key, value in env.items() if value is not None}


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def python(code: str, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_issues():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", env=production_env(SECRET_KEY=None))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", env=production_env(ALLOWED_HOSTS=None))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "ALLOWED_HOSTS" in result.stderr


def test_demo_data_cannot_be_loaded_under_production_settings():
    result = manage("load_demo", env=production_env())
    assert result.returncode != 0
    assert "Demo data is disabled" in result.stderr
    # It refuses before touching the database (which is unreachable here).
    assert "OperationalError" not in result.stderr


def test_environment_cannot_turn_on_debug_or_the_demo_in_production():
    result = python(
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.DEMO_ENABLED, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS > 0)",
        env=production_env(DEBUG="true", DEMO_ENABLED="true"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True", "True", "True"]


def test_health_probes_by_ip_address_are_answered_under_production_settings():
    result = python(
        "from django.test import Client; "
        "r = Client().get('/healthz', HTTP_HOST='172.18.0.5:8000'); "
        "print(r.status_code, r.content.decode())",
        env=production_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '200 {"status": "ok"}'
