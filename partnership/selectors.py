"""Reads shared by every app: users' tokens and notifications."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.utils import timezone

from partnership.models import ApiToken, Notification, Pdu, Region, ServiceCategory, User


def api_token_digest(raw_token: str) -> str:
    """The stored form of a token: its SHA-256 hex digest (tokens are long and random)."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


def api_token_for_raw(*, raw_token: str) -> ApiToken | None:
    """The usable token matching a presented secret, or None if unknown, expired or revoked."""
    token = (
        ApiToken.objects.select_related("user").filter(digest=api_token_digest(raw_token)).first()
    )
    if token is None or not token.is_usable(timezone.now()):
        return None
    return token


def user_with_context(*, user_id: int) -> User:
    """A user with their PDU, organisation and commissioning body loaded."""
    return User.objects.select_related("pdu__region", "organisation", "commissioning_body").get(
        pk=user_id
    )


def api_token_list_for(*, user: User) -> QuerySet[ApiToken]:
    """A user's own tokens, newest first."""
    return ApiToken.objects.filter(user=user)


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    """A user's notifications, newest first."""
    return Notification.objects.filter(recipient=user)


def notification_unread_count(*, user: User) -> int:
    """How many of a user's notifications are unread (served by a partial index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def region_list() -> QuerySet[Region]:
    """All probation regions; reference data is public to every signed-in user."""
    return Region.objects.all()


def pdu_list() -> QuerySet[Pdu]:
    """All PDUs with their region."""
    return Pdu.objects.select_related("region")


def service_category_list() -> QuerySet[ServiceCategory]:
    """All service categories with their complexity levels and desired outcomes."""
    return ServiceCategory.objects.prefetch_related("complexity_levels", "desired_outcomes")
