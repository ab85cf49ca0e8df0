"""Backups: the database as a pg_dump custom-format archive, and the private files (risk
documents, which are not in the database) as a tar beside it; and their restore.

`make backup` (`python -m tooling.backup`) writes `var/backups/<UTC timestamp>.dump` and
`<same>.private.tar` (or the `BACKUP_FILE` asked for). `make restore BACKUP_FILE=...`
(`python -m tooling.restore`) puts both back:

- it reads the archive first and says what it holds, before changing anything;
- into a database with tables, only with the database's name as confirmation
  (`CONFIRM=<name>`), and after a safety backup of what is there now;
- the database is replaced in one transaction (the public schema dropped and the archive
  loaded), so a failed restore leaves it as it was;
- afterwards it says which migrations differ from the code and which risk documents have
  no file.

The private files are copied from and to the private storage's folder when it is the
filesystem (PRIVATE_MEDIA_ROOT); a bucket (PRIVATE_STORAGE=s3) is backed up by its own
means, and only checked here for documents with no file.

Both run as the owner role (DATABASE_OWNER_URL, when set), which owns the tables; a
restore gives the app role its grants again. The binaries are PostgreSQL's own: from
`PG_BIN_DIR` if set, else those shipped with the embedded server (pgserver), else from
PATH (`partnership.db_roles.pg_binary`). Passwords go to them in the environment, never on
a command line.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from partnership import db_roles
from partnership.db_roles import libpq_environment

DUMP_SUFFIX = ".dump"
MEDIA_SUFFIX = ".private.tar"
# How long pg_dump waits for a table lock (a migration, say) before giving up, in ms.
LOCK_WAIT_MS = 120_000

TABLES_SQL = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and what to do."""


class RestoreRefused(BackupError):
    """The restore would replace data and was not confirmed."""


@dataclass
class BackupResult:
    dump: Path
    dump_bytes: int
    media: Path | None = None
    media_bytes: int = 0


@dataclass
class RestoreResult:
    database: str
    tables: int
    replaced: bool
    safety_backup: BackupResult | None = None
    media_files: int = 0
    documents_without_file: int = 0
    migrations_not_applied: list[str] = field(default_factory=list)
    migrations_unknown: list[str] = field(default_factory=list)


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress:
        progress(message)


def pg_binary(name: str) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore, psql)."""
    try:
        return db_roles.pg_binary(name)
    except FileNotFoundError as exc:
        raise BackupError(str(exc)) from exc


def _settings_dict(settings_dict: dict | None) -> dict:
    """The database asked for, else the portal's, reached as its owner role."""
    return settings_dict if settings_dict is not None else db_roles.owner_settings_dict()


def psql_rows(sql: str, *, settings_dict: dict | None = None) -> list[list[str]]:
    """Run one query with psql; its rows as lists of text."""
    result = subprocess.run(  # noqa: S603 - PostgreSQL's own program, arguments of ours
        [pg_binary("psql"), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        env=libpq_environment(_settings_dict(settings_dict)),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"psql could not query the database: {result.stderr.strip()}")
    return [line.split("\t") for line in result.stdout.splitlines() if line]


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def table_row_counts(*, settings_dict: dict | None = None) -> dict[str, int]:
    """Rows in every table of the public schema (one count query over them all)."""
    tables = [name for (name,) in psql_rows(TABLES_SQL, settings_dict=settings_dict)]
    if not tables:
        return {}
    query = " UNION ALL ".join(
        f"SELECT {_literal(name)}, count(*) FROM public.{_identifier(name)}"  # noqa: S608 - names from the catalogue, quoted
        for name in tables
    )
    return {name: int(count) for name, count in psql_rows(query, settings_dict=settings_dict)}


def _table_count(settings_dict: dict) -> int:
    rows = psql_rows(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", settings_dict=settings_dict
    )
    return int(rows[0][0])


def default_backup_path(now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BACKUP_DIR) / f"{stamp}{DUMP_SUFFIX}"


def media_path_for(dump: Path) -> Path:
    """Where the private files of a dump are kept: beside it, with the same stem."""
    name = dump.name.removesuffix(DUMP_SUFFIX) if dump.name.endswith(DUMP_SUFFIX) else dump.name
    return dump.with_name(name + MEDIA_SUFFIX)


def _private_file(path: Path) -> int:
    """Create an empty file only its owner may read (backups hold personal data)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def backup_create(
    *,
    path: Path | None = None,
    settings_dict: dict | None = None,
    include_media: bool = True,
    progress: Callable[[str], None] | None = None,
) -> BackupResult:
    """Dump the database (custom format) to `path`, then tar the private files beside it.

    Nothing is written under the final names until each part is complete, and an
    existing backup is never overwritten.
    """
    settings_dict = _settings_dict(settings_dict)
    dump = Path(path) if path else default_backup_path()
    root = _private_files_root() if include_media else None
    if include_media and root is None:
        _say(progress, "The private files are in a bucket, not archived here: back it up too")
    media = media_path_for(dump) if root is not None else None
    for target in filter(None, [dump, media]):
        if target.exists():
            raise BackupError(f"{target} already exists: choose another BACKUP_FILE")

    partial = dump.with_name(dump.name + ".partial")
    os.close(_private_file(partial))
    _say(progress, f"Dumping database {settings_dict['NAME']} to {dump}")
    try:
        result = subprocess.run(  # noqa: S603 - PostgreSQL's own program, arguments of ours
            [
                pg_binary("pg_dump"),
                "--format=custom",
                f"--lock-wait-timeout={LOCK_WAIT_MS}",
                "--no-password",
                f"--file={partial}",
            ],
            env=libpq_environment(settings_dict),
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed (exit code {result.returncode}); see above")
        os.replace(partial, dump)
    finally:
        partial.unlink(missing_ok=True)
    backup = BackupResult(dump=dump, dump_bytes=dump.stat().st_size)

    if media is not None:
        _say(progress, f"Archiving the private files in {root} to {media}")
        partial = media.with_name(media.name + ".partial")
        try:
            with (
                os.fdopen(_private_file(partial), "wb") as stream,
                tarfile.open(fileobj=stream, mode="w") as archive,
            ):
                if root.is_dir():
                    for child in sorted(root.iterdir()):
                        archive.add(child, arcname=child.name)
            os.replace(partial, media)
        finally:
            partial.unlink(missing_ok=True)
        backup.media, backup.media_bytes = media, media.stat().st_size
    return backup


def archive_description(path: Path) -> dict[str, str]:
    """What pg_restore says of an archive (created at, database, versions); a BackupError
    if it is not a readable custom-format archive."""
    result = subprocess.run(  # noqa: S603 - PostgreSQL's own program, arguments of ours
        [pg_binary("pg_restore"), "--list", str(path)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{path} is not a readable pg_dump archive: {result.stderr.strip()}")
    described = {}
    for line in result.stdout.splitlines():
        text = line.removeprefix(";").strip()
        for key in ("Archive created at", "dbname:", "Dumped from database version:"):
            if text.startswith(key):
                described[key.rstrip(":")] = text.removeprefix(key).strip()
    return described


def migrations_applied(settings_dict: dict) -> set[str]:
    rows = psql_rows("SELECT app, name FROM django_migrations", settings_dict=settings_dict)
    return {f"{app}.{name}" for app, name in rows}


def migrations_in_code() -> set[str]:
    from django.db.migrations.loader import MigrationLoader

    return {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}


def _private_files_root() -> Path | None:
    """The private storage's folder when it is the filesystem; None for a bucket."""
    from django.core.files.storage import FileSystemStorage, storages

    storage = storages["private"]
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


def _documents_without_file(settings_dict: dict) -> int:
    # By table name, as this module reads any database; the files by one listing of the
    # private storage's folder (referrals.documents), whichever storage that is.
    from django.core.files.storage import storages

    from referrals.documents import FOLDER

    rows = psql_rows("SELECT storage_name FROM referrals_riskdocument", settings_dict=settings_dict)
    try:
        stored = set(storages["private"].listdir(FOLDER)[1])
    except FileNotFoundError:
        stored = set()
    return sum(name not in stored for (name,) in rows)


def _grants_restore(settings_dict: dict) -> None:
    """The archive is loaded without its privileges: the app role gets its grants again."""
    import psycopg2

    app = getattr(settings, "DATABASE_APP_ROLE", "")
    conn = psycopg2.connect(**db_roles.connect_params(settings_dict))
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, EXISTS (SELECT FROM pg_roles WHERE rolname = %s)", [app]
            )
            current, exists = cursor.fetchone()
            if app and exists and current != app:
                db_roles.grants_apply(cursor, app=app)
    finally:
        conn.close()


def restore(
    *,
    path: Path,
    settings_dict: dict | None = None,
    confirm: str = "",
    safety_backup: bool = True,
    include_media: bool = True,
    progress: Callable[[str], None] | None = None,
) -> RestoreResult:
    """Restore a backup into the database (and the private files into PRIVATE_MEDIA_ROOT).

    A database with tables is replaced only when `confirm` is its name, after a safety
    backup; the replacement is one transaction.
    """
    settings_dict = _settings_dict(settings_dict)
    path = Path(path)
    database = settings_dict["NAME"]
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    described = archive_description(path)
    _say(
        progress,
        f"Archive {path}: database {described.get('dbname', '?')}, created "
        f"{described.get('Archive created at', '?')}, PostgreSQL "
        f"{described.get('Dumped from database version', '?')}",
    )

    tables = _table_count(settings_dict)
    if tables and confirm != database:
        raise RestoreRefused(
            f"Database {database} has {tables} tables: restoring replaces all of them. "
            "Stop the web server, worker and beat, then run again confirming its name: "
            f"CONFIRM={database} with make restore, "
            f"--confirm {database} with python -m tooling.restore"
        )
    result = RestoreResult(database=database, tables=0, replaced=bool(tables))
    if tables and safety_backup:
        _say(progress, "Backing up what is there now first")
        stamp = default_backup_path().stem
        result.safety_backup = backup_create(
            path=Path(settings.BACKUP_DIR) / f"before-restore-{stamp}{DUMP_SUFFIX}",
            settings_dict=settings_dict,
            include_media=include_media,
        )
        _say(progress, f"Safety backup: {result.safety_backup.dump}")

    _say(progress, f"Restoring into database {database} (one transaction)")
    # The archive as SQL, run by psql after emptying the schema, all in one transaction.
    dump_sql = subprocess.Popen(  # noqa: S603 - PostgreSQL's own program, arguments of ours
        [pg_binary("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(path)],
        stdout=subprocess.PIPE,
    )
    try:
        loaded = subprocess.run(  # noqa: S603 - PostgreSQL's own program, arguments of ours
            [
                pg_binary("psql"),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "--single-transaction",
                "-c",
                "SET lock_timeout = '30s'",
                "-c",
                "SET client_min_messages = warning",
                "-c",
                "DROP SCHEMA IF EXISTS public CASCADE",
                "-c",
                "CREATE SCHEMA public",
                "-f",
                "-",
            ],
            stdin=dump_sql.stdout,
            stdout=subprocess.DEVNULL,
            env=libpq_environment(settings_dict),
            check=False,
        )
    finally:
        dump_sql.stdout.close()
        dump_sql.wait()
    if dump_sql.returncode != 0 or loaded.returncode != 0:
        raise BackupError(
            "The restore failed (see above) and was rolled back: the database is as it was"
        )
    result.tables = _table_count(settings_dict)
    _grants_restore(settings_dict)

    media = media_path_for(path)
    root = _private_files_root()
    if include_media and media.is_file() and root is None:
        _say(progress, f"The private files are in a bucket: {media.name} is left unrestored")
    elif include_media and media.is_file():
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tarfile.open(media) as archive:
            members = [member for member in archive.getmembers() if member.isfile()]
            # The "data" filter refuses absolute paths, links out of the folder and devices.
            archive.extractall(root, filter="data")
        result.media_files = len(members)
        _say(progress, f"Restored {result.media_files} private files into {root}")
    elif include_media:
        _say(
            progress,
            f"No private files archive beside the dump ({media.name}): files left as they are",
        )

    result.documents_without_file = _documents_without_file(settings_dict)
    applied, code = migrations_applied(settings_dict), migrations_in_code()
    result.migrations_not_applied = sorted(code - applied)
    result.migrations_unknown = sorted(applied - code)
    return result
