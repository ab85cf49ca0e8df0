"""Reads for the service support console."""

from __future__ import annotations

from datetime import date

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, QuerySet

from partnership import auth
from partnership.models import User, UserSession
from providers.models import Organisation
from referrals.models import AccessLog
from support.models import SupportAction

SEARCH_LIMIT = 50


def user_search(*, term: str) -> QuerySet[User]:
    """Accounts whose name or email address holds the term (at most SEARCH_LIMIT)."""
    term = term.strip()
    if not term:
        return User.objects.none()
    return User.objects.filter(Q(full_name__icontains=term) | Q(email__icontains=term)).order_by(
        "full_name", "email"
    )[:SEARCH_LIMIT]


def user_list() -> QuerySet[User]:
    return User.objects.select_related("organisation", "pdu", "commissioning_body")


def user_sessions(*, user: User) -> QuerySet[UserSession]:
    return UserSession.objects.filter(user=user).order_by("-created_at")


def user_locked_out(*, user: User) -> bool:
    """Whether too many wrong passwords have paused sign-in for the account."""
    return AccessAttempt.objects.filter(
        username=user.email.lower(), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).exists()


def user_failed_sign_ins(*, user: User) -> int:
    return sum(
        AccessAttempt.objects.filter(username=user.email.lower()).values_list(
            "failures_since_start", flat=True
        )
    )


def user_two_factor_locked(*, user: User) -> bool:
    return auth.two_factor_locked(user=user)


def user_has_two_factor(*, user: User) -> bool:
    return auth.totp_device_for(user=user) is not None


def access_log_search(
    *,
    crn: str = "",
    user_email: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AccessLog]:
    """The risk access log's rows, newest first, for an exact CRN, an account's email
    address and a range of days (each optional; all given narrow it)."""
    rows = AccessLog.objects.all()
    if crn:
        rows = rows.filter(crn=crn.strip().upper())
    if user_email:
        rows = rows.filter(user_email__iexact=user_email.strip())
    if date_from:
        rows = rows.filter(at__date__gte=date_from)
    if date_to:
        rows = rows.filter(at__date__lte=date_to)
    return rows.order_by("-at", "-id")


def organisations_awaiting_verification() -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        verification_status=Organisation.Verification.UNVERIFIED
    ).order_by("name")


def support_actions_for(*, user: User) -> QuerySet[SupportAction]:
    return SupportAction.objects.filter(user=user).select_related("by")[:20]


def support_actions_recent() -> QuerySet[SupportAction]:
    return SupportAction.objects.select_related("by", "user", "organisation")[:20]
