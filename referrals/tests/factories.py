"""Referrals built through the service layer, in any state."""

from datetime import date, timedelta

from django.utils import timezone

from partnership.models import DesiredOutcome, Role
from partnership.tests.factories import UserFactory
from providers.services import agreement_sign
from providers.tests.factories import make_service
from referrals import services
from referrals.models import Status

COMPLETE_PERSON = {
    "first_name": "Jordan",
    "last_name": "Example",
    "date_of_birth": date(1990, 5, 17),
    "sex": "male",
    "phone": "07700 900123",
    "address": "1 Example Street, Manchester",
    "consent_basis": "consent",
    "reason": "Jordan is living in a hostel that closes next month and needs support to find a settled home.",
}
COMPLETE_RISK = {
    "rosh_children": "low",
    "rosh_public": "medium",
    "rosh_known_adult": "medium",
    "rosh_staff": "low",
    "summary": "Past violence towards a former partner when drinking.",
    "risk_to_self": "None known.",
    "staff_safety": "Meet in public places for the first sessions.",
}
# Days before today of the risk assessment a complete referral gives: always in the past,
# wherever a test sets the clock.
ASSESSED_DAYS_AGO = 60

_crn_counter = iter(range(100000, 999999))


def next_crn() -> str:
    return f"X{next(_crn_counter)}"


def referral_in(status: str = Status.DRAFT, *, practitioner=None, service=None, crn=None):
    """A complete referral moved through the workflow to `status`."""
    practitioner = practitioner or UserFactory(role=Role.PRACTITIONER)
    service = service or make_service(referral_requirements=["date_of_birth", "risk_summary"])
    referral, _ = services.referral_start(
        practitioner=practitioner, service=service, crn=crn or next_crn()
    )
    services.referral_update(
        referral=referral,
        by=practitioner,
        data=COMPLETE_PERSON,
        desired_outcomes=DesiredOutcome.objects.filter(category__in=service.categories.all())[:1],
    )
    assessed = timezone.localdate() - timedelta(days=ASSESSED_DAYS_AGO)
    services.risk_update(
        referral=referral,
        by=practitioner,
        data={**COMPLETE_RISK, "last_assessed_on": assessed},
    )
    if status == Status.DRAFT:
        return referral
    if status == Status.WITHDRAWN:
        return services.referral_withdraw(
            referral=referral, by=practitioner, reason="made_in_error"
        )
    referral = services.referral_send(referral=referral, by=practitioner)
    if status == Status.SENT:
        return referral
    admin = provider_admin_for(service)
    if status == Status.ACCEPTED:
        return services.referral_accept(referral=referral, by=admin)
    if status == Status.RETURNED:
        return services.referral_return(
            referral=referral, by=admin, reason="Please add the sentence details."
        )
    if status == Status.DECLINED:
        return services.referral_decline(referral=referral, by=admin, reason="no_capacity")
    raise ValueError(status)


def provider_admin_for(service):
    from partnership.models import User

    admin = User.objects.filter(organisation=service.organisation, role=Role.PROVIDER_ADMIN).first()
    return admin or UserFactory(role=Role.PROVIDER_ADMIN, organisation=service.organisation)


def trained_caseworker_for(service, *, sign_agreement: bool = True):
    """A caseworker with current risk training, at an organisation that has signed the agreement."""
    from datetime import timedelta

    from django.utils import timezone

    from providers.models import TrainingRecord

    caseworker = UserFactory(role=Role.CASEWORKER, organisation=service.organisation)
    TrainingRecord.objects.create(
        staff_member=caseworker,
        kind="risk_awareness",
        completed_on=timezone.localdate() - timedelta(days=5),
    )
    if sign_agreement:
        from providers.selectors import organisation_has_signed_current_agreement

        if not organisation_has_signed_current_agreement(organisation=service.organisation):
            agreement_sign(
                organisation=service.organisation,
                by=provider_admin_for(service),
                signatory_name="A Signer",
                signatory_position="Director",
            )
    return caseworker


def sent_on(referral, day):
    """The referral as if it had been sent on `day` (a session may not be dated before its
    sending): its sending time and the timeline's entry for it moved back."""
    from datetime import datetime, time

    from django.utils import timezone

    from referrals.models import Referral

    at = timezone.make_aware(datetime.combine(day, time(9, 0)))
    Referral.objects.filter(pk=referral.pk).update(sent_at=at)
    referral.events.filter(kind="send").update(at=at)
    referral.refresh_from_db()
    return referral
