from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partnership.models import User
from partnership.services import api_token_issue


class Command(BaseCommand):
    help = "Issue an API token for a user. The token is printed alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--scope", choices=["read", "write"], default="read")
        parser.add_argument("--days", type=int, default=settings.API_TOKEN_DEFAULT_DAYS)
        parser.add_argument("--name", default="Issued from the command line")

    def handle(self, *args, email, scope, days, name, **options):
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active user has the email address {email}")
        try:
            token, raw = api_token_issue(user=user, name=name, scope=scope, days=days)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Token {token.prefix}… for {user.email}, scope {scope}, expires {token.expires_at:%Y-%m-%d %H:%M %Z}"
        )
        self.stdout.write(raw)
