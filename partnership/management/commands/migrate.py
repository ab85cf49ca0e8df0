"""Django's migrate, run as the owner role (DATABASE_OWNER_URL) when one is configured.

After it, the post_migrate step gives the app role its grants (partnership/db_roles.py).
"""

from django.core.management.commands import migrate

from partnership.db_roles import as_owner


class Command(migrate.Command):
    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)
