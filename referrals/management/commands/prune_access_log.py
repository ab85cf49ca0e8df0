from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from partnership.db_roles import as_owner
from referrals.access_log_retention import access_log_prune


class Command(BaseCommand):
    help = (
        "Delete risk access log rows older than ACCESS_LOG_RETENTION_YEARS, as the owner "
        "role (DATABASE_OWNER_URL); --dry-run only counts them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what is due and change nothing"
        )

    def handle(self, *args, dry_run=False, **options):
        try:
            with as_owner():
                summary = access_log_prune(dry_run=dry_run)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            raise CommandError(
                "The access log could not be pruned: it must run as the table's owner "
                f"(set DATABASE_OWNER_URL). The database said: {str(exc).strip()}"
            ) from exc
        when = f"{summary.older_than:%d %B %Y}"
        if dry_run:
            self.stdout.write(
                f"Dry run: {summary.rows} access log rows are older than {when} "
                f"({summary.retention_years} years); nothing was deleted."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{summary.rows} access log rows older than {when} "
                    f"({summary.retention_years} years) deleted."
                )
            )
