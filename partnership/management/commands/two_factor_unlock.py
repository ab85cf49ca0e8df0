from django.core.management.base import BaseCommand, CommandError

from partnership import auth
from partnership.models import User


class Command(BaseCommand):
    help = (
        "Unlock an account's two-factor sign-in after too many wrong codes "
        "(as axes_reset_username lifts a password lockout)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The email address the account signs in with")

    def handle(self, *args, email: str, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError("No account has that email address")
        if auth.two_factor_unlock(user=user):
            self.stdout.write(self.style.SUCCESS("Two-factor sign-in unlocked"))
        else:
            self.stdout.write("Two-factor sign-in was not locked")
