"""Fixtures for the tools' tests."""

import os
from urllib.parse import urlsplit

import psycopg2
import pytest


def _admin(url: str):
    parts = urlsplit(url)
    conn = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "postgres",
        password=parts.password,
        host=parts.hostname,
        port=parts.port or 5432,
    )
    conn.autocommit = True
    return conn


@pytest.fixture
def launcher_database(request):
    """A database and roles of its own on the suite's server, for a launcher started by the
    test: its DATABASE_URL (a superuser's) and the role names to provision. Afterwards the
    database, those made beside it under its name (the benchmark's) and the roles are dropped.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres://postgres@"):
        pytest.skip("needs a superuser DATABASE_URL")
    tool = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    name = f"{os.environ.get('TEST_DATABASE_NAME', 'test_partnership')}_{tool}"
    roles = {"DATABASE_OWNER_ROLE": f"{name}_owner", "DATABASE_APP_ROLE": f"{name}_app"}
    parts = urlsplit(url)
    yield f"{parts.scheme}://{parts.netloc}/{name}", roles
    conn = _admin(url)
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR starts_with(datname, %s)",
            [name, f"{name}_"],
        )
        for (database,) in cursor.fetchall():
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in roles.values():
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():
                # Provisioning hands the server's other portal databases to the owner role.
                cursor.execute(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER')
                cursor.execute(f'DROP ROLE "{role}"')
    conn.close()
