"""Bring the stored 360Giving grants up to date with the data: on a database that had grants
before they were stored, after a change to the settings a grant is written with
(OPEN_DATA_PREFIX, OPEN_DATA_SOURCE_URL, HMPPS_ORG_ID), or to catch up a change whose commit
hook failed. Deploys run it after migrating; it writes nothing where nothing changed."""

from django.core.management.base import BaseCommand

from commissioning.exports import record_grants


class Command(BaseCommand):
    help = "Write the 360Giving grants whose stored version differs from the data."

    def handle(self, *args, **options):
        written = record_grants()
        self.stdout.write(f"360Giving grants written or taken down: {written}")
