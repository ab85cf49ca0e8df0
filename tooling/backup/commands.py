"""The commands `python -m tooling.backup` (`make backup`) and `python -m tooling.restore`
(`make restore`), around the functions of tooling.backup."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from tooling import backup


def size(count: int) -> str:
    return filesizeformat(count).replace("\xa0", " ")


class Backup(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format) to var/backups/<timestamp>.dump, or "
        "--file, and the private files (risk documents) to a .private.tar beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", help="Where to write the dump (a new file)")
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="Leave out the private files (risk documents)",
        )

    def handle(self, *args, file=None, no_media=False, **options):
        try:
            result = backup.backup_create(
                path=Path(file) if file else None,
                include_media=not no_media,
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Database: {result.dump} ({size(result.dump_bytes)})")
        )
        if result.media:
            self.stdout.write(
                self.style.SUCCESS(f"Private files: {result.media} ({size(result.media_bytes)})")
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    "Private files not included: back up PRIVATE_MEDIA_ROOT (or the bucket) too."
                )
            )
        self.stdout.write(
            "Both hold personal and risk data: keep them as carefully as the database."
        )


class Restore(BaseCommand):
    help = (
        "Restore a backup made by `python -m tooling.backup` into the configured database, "
        "with the private files beside it. A database with tables is replaced only with --confirm naming it, "
        "after a safety backup; the replacement is one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .dump file to restore")
        parser.add_argument(
            "--confirm",
            default="",
            metavar="DATABASE",
            help="The name of the database being replaced, to confirm it",
        )
        parser.add_argument(
            "--no-safety-backup",
            action="store_true",
            help="Do not back up the database being replaced first",
        )
        parser.add_argument(
            "--no-media", action="store_true", help="Leave the private files as they are"
        )

    def handle(self, *args, file, confirm="", no_safety_backup=False, no_media=False, **options):
        try:
            result = backup.restore(
                path=Path(file),
                confirm=confirm,
                safety_backup=not no_safety_backup,
                include_media=not no_media,
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Restored {result.tables} tables into database {result.database}.")
        )
        if result.documents_without_file:
            self.stdout.write(
                self.style.WARNING(
                    f"{result.documents_without_file} risk documents have no file in the "
                    "private storage: restore the private files too."
                )
            )
        if result.migrations_not_applied:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(result.migrations_not_applied)} migrations of this code are not "
                    'applied in the backup: run `make manage ARGS="migrate"`.'
                )
            )
        if result.migrations_unknown:
            self.stdout.write(
                self.style.WARNING(
                    "The backup has migrations this code does not know (it is from newer "
                    f"code): {', '.join(result.migrations_unknown)}"
                )
            )
