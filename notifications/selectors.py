"""Reads of notifications: a user's own, and who hears about something.

The recipient queries are the one place that says who, in an organisation or a commissioning
body, is told of an event; each returns active users only (an inactive account is never
told). Callers pass ids, so this app needs nothing from the apps that own those events.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from notifications.models import Notification
from partnership import lists
from partnership.links import ANY_ID, address_maker
from partnership.models import CommissioningBody, Role, User


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    """A user's notifications, newest first."""
    return Notification.objects.filter(recipient=user)


def notification_rows_for(*, user: User, limit: int) -> list[dict]:
    """The user's newest `limit` notifications as the list page shows them: plain values, each
    with `is_unread` and the address that marks it read (reversed once for the page, not once a
    row: the rows' objects and per-row tags were most of the page's time)."""
    read_url = address_maker("notification-read", stand_in=ANY_ID)
    rows = list(
        notification_list_for(user=user).values(
            "pk", "created_at", "title", "body", "link", "read_at"
        )[:limit]
    )
    for row in rows:
        row["is_unread"] = row["read_at"] is None
        row["read_url"] = read_url(row["pk"])
    return rows


def notification_unread_count(*, user: User) -> int:
    """How many of a user's notifications are unread (served by a partial index), counted
    to a limit (`partnership.lists`): every page shows it."""
    return lists.capped_count(Notification.objects.filter(recipient=user, read_at__isnull=True))


def notification_unread_about(*, user: User, kind: str) -> QuerySet[Notification]:
    """The user's unread notifications of one kind (served by the partial unread index);
    a caller matches their `link` to its subjects' portal paths."""
    return Notification.objects.filter(recipient=user, kind=kind, read_at__isnull=True)


# Who hears about it ------------------------------------------------------------------------


def staff_of_organisation(organisation_id: int, *, admins_only: bool = False) -> QuerySet[User]:
    """The active provider staff of an organisation (its admins and caseworkers), or with
    `admins_only` its provider admins alone."""
    return staff_of_organisations([organisation_id], admins_only=admins_only)


def staff_of_organisations(
    organisation_ids: Iterable[int], *, admins_only: bool = False
) -> QuerySet[User]:
    """`staff_of_organisation` for several organisations at once."""
    roles = [Role.PROVIDER_ADMIN] if admins_only else [Role.PROVIDER_ADMIN, Role.CASEWORKER]
    return User.objects.filter(
        organisation_id__in=list(organisation_ids), role__in=roles, is_active=True
    )


def commissioners_of_body(body_id: int) -> QuerySet[User]:
    """The active commissioners of one commissioning body (a round's lead body, say)."""
    return User.objects.filter(
        commissioning_body_id=body_id, role=Role.COMMISSIONER, is_active=True
    )


def commissioners_for_regions(region_ids: Iterable[int] | QuerySet) -> QuerySet[User]:
    """The active commissioners whose body covers any of the regions (ids, or a queryset of
    them), each once. The bodies are matched in a subquery, so the result has no duplicates
    and combines with the other recipient queries by `|`."""
    bodies = CommissioningBody.objects.filter(regions__in=region_ids).values("pk")
    return User.objects.filter(
        commissioning_body__in=bodies, role=Role.COMMISSIONER, is_active=True
    )
