"""The portal's database roles: an owner that migrates, and an app role the portal runs as.

- The **owner role** (`DATABASE_OWNER_URL`) owns the schema and every table. Migrations,
  backup and restore, the benchmark's and load test's databases and the access log's
  retention run as it (`as_owner`, `owner_settings_dict`).
- The **app role** (`DATABASE_URL`) owns nothing: web, worker, beat and the demo loader
  run as it. After every migration the owner grants it DML on every table and use of the
  sequences, and on the access log only SELECT and INSERT (`grants_apply`); default
  privileges give the same to tables later migrations create. Not being the owner, it
  cannot disable triggers, truncate, alter or drop tables; not being a superuser, it
  cannot set `session_replication_role`.

Roles and the database are made by a superuser running `db_roles.sql` (`roles_provision`):
the launcher (tooling/launcher.py) does it for the embedded server and for a superuser
DATABASE_URL, the test suite for its own database, the Postgres container at its first
start.

The helpers that reach PostgreSQL from outside Django's connection (`url_config`,
`database_url`, `connect_params`, `libpq_environment`, `pg_binary`) are here because
provisioning needs them; the tooling package (backup and restore, the benchmark, the load
test) uses them too.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

SQL_FILE = Path(__file__).with_name("db_roles.sql")
DEFAULT_OWNER_ROLE = "partnership_owner"
DEFAULT_APP_ROLE = "partnership_app"
# The connection settings that say who connects and where; the database's name is kept.
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


@dataclass(frozen=True)
class RolePasswords:
    owner: str
    app: str


def passwords_load_or_create(path: Path) -> RolePasswords:
    """The two roles' passwords, generated once into `path`, which only its owner may read."""
    if path.is_file():
        os.chmod(path, 0o600)
        stored = json.loads(path.read_text())
        return RolePasswords(owner=stored["owner"], app=stored["app"])
    path.parent.mkdir(parents=True, exist_ok=True)
    made = RolePasswords(owner=secrets.token_urlsafe(32), app=secrets.token_urlsafe(32))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        json.dump({"owner": made.owner, "app": made.app}, stream)
    return made


def url_config(url: str) -> dict:
    """Django's connection settings for a DATABASE_URL."""
    import environ

    return environ.Env.db_url_config(url)


def database_url(settings_dict: Mapping) -> str:
    """A DATABASE_URL for the database a Django connection's settings describe."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or ""
    query = {key: str(value) for key, value in (settings_dict.get("OPTIONS") or {}).items()}
    if host.startswith("/"):  # a unix socket folder travels as ?host=
        query["host"], host = host, ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    netloc = f"{auth}@{host}{port}" if auth else f"{host}{port}"
    url = f"postgres://{netloc}/{quote(settings_dict['NAME'])}"
    return f"{url}?{urlencode(query)}" if query else url


def pg_binary(name: str) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore, psql); FileNotFoundError
    when there is none."""
    configured = os.environ.get("PG_BIN_DIR")
    candidates = [Path(configured) / name] if configured else []
    # Found, not imported: importing pgserver has side effects this does not need.
    embedded = importlib.util.find_spec("pgserver")
    if embedded and embedded.submodule_search_locations:
        for folder in embedded.submodule_search_locations:
            candidates.append(Path(folder) / "pginstall" / "bin" / name)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(
            f"{name} was not found: install the PostgreSQL client or set PG_BIN_DIR"
        )
    return found


def libpq_environment(settings_dict: Mapping) -> dict[str, str]:
    """The environment that points libpq programs at a Django database."""
    options = settings_dict.get("OPTIONS") or {}
    values = {
        "PGHOST": settings_dict.get("HOST") or options.get("host"),
        "PGPORT": settings_dict.get("PORT") or options.get("port"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGPASSFILE": options.get("passfile"),
        "PGSERVICE": options.get("service"),
    }
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    environment.update({key: str(value) for key, value in values.items() if value})
    return environment


def roles_provision(
    admin: Mapping,
    *,
    database: str,
    owner: str,
    app: str,
    passwords: RolePasswords | None = None,
) -> None:
    """Make (or bring up to date) the two roles and `database`, as the superuser whose
    connection settings `admin` are (db_roles.sql, run by psql)."""
    environment = libpq_environment({**admin, "NAME": "postgres"})
    if passwords is not None:
        environment["PARTNERSHIP_OWNER_PASSWORD"] = passwords.owner
        environment["PARTNERSHIP_APP_PASSWORD"] = passwords.app
    result = subprocess.run(  # noqa: S603 - PostgreSQL's own program, arguments of ours
        [
            pg_binary("psql"),
            "-X",
            "-q",
            "-v",
            f"owner={owner}",
            "-v",
            f"app={app}",
            "-v",
            f"database={database}",
            "-f",
            str(SQL_FILE),
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"The database roles could not be provisioned: {result.stderr.strip()}")


def is_superuser(config: Mapping) -> bool:
    """Whether the connection `config` describes is a superuser's (False if unreachable)."""
    import psycopg2

    params = connect_params({**config, "NAME": "postgres"})
    try:
        conn = psycopg2.connect(**params, connect_timeout=5)
    except psycopg2.Error:
        return False
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            return bool(cursor.fetchone()[0])
    finally:
        conn.close()


def connect_params(config: Mapping) -> dict:
    """psycopg2.connect() arguments for Django connection settings."""
    params = {
        "dbname": config.get("NAME"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        **(config.get("OPTIONS") or {}),
    }
    return {key: value for key, value in params.items() if value not in (None, "")}


def provisioned_environ(
    admin_url: str, *, passwords_file: Path, environ: Mapping[str, str]
) -> dict[str, str]:
    """Provision the roles as the superuser of `admin_url`, on its database, and return
    DATABASE_URL (the app role) and DATABASE_OWNER_URL (the owner) for the same database."""
    admin = url_config(admin_url)
    owner = environ.get("DATABASE_OWNER_ROLE") or DEFAULT_OWNER_ROLE
    app = environ.get("DATABASE_APP_ROLE") or DEFAULT_APP_ROLE
    passwords = passwords_load_or_create(passwords_file)
    roles_provision(admin, database=admin["NAME"], owner=owner, app=app, passwords=passwords)
    return {
        "DATABASE_URL": database_url({**admin, "USER": app, "PASSWORD": passwords.app}),
        "DATABASE_OWNER_URL": database_url({**admin, "USER": owner, "PASSWORD": passwords.owner}),
    }


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def access_log_table() -> str | None:
    """The access log's table, when the referrals app is installed."""
    from django.apps import apps

    try:
        return apps.get_model("referrals", "AccessLog")._meta.db_table
    except LookupError:
        return None


def grants_apply(cursor, *, app: str) -> None:
    """Give `app` what the portal needs on every table and sequence of the schema, and on
    the access log only SELECT and INSERT; the same for tables made later (run as owner)."""
    role = _quoted(app)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        # For the tables and sequences this role makes from now on (later migrations).
        f"ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    table = access_log_table()
    if table:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"public.{table}"])
        if cursor.fetchone()[0]:
            statements.append(f"REVOKE UPDATE, DELETE ON {_quoted(table)} FROM {role}")
    for statement in statements:
        cursor.execute(statement)


def grants_after_migrate(sender, *, using: str = "default", **kwargs) -> None:
    """post_migrate: re-apply the app role's grants, when it is another role than the one
    that migrated and exists on this server."""
    from django.conf import settings
    from django.db import connections

    app = getattr(settings, "DATABASE_APP_ROLE", "")
    if not app:
        return
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT current_user, EXISTS (SELECT FROM pg_roles WHERE rolname = %s)", [app]
        )
        current, exists = cursor.fetchone()
        if exists and current != app:
            grants_apply(cursor, app=app)


def owner_settings_dict(alias: str = "default") -> dict:
    """The connection settings of `alias` with the owner's credentials (DATABASE_OWNER_URL):
    the same database, as its owner. As they are when no owner URL is set."""
    from django.conf import settings
    from django.db import connections

    current = connections[alias].settings_dict
    owner = getattr(settings, "DATABASE_OWNER", None)
    if not owner or alias != "default":
        return current
    return {
        **current,
        **{key: owner.get(key) or "" for key in _CREDENTIALS},
        "OPTIONS": {**(current.get("OPTIONS") or {}), **(owner.get("OPTIONS") or {})},
    }


@contextlib.contextmanager
def as_owner(alias: str = "default") -> Iterator[None]:
    """Run the block with this thread's connection `alias` logged in as the owner role."""
    from django.db import connections

    connection = connections[alias]
    owner = owner_settings_dict(alias)
    if all(owner.get(key) == connection.settings_dict.get(key) for key in _CREDENTIALS):
        yield
        return
    if connection.in_atomic_block:
        raise RuntimeError("as_owner() cannot switch roles inside a transaction")
    # A new dict, so that settings.DATABASES (which the connection's dict is) stays the app's.
    saved = connection.settings_dict
    connection.close()
    connection.settings_dict = {**saved, **owner}
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict = saved
