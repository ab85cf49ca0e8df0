"""The benchmark's own database, on the same server as the portal's and never the same one.

The benchmark makes, migrates and fills it as the owner role (`python -m tooling.bench`
runs in `db_roles.as_owner()`); the web server it measures connects as the portal's own
role."""

from __future__ import annotations

import psycopg2
from django.conf import settings
from django.db import connections
from psycopg2 import sql

from partnership.db_roles import database_url


def _server_connection():
    """A connection to the server's maintenance database, to create and drop databases."""
    params = connections["default"].get_connection_params()
    params["dbname"] = "postgres"
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    return conn


def exists(name: str) -> bool:
    with _server_connection() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def create(name: str, *, replace: bool = False) -> None:
    conn = _server_connection()
    try:
        with conn.cursor() as cursor:
            if replace:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def drop(name: str) -> None:
    conn = _server_connection()
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def use(name: str) -> None:
    """Point the default connection at `name` from here on, as Django's test runner does
    for its test database."""
    connection = connections["default"]
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


def url_for(name: str) -> str:
    """DATABASE_URL for another process (the web server under test) to reach `name`, as the
    portal's own role (the benchmark itself runs as the owner)."""
    return database_url({**settings.DATABASES["default"], "NAME": name})


def server_version() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]
