"""Settings switching: embedded servers when no URLs are set, the given servers otherwise."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
import redis

from partnership.settings.base import celery_broker_url
from tooling.embedded import embedded_services, postgres_url

BASE_DIR = Path(__file__).resolve().parents[2]


def settings_seen_by_django(environ: dict) -> dict:
    """Import the settings in a fresh interpreter, as manage.py would."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "db = settings.DATABASES['default']; "
        "print(json.dumps({'host': db.get('HOST'), 'options': db.get('OPTIONS', {}), 'name': db['NAME'], "
        "'cache': settings.CACHES['default']['LOCATION'], 'broker': settings.CELERY_BROKER_URL}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(environ, DJANGO_SETTINGS_MODULE="partnership.settings.base")
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_urls_in_the_environment_are_used_and_nothing_is_started(tmp_path):
    given = {
        "DATABASE_URL": "postgres://app@db.internal:5432/portal",
        "REDIS_URL": "redis://cache.internal:6379/2",
    }
    services = embedded_services(tmp_path, given)
    assert services.environ == {} and services.started == []
    assert not any(tmp_path.iterdir())

    seen = settings_seen_by_django(given)
    assert seen["host"] == "db.internal" and seen["name"] == "portal"
    assert seen["cache"] == "redis://cache.internal:6379/2"
    assert seen["broker"] == "redis://cache.internal:6379/2"


def test_unix_socket_urls_translate_for_celery_and_postgres():
    assert celery_broker_url("unix:///srv/var/redis.sock") == "redis+socket:///srv/var/redis.sock"
    assert celery_broker_url("redis://h:6379/0") == "redis://h:6379/0"
    seen = settings_seen_by_django(
        {
            "DATABASE_URL": postgres_url(Path("/srv/var/pg")),
            "REDIS_URL": "unix:///srv/var/redis.sock",
        }
    )
    assert seen["options"]["host"] == "/srv/var/pg" and seen["name"] == "partnership"
    assert seen["broker"] == "redis+socket:///srv/var/redis.sock"


@pytest.mark.slow
def test_without_urls_embedded_postgres_and_redis_start_under_the_folder_and_serve(tmp_path):
    services = embedded_services(tmp_path, {})
    try:
        assert services.started == ["postgres", "redis"]
        database_url = services.environ["DATABASE_URL"]
        redis_url = services.environ["REDIS_URL"]
        assert str(tmp_path / "pg") in database_url

        with (
            psycopg2.connect(
                dbname="partnership", user="postgres", host=str(tmp_path / "pg")
            ) as conn,
            conn.cursor() as cursor,
        ):
            cursor.execute("SHOW server_version")
            assert cursor.fetchone()[0].startswith("16")
        client = redis.Redis.from_url(redis_url)
        client.set("partnership-check", "1")
        assert client.get("partnership-check") == b"1"
        client.close()
    finally:
        services.stop()
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(
            dbname="partnership", user="postgres", host=str(tmp_path / "pg"), connect_timeout=2
        )


def test_only_the_missing_server_is_embedded(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(
        "tooling.embedded.start_redis", lambda d: started.append("redis") or (None, "unix:///x")
    )
    services = embedded_services(tmp_path, {"DATABASE_URL": "postgres://given/db"})
    assert services.started == ["redis"] and started == ["redis"]
    assert services.environ == {"REDIS_URL": "unix:///x"}
