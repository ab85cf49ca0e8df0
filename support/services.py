"""Service support's actions, each checked against `support.rules` and recorded as a
`SupportAction`; the work itself is done by the apps' own services."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from axes.utils import reset as axes_reset
from django.db import transaction

from partnership import auth
from partnership.models import User
from partnership.spreadsheets import csv_writer
from providers import services as provider_services
from providers.models import Organisation
from referrals import services as referral_services
from referrals.models import AccessLog
from support import rules
from support.models import SupportAction

logger = logging.getLogger(__name__)

ACCESS_LOG_COLUMNS = ["at", "user_email", "crn", "what", "why", "channel", "outcome"]


def _record(*, by: User, kind: str, user=None, organisation=None, detail: str = "") -> None:
    SupportAction.objects.create(
        by=by, kind=kind, user=user, organisation=organisation, detail=detail[:300]
    )
    logger.info("Service support user %s: %s", by.pk, kind)


@transaction.atomic
def user_invite(
    *, by: User, organisation: Organisation, email: str, full_name: str, role: str
) -> User | None:
    """Invite a member of a provider's staff, as its admin would (the invitation email with
    its link to set a password); None when the address already has an account."""
    rules.require(by, "invite_user")
    invited = provider_services.staff_invitation_send(
        organisation=organisation, by=by, email=email, full_name=full_name, role=role
    )
    _record(
        by=by,
        kind=SupportAction.Kind.INVITE,
        user=invited,
        organisation=organisation,
        detail="" if invited else "the address already had an account",
    )
    return invited


@transaction.atomic
def user_deactivate(*, by: User, user: User) -> User:
    """Deactivate an account: it can no longer sign in, its sessions end and its API
    tokens are revoked."""
    rules.require(by, "deactivate", user)
    provider_services.account_set_active(user=user, active=False)
    _record(by=by, kind=SupportAction.Kind.DEACTIVATE, user=user)
    return user


@transaction.atomic
def user_reactivate(*, by: User, user: User) -> User:
    rules.require(by, "reactivate", user)
    provider_services.account_set_active(user=user, active=True)
    _record(by=by, kind=SupportAction.Kind.REACTIVATE, user=user)
    return user


@transaction.atomic
def user_two_factor_reset(*, by: User, user: User) -> bool:
    """Unlock the account's two-factor sign-in after wrong codes (as `manage.py
    two_factor_unlock`). True when it was locked."""
    rules.require(by, "reset_two_factor", user)
    was_locked = auth.two_factor_unlock(user=user)
    _record(
        by=by,
        kind=SupportAction.Kind.RESET_TWO_FACTOR,
        user=user,
        detail="was locked" if was_locked else "was not locked",
    )
    return was_locked


@transaction.atomic
def user_lockout_lift(*, by: User, user: User) -> int:
    """Lift django-axes' pause on signing in to the account after wrong passwords; returns
    how many records of failed attempts were removed."""
    rules.require(by, "lift_lockout", user)
    removed = axes_reset(username=user.email.lower())
    _record(
        by=by,
        kind=SupportAction.Kind.LIFT_LOCKOUT,
        user=user,
        detail=f"{removed} record(s) of failed sign-ins removed",
    )
    return removed


@transaction.atomic
def user_sessions_end(*, by: User, user: User) -> int:
    """Sign the user out everywhere; returns how many sessions ended."""
    rules.require(by, "end_sessions", user)
    ended = auth.user_sessions_end(user=user)
    _record(by=by, kind=SupportAction.Kind.END_SESSIONS, user=user, detail=f"{ended} ended")
    return ended


def _filters_text(filters: dict) -> str:
    return ", ".join(f"{name}={value}" for name, value in filters.items() if value)


@transaction.atomic
def access_log_search_record(*, by: User, rows: list[AccessLog], filters: dict) -> None:
    """A search of the risk access log is itself a read about these people: it is logged in
    the access log (channel "admin") and as a support action."""
    rules.require(by, "read_access_log")
    referral_services.access_log_admin_read(
        referral_ids=[row.referral_id for row in rows],
        by=by,
        what="support_access_log_search",
        why="service support audit query of the access log",
    )
    _record(
        by=by,
        kind=SupportAction.Kind.SEARCH_ACCESS_LOG,
        detail=f"{_filters_text(filters)}; {len(rows)} row(s)",
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@transaction.atomic
def access_log_export(*, by: User, rows, filters: dict) -> Iterator[str]:
    """The access log rows as CSV lines (safe to open in a spreadsheet), to stream. The download is recorded (in the access
    log, one row per referral it names, and as a support action) before a line is sent."""
    rules.require(by, "read_access_log")
    # The rows as they stand when asked for: not the record of this download itself.
    last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first()
    rows = rows.filter(pk__lte=last) if last is not None else rows.none()
    referral_ids = list(rows.values_list("referral_id", flat=True).distinct())
    referral_services.access_log_admin_read(
        referral_ids=referral_ids,
        by=by,
        what="support_access_log_export",
        why="service support audit query of the access log",
    )
    _record(
        by=by,
        kind=SupportAction.Kind.EXPORT_ACCESS_LOG,
        detail=f"{_filters_text(filters)}; {len(referral_ids)} referral(s)",
    )

    def lines() -> Iterator[str]:
        writer = csv_writer(_Echo())
        yield writer.writerow(ACCESS_LOG_COLUMNS)
        for row in rows.iterator(chunk_size=500):
            yield writer.writerow(
                [
                    row.at.isoformat(),
                    row.user_email,
                    row.crn,
                    row.what,
                    row.why,
                    row.channel,
                    row.outcome,
                ]
            )

    return lines()


@transaction.atomic
def organisation_verify(*, by: User, organisation: Organisation, status: str) -> Organisation:
    """Record whether an organisation's identity has been checked."""
    rules.require(by, "verify_organisation", organisation)
    provider_services.organisation_verification_record(
        organisation=organisation, status=status, by=by
    )
    _record(
        by=by,
        kind=SupportAction.Kind.VERIFY_ORGANISATION,
        organisation=organisation,
        detail=organisation.get_verification_status_display(),
    )
    return organisation
