"""Reads of integrations: the change feed as a user may see it, the referrals changed since
a cursor, the endpoints a user manages and their delivery logs."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery

from integrations.models import ReferralChange, WebhookDelivery, WebhookEndpoint
from integrations.rules import endpoints_lookup
from partnership.models import User
from referrals.selectors import referral_list_visible_to

_CURSOR_PREFIX = "v1:"


class CursorInvalid(ValueError):
    """A cursor the feed never gave."""


def cursor_encode(position: int) -> str:
    """An opaque cursor for a feed position."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{position}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError
        position = int(text.removeprefix(_CURSOR_PREFIX))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise CursorInvalid("Use a cursor this feed gave you") from exc
    if position < 0:
        raise CursorInvalid("Use a cursor this feed gave you")
    return position


def position_before(moment: datetime) -> int:
    """Where to start reading to see every change that happened at or after `moment`: just
    before the first such change's position. (A few earlier changes may follow: a change's
    position comes from its commit, not its time; a repeat is harmless, a gap is not.)"""
    first = (
        ReferralChange.objects.filter(occurred_at__gte=moment, position__isnull=False)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    if first is not None:
        return first - 1
    latest = (
        ReferralChange.objects.filter(position__isnull=False)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    return latest or 0


def changes_visible_to(*, user: User, after: int) -> QuerySet[ReferralChange]:
    """The feed of changes to referrals the user may see, after a position, in order.
    A change is in it once placed (`services.change_positions_assign`, run as each change
    commits and by the sweep each minute)."""
    return (
        ReferralChange.objects.filter(
            position__gt=after, referral__in=referral_list_visible_to(user=user).values("pk")
        )
        .select_related("referral")
        .order_by("position")
    )


def referrals_changed_since(*, referrals: QuerySet, after: int) -> QuerySet:
    """These referrals (already scoped to a user) that changed after a feed position, each
    once, in the order of its latest change (`change_position`): a referral that changes
    again while a client pages comes again, later."""
    latest = (
        ReferralChange.objects.filter(referral=OuterRef("pk"), position__isnull=False)
        .order_by("-position")
        .values("position")[:1]
    )
    return (
        referrals.annotate(change_position=Subquery(latest))
        .filter(change_position__gt=after)
        .order_by("change_position")
    )


def endpoints_visible_to(*, user: User) -> QuerySet[WebhookEndpoint]:
    """The endpoints the user manages (`rules.endpoints_lookup`): their organisation's, for
    its admins; their PDU's, for its practitioners; none for anyone else."""
    lookup = endpoints_lookup(user)
    if lookup is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(**lookup)


def deliveries_of(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """An endpoint's delivery log, newest first."""
    return endpoint.deliveries.select_related("endpoint").order_by("-created_at", "-id")
