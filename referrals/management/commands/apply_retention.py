import getpass

import pghistory
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from referrals import retention


def os_user() -> str:
    """The account running the command, for the audit history."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the process's user (some containers)
        return "unknown"


class Command(BaseCommand):
    help = (
        "Anonymise closed referrals past the retention period (REFERRAL_RETENTION_YEARS "
        "after they closed), flag drafts untouched for DRAFT_STALE_DAYS and delete those "
        "flagged DRAFT_DELETE_AFTER_NOTICE_DAYS ago, now, with progress; --dry-run only "
        "counts them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what is due and change nothing"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=retention.BATCH_SIZE,
            help=f"Referrals per transaction (default {retention.BATCH_SIZE})",
        )

    def handle(self, *args, dry_run=False, batch_size=retention.BATCH_SIZE, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more")
        # The audit history puts the changes down to this command and who ran it.
        with pghistory.context(command="apply_retention", os_user=os_user()):
            now = timezone.now()
            try:
                cutoff = retention.retention_cutoff(now=now)
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"Referrals closed before {cutoff:%d %B %Y %H:%M} "
                f"({settings.REFERRAL_RETENTION_YEARS} years ago) are due."
            )
            summary = retention.retention_apply(
                trigger="command",
                dry_run=dry_run,
                now=now,
                batch_size=batch_size,
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        if dry_run:
            self.stdout.write(
                f"Untouched drafts: {summary.drafts_due_notice} due a notice to their "
                f"practitioner, {summary.drafts_due_deletion} due deletion."
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run: {summary.referrals_due} referrals and {summary.documents_due} "
                    "risk documents are due; nothing was changed."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Retention run {summary.run.pk} done: {summary.referrals_anonymised} referrals "
                f"anonymised, {summary.drafts_flagged} untouched drafts flagged and "
                f"{summary.drafts_deleted} deleted, {summary.documents_deleted} risk documents and "
                f"{summary.history_events_deleted} history events deleted."
            )
        )
