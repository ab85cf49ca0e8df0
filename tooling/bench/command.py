"""The benchmark's command, `python -m tooling.bench` (`make bench`): the portal at up to ten
times national scale against raw SQL in the same run."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partnership.db_roles import as_owner
from tooling.bench import dataset, run, scenarios
from tooling.bench.progress import Progress


class Command(BaseCommand):
    help = (
        "Build (or reuse) the benchmark dataset in a database of its own, time the inbox API, "
        "directory search, capacity recompute and practitioner pages against hand-written "
        "SQL, print a table and write every figure to var/bench/latest.json."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            default="full",
            help="full (1,000,000 referrals), tenth, small, or a factor such as 0.01",
        )
        parser.add_argument("--database", help="The benchmark database's name")
        parser.add_argument("--rebuild", action="store_true", help="Build the dataset again")
        parser.add_argument(
            "--output", default=str(settings.VAR_DIR / "bench" / "latest.json"), type=Path
        )
        parser.add_argument("--repeats", type=int, help="Timed repeats per in-process scenario")
        parser.add_argument(
            "--http-seconds", type=float, help="Seconds of HTTP load per side (0 skips HTTP)"
        )

    def handle(self, *args, **options):
        try:
            label, factor = dataset.parse_scale(options["scale"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        small = factor < 0.05
        measure = scenarios.Settings(
            warmup=3 if small else 5,
            repeats=options["repeats"] or (20 if small else 100),
            http_seconds=(
                options["http_seconds"]
                if options["http_seconds"] is not None
                else (2.0 if small else 15.0)
            ),
            recompute_repeats=3 if small else 7,
        )
        # Making databases and filling tables is the owner role's work.
        with as_owner():
            report = run.run(
                scale=label,
                database_name=options["database"],
                rebuild=options["rebuild"],
                output=options["output"],
                measure=measure,
                progress=Progress(self.stdout._out),
            )
        self.stdout.write("")
        self.stdout.write(run.table(report))
        self.stdout.write(f"\nEvery figure: {options['output']}")
