"""`make load`: `python -m tooling.load [load options]` through the launcher.

Makes the load test's own database on the same Postgres (`LOAD_DATABASE_NAME`, default
`partnership_load`) as the owner role (DATABASE_OWNER_URL, else DATABASE_URL), so the
demo's data is never touched, then runs the load command (tooling/load/command.py) with
`--migrate` on it under the production settings: migrations as the owner, the portal as
the app role.
"""

from __future__ import annotations

import os
import secrets
import sys
from urllib.parse import urlsplit

import environ

from tooling.command import main as command_main


def with_database(url: str, name: str) -> str:
    """The same server's URL, naming another database."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/{name}" + (f"?{parts.query}" if parts.query else "")


def database_create(url: str, name: str) -> bool:
    """Create database `name` on the server `url` points at, unless it exists."""
    import psycopg2
    from psycopg2 import sql

    config = environ.Env.db_url_config(url)
    params = {
        "dbname": config["NAME"],
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        **config.get("OPTIONS", {}),
    }
    conn = psycopg2.connect(**{key: value for key, value in params.items() if value is not None})
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        conn.close()


def main(argv: list[str]) -> int:
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("DATABASE_URL is not set: run this through `make load`", file=sys.stderr)
        return 2
    name = os.environ.get("LOAD_DATABASE_NAME", "partnership_load")
    if name == environ.Env.db_url_config(url)["NAME"]:
        print("LOAD_DATABASE_NAME must not be the portal's own database", file=sys.stderr)
        return 2
    # The owner role makes the database and migrates it; the portal under load is the app role.
    owner_url = os.environ.get("DATABASE_OWNER_URL") or url
    if database_create(owner_url, name):
        print(f"[load] created the database {name}", flush=True)
    # Before Django is set up in this process: the settings read these.
    os.environ.update(
        {
            "DATABASE_URL": with_database(url, name),
            "DATABASE_OWNER_URL": with_database(owner_url, name),
            "DJANGO_SETTINGS_MODULE": "partnership.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "EMAIL_PROVIDER": "locmem",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
    )
    print(f"[load] migrating {name}", flush=True)
    command_main("tooling.load.command:Command", "tooling.load", ["--migrate", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
