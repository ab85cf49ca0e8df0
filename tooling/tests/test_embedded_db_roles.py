"""The embedded Postgres is locked down: no TCP, a socket only its account may reach, the
superuser by OS identity only, the owner and app roles by password only."""

import os
import stat
import subprocess

import psycopg2
import pytest

from partnership.db_roles import connect_params, url_config
from tooling.embedded import PASSWORDS_FILE, embedded_services


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pg-roles")
    services = embedded_services(folder, {"REDIS_URL": "redis://unused"})
    yield folder, services.environ
    services.stop()


@pytest.mark.slow
def test_db_roles_embedded_roles_sign_in_with_their_passwords_only(embedded):
    folder, environ = embedded
    for variable, role in (
        ("DATABASE_URL", "partnership_app"),
        ("DATABASE_OWNER_URL", "partnership_owner"),
    ):
        config = url_config(environ[variable])
        with psycopg2.connect(**connect_params(config)) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT current_user, current_setting('listen_addresses')")
            assert cursor.fetchone() == (role, "")
            # Set on the role itself, so it holds whatever the client sends at start-up.
            cursor.execute("SELECT rolconfig FROM pg_roles WHERE rolname = current_user")
            config_set = cursor.fetchone()[0]
            assert "jit=off" in config_set and "random_page_cost=1.1" in config_set
        for password in ("", "not-the-password"):
            with pytest.raises(psycopg2.OperationalError, match="password"):
                psycopg2.connect(**connect_params({**config, "PASSWORD": password}))
    assert stat.S_IMODE((folder / PASSWORDS_FILE).stat().st_mode) == 0o600


@pytest.mark.slow
def test_db_roles_embedded_superuser_only_for_the_account_that_runs_it(embedded):
    folder, environ = embedded
    socket_dir = url_config(environ["DATABASE_URL"])["OPTIONS"]["host"]
    socket = os.path.join(socket_dir, ".s.PGSQL.5432")
    assert stat.S_IMODE(os.stat(socket).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(socket_dir).st_mode) == 0o700
    # Not as the superuser's name with a password-less login from another database role.
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(
            dbname="partnership", user="partnership_app", host=socket_dir, connect_timeout=3
        )
    if os.geteuid() != 0:
        pytest.skip("another account's view needs root to switch to it")
    probe = (
        "import socket, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "try:\n    s.connect(sys.argv[1])\nexcept OSError as e:\n"
        "    print(type(e).__name__); sys.exit(0)\n"
        "print('connected')\n"
    )
    seen = subprocess.run(
        ["/usr/bin/python3", "-c", probe, socket],
        user="nobody",
        capture_output=True,
        text=True,
        check=True,
    )
    assert seen.stdout.strip() == "PermissionError"
