"""Writes shared by every app: API tokens."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from partnership.models import ApiToken, User
from partnership.selectors import api_token_digest

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "pp_"


@transaction.atomic
def api_token_issue(
    *, user: User, name: str, scope: str = ApiToken.Scope.READ, days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user` and return it with its secret, which is shown this once only."""
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValueError(f"A token lasts between 1 and {settings.API_TOKEN_MAX_DAYS} days")
    if scope not in ApiToken.Scope.values:
        raise ValueError(f"Scope must be one of {', '.join(ApiToken.Scope.values)}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=api_token_digest(raw),
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    logger.info("API token %s issued to user %s", token.pk, user.pk)
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token now; a revoked token never authenticates again."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        logger.info("API token %s revoked", token.pk)
    return token


def api_token_mark_used(*, token: ApiToken) -> None:
    """Record use at most once a minute, so reads do not each cost a write."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
