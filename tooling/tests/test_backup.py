"""Backup and restore: a drill from the test database into a fresh one, and the guards."""

import os
import stat

import pytest
from django.db import connection

from referrals import documents, services
from referrals.models import Status
from referrals.tests.factories import referral_in
from tooling import backup

PDF = b"%PDF-1.4\n%%EOF\n"


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.fixture
def drill_database(committed_db):
    """A fresh, empty database beside the test database, dropped afterwards."""
    source = connection.settings_dict
    name = f"{source['NAME']}_drill"
    _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**source, "NAME": name}
    finally:
        _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_row_and_file_into_a_fresh_database(
    drill_database, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.BACKUP_DIR = tmp_path / "backups"
    referral = referral_in(Status.SENT)
    document = services.document_add(
        referral=referral, by=referral.practitioner, name="risk.pdf", content=PDF
    )
    services.referral_withdraw(referral=referral, by=referral.practitioner, reason="moved")
    source = backup.table_row_counts()
    assert source["referrals_referralhistory"] and source["referrals_riskdocument"]

    made = backup.backup_create()

    assert made.dump.parent == settings.BACKUP_DIR and made.dump.name.endswith("Z.dump")
    assert made.dump_bytes == made.dump.stat().st_size > 0
    assert made.media == made.dump.with_name(made.dump.name.replace(".dump", ".private.tar"))
    for path in (made.dump, made.media):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # personal data: owner only

    # Restored elsewhere, as onto a new server.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "restored"
    restored = backup.restore(path=made.dump, settings_dict=drill_database)

    assert not restored.replaced and restored.safety_backup is None
    assert backup.table_row_counts(settings_dict=drill_database) == source
    assert restored.media_files == 1 and restored.documents_without_file == 0
    with documents.open_file(document.storage_name) as file:
        assert file.read() == PDF
    # The same migrations as the source (which may lag files added since the suite began).
    pending = backup.migrations_in_code() - backup.migrations_applied(connection.settings_dict)
    assert restored.migrations_not_applied == sorted(pending)
    assert restored.migrations_unknown == []

    # A database with data is replaced only when its own name confirms it.
    with pytest.raises(backup.RestoreRefused):
        backup.restore(path=made.dump, settings_dict=drill_database)
    with pytest.raises(backup.RestoreRefused):
        backup.restore(path=made.dump, settings_dict=drill_database, confirm="partnership")
    again = backup.restore(
        path=made.dump, settings_dict=drill_database, confirm=drill_database["NAME"]
    )
    assert again.replaced and again.safety_backup.dump.is_file()
    assert backup.table_row_counts(settings_dict=drill_database) == source


def test_an_existing_backup_is_never_overwritten(tmp_path):
    existing = tmp_path / "kept.dump"
    existing.write_bytes(b"earlier backup")
    with pytest.raises(backup.BackupError, match="already exists"):
        backup.backup_create(path=existing)
    assert existing.read_bytes() == b"earlier backup"


def test_a_file_that_is_not_an_archive_is_refused_before_anything_changes(tmp_path):
    bogus = tmp_path / "notes.dump"
    bogus.write_text("not a dump")
    with pytest.raises(backup.BackupError, match="not a readable pg_dump archive"):
        backup.restore(path=bogus, settings_dict={"NAME": "nowhere", "OPTIONS": {}})
    with pytest.raises(backup.BackupError, match="does not exist"):
        backup.restore(path=tmp_path / "missing.dump", settings_dict={"NAME": "x", "OPTIONS": {}})


@pytest.fixture
def bucket(settings):
    """The private storage as a bucket would be: not a folder this tooling can archive."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return settings


@pytest.mark.django_db
def test_a_backup_leaves_private_files_in_a_bucket_to_the_bucket(bucket, tmp_path):
    said = []
    made = backup.backup_create(path=tmp_path / "db.dump", progress=said.append)

    assert made.dump.is_file() and made.media is None
    assert not list(tmp_path.glob("*.private.tar"))
    assert any("in a bucket" in line for line in said)


def test_documents_without_a_file_are_counted_from_the_private_storage(bucket, monkeypatch):
    name, _ = documents.store(PDF)
    monkeypatch.setattr(backup, "psql_rows", lambda sql, settings_dict: [(name,), ("gone",)])

    assert backup._documents_without_file({}) == 1
