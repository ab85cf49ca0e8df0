"""Reads of referrals, each scoped to the user asking, and the risk-access rule."""

from __future__ import annotations

from django.db.models import QuerySet

from partnership.models import Role, User
from providers.selectors import (
    organisation_has_signed_current_agreement,
    user_has_current_risk_training,
)
from referrals.models import AccessLog, Referral, Status


def referral_list_visible_to(*, user: User) -> QuerySet[Referral]:
    """Practitioners: their PDU's referrals (their own included). Provider staff: referrals
    sent to their organisation's services (never drafts). Everyone else: none, since
    commissioners never see a person's identity."""
    base = Referral.objects.select_related(
        "service__organisation", "pdu", "practitioner", "assigned_to"
    )
    if user.role == Role.PRACTITIONER and user.pdu_id:
        return base.filter(pdu_id=user.pdu_id)
    if user.role in (Role.PROVIDER_ADMIN, Role.CASEWORKER) and user.organisation_id:
        return base.filter(service__organisation_id=user.organisation_id).exclude(
            status=Status.DRAFT
        )
    return base.none()


def referral_risk_denial(*, user: User, referral: Referral) -> str | None:
    """Why this user may not read the referral's risk information, or None if they may.

    The referring PDU may; provider staff only with current risk training while their
    organisation's information-sharing agreement is signed.
    """
    if user.role == Role.PRACTITIONER:
        return None if user.pdu_id == referral.pdu_id else "another PDU's referral"
    if user.role in (Role.PROVIDER_ADMIN, Role.CASEWORKER):
        if (
            user.organisation_id != referral.service.organisation_id
            or referral.status == Status.DRAFT
        ):
            return "another organisation's referral"
        if not organisation_has_signed_current_agreement(
            organisation=referral.service.organisation
        ):
            return "the information-sharing agreement is not signed"
        if not user_has_current_risk_training(user=user):
            return "no current risk training"
        return None
    return "role without access to risk information"


def access_log_for(*, crn: str = "", user_email: str = "") -> QuerySet[AccessLog]:
    """Admins' audit query: reads of risk data by CRN or by user."""
    log = AccessLog.objects.select_related("referral")
    if crn:
        log = log.filter(crn=crn.strip().upper())
    if user_email:
        log = log.filter(user_email__iexact=user_email.strip())
    return log
