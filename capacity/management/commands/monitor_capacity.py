from django.core.management.base import BaseCommand, CommandError

from capacity import alerts
from partnership.months import month_start


class Command(BaseCommand):
    help = (
        "Run capacity monitoring now: compute every service's month, then raise, escalate "
        "or resolve alerts, here in this process (or on the worker with --enqueue)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period", help="The month to check, YYYY-MM (default: this month in London)"
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the run for the Celery worker instead of running it here",
        )

    def handle(self, *args, period=None, enqueue=False, **options):
        try:
            first = month_start(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if enqueue:
            from capacity.tasks import capacity_monitor_run

            capacity_monitor_run.delay(f"{first:%Y-%m}")
            self.stdout.write(f"Capacity monitoring for {first:%B %Y} queued for the worker.")
            return
        summary = alerts.monitor_run(
            period=first, progress=lambda message: self.stdout.write(f"  {message}")
        )
        if summary is None:
            raise CommandError("Another capacity monitoring run is under way; try again shortly.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Capacity monitoring for {first:%B %Y} done: checked "
                f"{summary.services_checked} services and {summary.agreements_checked} "
                f"agreements; {summary}."
            )
        )
