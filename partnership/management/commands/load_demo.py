from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partnership.demo import load_demo


class Command(BaseCommand):
    help = "Create or update the demo accounts and sample data (never under production settings)."

    def handle(self, *args, **options):
        if not settings.DEMO_ENABLED:
            raise CommandError(
                "Demo data is disabled in these settings (DEMO_ENABLED is off): refusing to load it."
            )
        counts = load_demo(progress=lambda message: self.stdout.write(f"  {message}"))
        summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}"))
