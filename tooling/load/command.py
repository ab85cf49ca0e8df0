"""The load test's command: against the configured database. `python -m tooling.load`
(`make load`) runs it on a database of its own."""

import json
import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tooling.load import runner


class Command(BaseCommand):
    help = (
        "A bounded load test on the loopback: seeds its own accounts in this database, runs "
        "gunicorn and a Celery worker under the production settings, drives the busiest API "
        "journeys with locust for a fixed time, then prints requests per second, p50/p95 and "
        "errors per journey and checks that every referral sent was kept. `make load` runs it "
        "on a database of its own."
    )

    def add_arguments(self, parser):
        defaults = runner.LoadOptions()
        parser.add_argument(
            "--seconds", type=int, default=int(os.environ.get("LOAD_SECONDS", defaults.seconds))
        )
        parser.add_argument(
            "--users", type=int, default=int(os.environ.get("LOAD_USERS", defaults.users))
        )
        parser.add_argument("--organisations", type=int, default=defaults.organisations)
        parser.add_argument(
            "--web-workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", defaults.web_workers)),
        )
        parser.add_argument("--worker-concurrency", type=int, default=defaults.worker_concurrency)
        parser.add_argument(
            "--redis-db",
            type=int,
            default=int(os.environ.get("LOAD_REDIS_DB", defaults.redis_db)),
            help="The Redis database for the servers' queues and cache, apart from the demo's",
        )
        parser.add_argument("--drain-seconds", type=int, default=defaults.drain_seconds)
        parser.add_argument("--port", type=int, default=None, help="Default: a free port")
        parser.add_argument(
            "--ramp",
            default=os.environ.get("LOAD_RAMP", ""),
            help="After the run, these numbers of users in turn (such as 10,20,40,80) until "
            "p95 passes 200 ms: the throughput there is the machine's capacity",
        )
        parser.add_argument("--ramp-seconds", type=int, default=defaults.ramp_seconds)
        parser.add_argument("--json", dest="json_path", help="Also write the figures here")
        parser.add_argument("--migrate", action="store_true", help="Migrate this database first")

    def handle(self, *args, json_path=None, migrate=False, **options):
        if options["seconds"] < 1 or options["users"] < 1:
            raise CommandError("--seconds and --users must be at least 1")
        if migrate:
            call_command("migrate", interactive=False, verbosity=0)
        load_options = runner.LoadOptions(
            seconds=options["seconds"],
            users=options["users"],
            organisations=options["organisations"],
            web_workers=options["web_workers"],
            worker_concurrency=options["worker_concurrency"],
            redis_db=options["redis_db"],
            drain_seconds=options["drain_seconds"],
            port=options["port"],
            ramp=_ramp(options["ramp"]),
            ramp_seconds=options["ramp_seconds"],
        )
        try:
            result = runner.run(load_options, self.stdout.write)
        except runner.LoadTestError as exc:
            raise CommandError(f"The load test could not run: {exc}") from exc
        if json_path:
            with open(json_path, "w", encoding="utf-8") as figures:
                json.dump(result.as_dict(), figures, indent=2)
        if not result.passed:
            raise CommandError("The load test failed: " + "; ".join(result.problems))


def _ramp(text: str) -> tuple[int, ...]:
    try:
        steps = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError as exc:
        raise CommandError("--ramp is numbers of users, such as 10,20,40,80") from exc
    if any(step < 1 for step in steps):
        raise CommandError("--ramp steps are at least 1 user")
    return steps
