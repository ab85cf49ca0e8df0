from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from partnership import backup


def size(count: int) -> str:
    return filesizeformat(count).replace("\xa0", " ")


class Command(BaseCommand):
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
