"""Record an OCDS release for every contract round whose state has none yet: after a deploy
that brings in release history, or to catch up a change whose commit hook failed."""

from django.core.management.base import BaseCommand

from commissioning.exports import record_releases


class Command(BaseCommand):
    help = "Record OCDS releases for contract rounds whose latest state is not yet published."

    def handle(self, *args, **options):
        recorded = record_releases()
        self.stdout.write(f"OCDS releases recorded: {recorded}")
