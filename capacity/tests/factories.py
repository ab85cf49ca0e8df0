"""Factories for capacity's tests: referrals sent in a month, funding agreements, alerts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from capacity import alerts
from capacity.models import Alert
from commissioning.models import (
    Agreement,
    AgreementService,
    Application,
    FundingRound,
    Lot,
)
from notifications.models import Notification
from partnership import months
from partnership.models import Pdu, Region, Role, ServiceCategory
from partnership.tests.factories import UserFactory
from referrals.models import Referral
from referrals.tests.factories import next_crn, provider_admin_for


def month_instant(fraction: float, period=None) -> datetime:
    """The instant `fraction` of the way through a month (default: this month)."""
    start, end = months.month_bounds(period)
    return start + (end - start) * fraction


def sent_referrals(service, count, *, practitioner=None, status="sent", sent_at=None, **fields):
    """Referrals in a state, written directly (no workflow, so no triggers), for figures."""
    practitioner = practitioner or UserFactory(role=Role.PRACTITIONER)
    sent_at = sent_at or (None if status == "draft" else timezone.now())
    return Referral.objects.bulk_create(
        Referral(
            practitioner=practitioner,
            pdu_id=practitioner.pdu_id,
            service=service,
            organisation_id=service.organisation_id,
            crn=next_crn(),
            status=status,
            sent_at=sent_at,
            **fields,
        )
        for _ in range(count)
    )


def funding_agreement(
    service,
    contracted,
    *,
    by,
    status=Agreement.Status.LIVE,
    starts_on=None,
    ends_on=None,
    break_clause_dates=(),
    region_code="L",
):
    """An agreement funding `service`, written directly (the award journey is tested elsewhere)."""
    today = timezone.localdate()
    funding_round = FundingRound.objects.create(
        title="Greater Manchester rehabilitative grants",
        lead_body=by.commissioning_body,
        budget=500_000,
        status=FundingRound.Status.AWARDED,
        created_by=by,
    )
    funding_round.regions.set(Region.objects.filter(code=region_code))
    lot = Lot.objects.create(
        funding_round=funding_round,
        title="Housing support",
        category=ServiceCategory.objects.get(slug="accommodation"),
        budget=200_000,
        expected_monthly_referrals=contracted,
    )
    lot.pdus.set(Pdu.objects.filter(region__code=region_code)[:3])
    application = Application.objects.create(
        lot=lot,
        organisation=service.organisation,
        status=Application.Status.SUCCESSFUL,
        created_by=provider_admin_for(service),
    )
    agreement = Agreement.objects.create(
        application=application,
        organisation=service.organisation,
        lot=lot,
        mechanism="grant",
        value=200_000,
        starts_on=starts_on or today - timedelta(days=365),
        ends_on=ends_on or today + timedelta(days=730),
        break_clause_dates=list(break_clause_dates),
        status=status,
    )
    AgreementService.objects.create(
        agreement=agreement, service=service, contracted_monthly_referrals=contracted
    )
    return agreement


def notified(alert=None) -> dict[int, int]:
    """How many alert notifications (of one alert, or all) each recipient has had, by id."""
    notifications = Notification.objects.filter(kind=alerts.NOTIFICATION_KIND)
    if alert is not None:
        notifications = notifications.filter(dedupe_key__startswith=f"alert-{alert.pk}-")
    return dict(
        notifications.values_list("recipient").annotate(n=Count("id")).values_list("recipient", "n")
    )


def raise_alert(service, *, region="L", rule="over_capacity", severity="red", status="open"):
    alert = Alert.objects.create(
        rule=rule,
        severity=severity,
        status=status,
        period=date.today().replace(day=1),
        service=service,
        organisation=service.organisation,
        figures={"sent": 16, "capacity": 10, "percent": 160},
        message=f"{service.name} has had 16 referrals this month against a capacity of 10.",
        resolved_at=None,
    )
    alert.regions.set(Region.objects.filter(code=region))
    return alert
