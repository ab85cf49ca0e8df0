"""Demo rounds: a finished Greater Manchester grant round with awards and live agreements,
last year's contract round, and an open round, co-funded by the Combined Authority, the
demo providers can apply to. In the open round the other organisations have applied to the
wellbeing lot, and the co-funder's assessor is assigned to it with those applications to
declare and score, whatever the day of the month the demo is loaded."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from commissioning import services
from commissioning.models import FundingRound
from partnership.models import CommissioningBody, Pdu, Region, ServiceCategory, User
from providers.models import Organisation, Service

FINISHED = "Greater Manchester rehabilitative grants 2026"
OPEN = "Greater Manchester women's and wellbeing grants 2027"
CONTRACT = "Greater Manchester supported accommodation contract 2025"


def _lot(funding_round, commissioner, title, slug, budget, ceiling=None):
    return services.lot_add(
        funding_round=funding_round,
        by=commissioner,
        data={
            "title": title,
            "category": ServiceCategory.objects.get(slug=slug),
            "budget": budget,
            "expected_monthly_referrals": 25,
            "income_ceiling": ceiling,
        },
        pdus=Pdu.objects.filter(region__code="L"),
    )


def _apply(lot, admin, amount):
    application = services.application_save(
        lot=lot,
        by=admin,
        data={
            "approach": "Key workers with lived experience, based in local community venues.",
            "experience": "Eight years delivering similar services in Greater Manchester.",
            "outcomes": "More people in settled homes and in recovery.",
            "amount_requested": amount,
            "proposed_monthly_capacity": 12,
            "staff_training_budget": 4_000,
        },
        pdus=Pdu.objects.filter(region__code="L")[:3],
    )
    return services.application_submit(application=application, by=admin)


def load(*, users: dict[str, User], progress) -> dict[str, int]:
    commissioner = users["commissioner@demo.example"]
    admin = users["provider-admin@demo.example"]
    assessor = users.get("assessor@demo.example")
    if FundingRound.objects.filter(title__in=[FINISHED, OPEN, CONTRACT]).exists():
        return {"funding_rounds": 0}
    region = Region.objects.filter(code="L")
    finished = services.round_create(
        by=commissioner,
        regions=region,
        data={
            "title": FINISHED,
            "mechanism": "grant",
            "budget": 600_000,
            "closes_at": timezone.now() + timedelta(days=1),
            "break_clause_policy": "A break clause at 12 months, on three months' notice.",
        },
    )
    housing = _lot(finished, commissioner, "Accommodation support", "accommodation", 300_000)
    recovery = _lot(
        finished,
        commissioner,
        "Recovery support",
        "dependency-recovery",
        200_000,
        ceiling=1_000_000,
    )
    services.criterion_add(
        funding_round=finished, by=commissioner, name="Quality of delivery", weight=60
    )
    services.criterion_add(
        funding_round=finished, by=commissioner, name="Value for money", weight=40
    )
    services.round_transition(funding_round=finished, by=commissioner, action="consult")
    services.round_transition(funding_round=finished, by=commissioner, action="open")
    won = _apply(housing, admin, 240_000)
    others = list(
        Organisation.objects.filter(head_office_region__code="L").exclude(pk=admin.organisation_id)[
            :2
        ]
    )
    rival_admins = []
    for organisation in others:
        rival, _ = User.objects.get_or_create(
            email=f"provider-admin-{organisation.pk}@demo.example",
            defaults={
                "full_name": f"{organisation.name} admin",
                "role": "provider_admin",
                "organisation": organisation,
            },
        )
        rival_admins.append(rival)
    lost = _apply(housing, rival_admins[0], 280_000) if rival_admins else None
    recovery_win = (
        _apply(recovery, rival_admins[1], 150_000)
        if len(rival_admins) > 1 and (rival_admins[1].organisation.annual_income or 0) < 1_000_000
        else None
    )
    # Set up as any round is, then moved into the past: closed a month ago, decided since.
    FundingRound.objects.filter(pk=finished.pk).update(
        closes_at=timezone.now() - timedelta(days=30),
        decision_by=timezone.localdate() - timedelta(days=9),
    )
    services.round_transition(funding_round=finished, by=commissioner, action="close_applications")
    services.application_decide(
        application=won,
        by=commissioner,
        successful=True,
        feedback="A strong local partnership with clear outcomes.",
    )
    if lost:
        services.application_decide(
            application=lost,
            by=commissioner,
            successful=False,
            feedback="Good experience; the costs were higher than the lot could fund.",
        )
    if recovery_win:
        services.application_decide(
            application=recovery_win,
            by=commissioner,
            successful=True,
            feedback="Well evidenced peer-led model.",
        )
    services.round_transition(funding_round=finished, by=commissioner, action="award")
    housing_service = Service.objects.get(
        organisation=admin.organisation, name="Housing first steps"
    )
    agreements = 0
    for application, value in [(won, 240_000), (recovery_win, 150_000)]:
        if application is None:
            continue
        funded = {housing_service: 12} if application == won else {}
        agreement = services.agreement_create(
            application=application,
            by=commissioner,
            value=value,
            starts_on=date(2026, 4, 1),
            ends_on=date(2028, 4, 1),
            break_clause_dates=[date(2027, 4, 1)],
            services=funded,
        )
        services.agreement_set_status(agreement=agreement, by=commissioner, status="live")
        agreements += 1

    open_round = services.round_create(
        by=commissioner,
        regions=region,
        data={
            "title": OPEN,
            "mechanism": "grant",
            "budget": 250_000,
            "closes_at": timezone.now() + timedelta(days=45),
        },
        # The demo assessor's body co-funds it, so they can be assigned to its lots.
        co_funders=CommissioningBody.objects.exclude(pk=commissioner.commissioning_body_id).filter(
            pk=getattr(assessor, "commissioning_body_id", None)
        ),
    )
    _lot(
        open_round,
        commissioner,
        "Women's centres (small organisations)",
        "womens-services",
        120_000,
        ceiling=1_000_000,
    )
    wellbeing = _lot(
        open_round, commissioner, "Emotional wellbeing", "emotional-wellbeing", 100_000
    )
    services.criterion_add(
        funding_round=open_round, by=commissioner, name="Quality of delivery", weight=70
    )
    services.criterion_add(
        funding_round=open_round, by=commissioner, name="Value for money", weight=30
    )
    services.round_transition(funding_round=open_round, by=commissioner, action="consult")
    services.round_transition(funding_round=open_round, by=commissioner, action="open")
    # The other organisations bid for the wellbeing lot (the demo provider's own admin can
    # still apply to either lot); the assessor is assigned to it and so to their bids.
    for rival, amount in zip(rival_admins, (80_000, 95_000), strict=False):
        _apply(wellbeing, rival, amount)
    if assessor is not None:
        services.lot_assessor_assign(lot=wellbeing, by=commissioner, assessor=assessor)
    agreements += _contract_round(commissioner, rival_admins[:1] or [admin])
    progress(f"funding rounds: 3, agreements: {agreements}")
    return {"funding_rounds": 3, "agreements": agreements}


def _contract_round(commissioner: User, bidders: list[User]) -> int:
    """Last year's accommodation contract: one lot, a single bidder, one agreement. It gives
    the open-data OCDS export a real contract and market health a year to compare with."""
    funding_round = services.round_create(
        by=commissioner,
        regions=Region.objects.filter(code="L"),
        data={
            "title": CONTRACT,
            "mechanism": "contract",
            "budget": 400_000,
            "closes_at": timezone.now() + timedelta(days=1),
        },
    )
    lot = _lot(funding_round, commissioner, "Supported accommodation", "accommodation", 400_000)
    services.criterion_add(funding_round=funding_round, by=commissioner, name="Quality", weight=100)
    services.round_transition(funding_round=funding_round, by=commissioner, action="consult")
    services.round_transition(funding_round=funding_round, by=commissioner, action="open")
    applications = [_apply(lot, bidder, 380_000) for bidder in bidders]
    FundingRound.objects.filter(pk=funding_round.pk).update(
        closes_at=timezone.make_aware(datetime(2025, 6, 30, 12)), decision_by=date(2025, 7, 31)
    )
    services.round_transition(
        funding_round=funding_round, by=commissioner, action="close_applications"
    )
    for application in applications:
        services.application_decide(
            application=application,
            by=commissioner,
            successful=True,
            feedback="The only bid; it met the quality threshold.",
        )
    services.round_transition(funding_round=funding_round, by=commissioner, action="award")
    # Relative to today, so the demo always has an agreement with a break clause in 60 days.
    today = timezone.localdate()
    starts_on = date(today.year - 1, today.month, 1)
    for application in applications:
        agreement = services.agreement_create(
            application=application,
            by=commissioner,
            value=380_000,
            starts_on=starts_on,
            ends_on=date(starts_on.year + 2, starts_on.month, 1),
            break_clause_dates=[today + timedelta(days=60)],
        )
        services.agreement_set_status(agreement=agreement, by=commissioner, status="live")
    return len(applications)
