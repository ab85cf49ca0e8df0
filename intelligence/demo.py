"""Demo intelligence: unmet need across Greater Manchester's PDUs, heaviest where no local
service of the kind exists; equality monitoring answers on the demo's sent referrals;
providers' ratings of the information in referrals they decided; a closed survey of the
region's practitioners with its answers, and an open one of provider staff; last month's
referrals across the region (its categories over and under capacity, a small organisation
taking referrals no agreement funds); and last month's partnership report for Greater
Manchester, made last so that it reads them all.
Safe to run again: the demo's own records are replaced (the report generated afresh),
nothing else is touched."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from intelligence.models import (
    CHARACTERISTICS,
    EqualityMonitoring,
    QualityRating,
    ServiceConfidence,
    Survey,
    SurveyAudience,
    SurveyResponse,
    UnmetNeed,
)
from partnership.models import Pdu, Region, Role, ServiceCategory, User
from partnership.months import add_months, month_start
from providers.models import Service, SizeBand
from referrals.demo import demo_moment
from referrals.models import Referral, Status

DEMO_REGION = "L"
MONTHS = 6
# The mix of answers, as a region's monitoring might read: (answer, weight).
ETHNICITY = [
    ("white", 74),
    ("asian", 10),
    ("black", 6),
    ("mixed", 5),
    ("other", 2),
    ("prefer_not", 3),
]
RELIGION = [
    ("none", 40),
    ("christian", 36),
    ("muslim", 10),
    ("other", 3),
    ("prefer_not", 11),
]
ORIENTATION = [("straight", 82), ("gay_lesbian", 4), ("bisexual", 3), ("prefer_not", 11)]
YES_NO = {
    "disability": 32,
    "care_leaver": 24,
    "veteran": 5,
    "caring_responsibilities": 28,
}
REASONS_WITHOUT_SERVICE = [("none_exists", 6), ("too_far", 3)]
REASONS_WITH_SERVICE = [("full", 5), ("wait_too_long", 3), ("ineligible", 2)]
AGE_BANDS = [("18_24", 3), ("25_34", 4), ("35_49", 4), ("50_64", 2), ("65_plus", 1)]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _age_band(referral: Referral) -> str:
    from intelligence.prefill import age_band

    return age_band(referral.date_of_birth) or ""


def _equality(referral: Referral, by: User) -> bool:
    """Answers for a sent demo referral, drawn from its CRN so every load gives the same;
    about one in eight was never asked."""
    rng = random.Random(f"equality-{referral.crn}")
    if rng.random() < 0.125:
        EqualityMonitoring.objects.filter(referral=referral).delete()
        return False
    answers = {
        "ethnicity": _pick(rng, ETHNICITY),
        "sex": referral.sex or "prefer_not",
        "gender_same_as_sex": _pick(rng, [("yes", 94), ("no", 1), ("prefer_not", 5)]),
        "age_band": _age_band(referral) or "prefer_not",
        "religion": _pick(rng, RELIGION),
        "sexual_orientation": _pick(rng, ORIENTATION),
    }
    for name, percent in YES_NO.items():
        answers[name] = _pick(rng, [("yes", percent), ("no", 95 - percent), ("prefer_not", 5)])
    assert set(answers) == set(CHARACTERISTICS)
    EqualityMonitoring.objects.update_or_create(
        referral=referral,
        defaults={**answers, "recorded_by": by, "updated_at": referral.sent_at},
    )
    return True


def _rating(referral: Referral) -> bool:
    """The provider's rating of a decided demo referral: most complete, returned ones missing
    what was asked for, a few missing risk details, and better in recent months."""
    admin = User.objects.filter(
        organisation_id=referral.organisation_id, role=Role.PROVIDER_ADMIN
    ).first()
    if admin is None or referral.decided_at is None and referral.status != Status.RETURNED:
        return False
    rng = random.Random(f"quality-{referral.crn}")
    decided = referral.decided_at or referral.updated_at
    if referral.status == Status.RETURNED:
        rating, missing, decision = "missing", ["sentence"], "return"
    else:
        months_ago = (timezone.now() - decided).days // 30
        # Older referrals were rated worse: the number moves as practice improves.
        chance_missing = min(0.15 + 0.08 * months_ago, 0.55)
        draw = rng.random()
        if draw < chance_missing * 0.2:
            rating, missing = "unusable", []
        elif draw < chance_missing:
            rating = "missing"
            missing = sorted(
                rng.sample(
                    ["risk", "risk_date", "needs", "contact", "documents"], rng.randint(1, 2)
                )
            )
        else:
            rating, missing = "complete", []
        decision = "decline" if referral.status == Status.DECLINED else "accept"
    QualityRating.objects.update_or_create(
        referral=referral,
        defaults={
            "rating": rating,
            "missing": missing,
            "decision": decision,
            "rated_by": admin,
            "rated_at": decided,
        },
    )
    return True


def _colleague(pdu: Pdu) -> User:
    """A practitioner of the PDU to have recorded its unmet need: the demo practitioner in
    their own PDU, an account that cannot sign in elsewhere."""
    email = f"practitioner.{pdu.pk}@pdu.demo.example"
    user = User.objects.filter(email=email).first() or User(email=email)
    user.full_name = f"Practitioner, {pdu.name} PDU"
    user.role = Role.PRACTITIONER
    user.pdu = pdu
    user.is_active = False
    user.set_unusable_password()
    user.save()
    return user


def _unmet_need(practitioner: User) -> int:
    """Unmet need over the last six months in each of the demo region's PDUs: a little
    everywhere, a lot where no local service of the kind exists, and "full" where the
    demo's services are over capacity."""
    rng = random.Random("unmet-need")
    UnmetNeed.objects.filter(recorded_by__email__endswith="demo.example").delete()
    categories = list(ServiceCategory.objects.order_by("name"))
    pdus = list(Pdu.objects.filter(region__code=DEMO_REGION).order_by("name"))
    covered = set(
        Service.objects.filter(status=Service.Status.ACTIVE, pdus__in=pdus)
        .values_list("pdus", "categories")
        .distinct()
    )
    # The gaps that hurt most: a few PDUs without a local service for needs that are common.
    common = {"accommodation", "womens-services", "dependency-and-recovery", "emotional-wellbeing"}
    gaps = [(p, c) for p in pdus for c in categories if (p.pk, c.pk) not in covered]
    hot = [(p, c) for p, c in gaps if c.slug in common][:4] or gaps[:4]
    needs = []
    for pdu in pdus:
        recorder = practitioner if pdu.pk == practitioner.pdu_id else _colleague(pdu)
        for category in categories:
            has_service = (pdu.pk, category.pk) in covered
            per_month = (4, 9) if (pdu, category) in hot else (0, 2) if not has_service else (0, 1)
            for month in range(MONTHS):
                for _ in range(rng.randint(*per_month)):
                    days_ago = month * 30 + rng.randint(1, 28)
                    needs.append(
                        UnmetNeed(
                            category=category,
                            pdu=pdu,
                            reason=_pick(
                                rng,
                                REASONS_WITH_SERVICE if has_service else REASONS_WITHOUT_SERVICE,
                            ),
                            source=_pick(
                                rng,
                                [
                                    ("search", 6),
                                    ("declined", 2),
                                    ("withdrawn", 1),
                                    ("draft_deleted", 1),
                                ],
                            ),
                            age_band=_pick(rng, AGE_BANDS) if rng.random() < 0.8 else "",
                            sex=(
                                "female"
                                if category.slug == "womens-services"
                                else _pick(rng, [("male", 8), ("female", 2)])
                            ),
                            flags=sorted(
                                rng.sample(
                                    list(UnmetNeed.Flag.values), rng.choice([0, 0, 0, 1, 1, 2])
                                )
                            ),
                            recorded_by=recorder,
                            recorded_at=demo_moment(
                                days_ago, rng.randint(9, 16), rng.randint(0, 59)
                            ),
                        )
                    )
    # The demo's over-capacity accommodation: its practitioners find it full this month too.
    accommodation = next(c for c in categories if c.slug == "accommodation")
    for number in range(4):
        needs.append(
            UnmetNeed(
                category=accommodation,
                pdu=practitioner.pdu,
                reason=UnmetNeed.Reason.FULL,
                source=UnmetNeed.Source.DECLINED if number % 2 else UnmetNeed.Source.SEARCH,
                age_band="25_34",
                sex="male",
                recorded_by=practitioner,
                # Within the last hour or so: this month, and in the past.
                recorded_at=timezone.now() - timedelta(minutes=10 * (number + 1)),
            )
        )
    UnmetNeed.objects.bulk_create(needs)
    return len(needs)


HISTORY_REFERRALS = 180
# How often a referral went on to each stage, by ethnic group: so the equality view has a
# disparity to find, as monitoring exists to find one (acceptance lower for Black people).
ACCEPTANCE = {"black": 0.55, "asian": 0.7, "mixed": 0.72}
ACCEPTANCE_OTHERWISE = 0.8


def _staff_member(organisation) -> User:
    """A member of the organisation's staff to have sent its end-of-service reports: its
    admin if it has one, else an account that cannot sign in."""
    admin = User.objects.filter(organisation=organisation, role=Role.PROVIDER_ADMIN).first()
    if admin:
        return admin
    email = f"staff.{organisation.pk}@organisation.demo.example"
    user = User.objects.filter(email=email).first() or User(email=email)
    user.full_name = f"Caseworker, {organisation.name}"[:150]
    user.role = Role.CASEWORKER
    user.organisation = organisation
    user.is_active = False
    user.set_unusable_password()
    user.save()
    return user


def _history(users: dict[str, User]) -> int:
    """A year of closed and working referrals from the region's other PDUs to its other
    organisations' services, so that the equality view has groups large enough to read.
    They belong to accounts that cannot sign in: nobody's work list changes."""
    from referrals.models import EndOfServiceReport, OutcomeResult, Session
    from referrals.services import CATEGORY_ABBREVIATIONS, REGION_ABBREVIATIONS

    practitioner = users["practitioner@demo.example"]
    demo_organisations = {user.organisation_id for user in users.values() if user.organisation_id}
    Referral.objects.filter(idempotency_key__startswith="demo-history-").delete()
    rng = random.Random("history")
    pdus = list(
        Pdu.objects.filter(region__code=DEMO_REGION)
        .exclude(pk=practitioner.pdu_id)
        .order_by("name")
    )
    made = 0
    for number in range(HISTORY_REFERRALS):
        pdu = pdus[number % len(pdus)]
        options = list(
            Service.objects.filter(status=Service.Status.ACTIVE, pdus=pdu)
            .exclude(organisation_id__in=demo_organisations)
            .order_by("pk")[:6]
        )
        if not options:
            continue
        service = rng.choice(options)
        ethnicity = _pick(rng, ETHNICITY)
        sent = demo_moment(rng.randint(100, 360), rng.randint(9, 15), rng.randint(0, 59))
        decided = sent + timedelta(days=rng.randint(2, 6))
        if rng.random() < ACCEPTANCE.get(ethnicity, ACCEPTANCE_OTHERWISE):
            draw = rng.random()
            status = (
                Status.COMPLETED
                if draw < 0.65
                else Status.WITHDRAWN
                if draw < 0.8
                else Status.IN_PROGRESS
            )
        else:
            status = Status.DECLINED
        category = service.categories.order_by("name").first()
        referral = Referral.objects.create(
            practitioner=_colleague(pdu),
            pdu=pdu,
            service=service,
            crn=f"H{700000 + number}",
            status=status,
            sex=_pick(rng, [("male", 8), ("female", 2)]),
            created_at=sent - timedelta(hours=2),
            sent_at=sent,
            decided_at=decided,
            decline_reason="no_capacity" if status == Status.DECLINED else "",
            withdraw_reason="person_declined" if status == Status.WITHDRAWN else "",
            idempotency_key=f"demo-history-{number}",
        )
        region = REGION_ABBREVIATIONS.get(DEMO_REGION, DEMO_REGION)
        kind = CATEGORY_ABBREVIATIONS.get(category.slug, "GEN") if category else "GEN"
        Referral.objects.filter(pk=referral.pk).update(
            reference=f"{region}-{kind}-{1000 + referral.pk}"
        )
        referral.refresh_from_db()
        if status != Status.DECLINED:
            staff = _staff_member(service.organisation)
            sessions = {Status.COMPLETED: 2, Status.IN_PROGRESS: 2, Status.WITHDRAWN: 1}[status]
            for offset in (3, 10)[:sessions]:
                held = timezone.localdate(decided) + timedelta(days=offset)
                Session.objects.create(
                    referral=referral,
                    kind=Session.Kind.FIRST_CONTACT if offset == 3 else Session.Kind.SESSION,
                    held_on=held,
                    mode=Session.Mode.IN_PERSON,
                    attendance=Session.Attendance.ATTENDED,
                    recorded_by=staff,
                    created_at=timezone.make_aware(datetime.combine(held, time(15, 0))),
                )
        if status == Status.COMPLETED and category is not None:
            report = EndOfServiceReport.objects.create(
                referral=referral,
                closing_reason="completed",
                summary="The work planned was done.",
                sent_by=staff,
                sent_at=decided + timedelta(days=rng.randint(30, 60)),
            )
            outcome = category.desired_outcomes.order_by("position").first()
            if outcome is not None:
                OutcomeResult.objects.create(
                    report=report,
                    desired_outcome=outcome,
                    result="achieved" if rng.random() < 0.65 else "not_achieved",
                )
        monitoring_rng = random.Random(f"equality-history-{number}")
        if monitoring_rng.random() >= 0.125:
            EqualityMonitoring.objects.create(
                referral=referral,
                recorded_by=referral.practitioner,
                updated_at=sent,
                ethnicity=ethnicity,
                sex=referral.sex,
                age_band=_pick(rng, AGE_BANDS),
                religion=_pick(rng, RELIGION),
                sexual_orientation=_pick(rng, ORIENTATION),
                **{
                    name: _pick(rng, [("yes", percent), ("no", 95 - percent), ("prefer_not", 5)])
                    for name, percent in YES_NO.items()
                },
                gender_same_as_sex=_pick(rng, [("yes", 94), ("no", 1), ("prefer_not", 5)]),
            )
        made += 1
    return made


# Last month ---------------------------------------------------------------------------------

# Last month's referrals in each category as a share of its capacity, as the region's
# report should read them: accommodation and women's services oversubscribed, wellbeing
# under-used. Topped up to these whatever the day the demo is loaded.
LAST_MONTH_PERCENT = {"accommodation": 160, "womens-services": 170, "emotional-wellbeing": 25}
# Referrals last month to a small organisation's service that no funding agreement covers,
# and how many of them it took on.
SMALL_UNFUNDED, SMALL_UNFUNDED_ACCEPTED = 14, 11


def last_month() -> tuple[date, date]:
    """The month before today's: a whole month, whatever the day (the 1st included)."""
    first = add_months(month_start(timezone.localdate()), -1)
    return first, add_months(first, 1) - timedelta(days=1)


def _unfunded_small_service(pdus: list[Pdu], demo_organisations: set[int]) -> Service | None:
    """A small or micro organisation's open service in the PDUs that no agreement funds (none
    lists it: capacity's rule, `utilisation_by_service`'s `funded`)."""
    candidates = (
        Service.objects.filter(
            status=Service.Status.ACTIVE,
            pdus__in=pdus,
            organisation__size_band__in=[SizeBand.MICRO, SizeBand.SMALL],
        )
        .exclude(organisation_id__in=demo_organisations)
        .exclude(funding__isnull=False)
        .distinct()
        .order_by("organisation__name", "pk")
    )
    return candidates.first()


def _month_referral(number, service, pdu, rng, *, first: date, days: int, status=None):
    """One of last month's referrals from a PDU's practitioner to a service: sent on a
    working hour of a day in the month, decided a few days later (never after now)."""
    from referrals.services import CATEGORY_ABBREVIATIONS, REGION_ABBREVIATIONS

    day = first + timedelta(days=rng.randrange(days))
    sent = timezone.make_aware(datetime.combine(day, time(rng.randint(9, 15), rng.randint(0, 59))))
    if status is None:
        draw = rng.random()
        status = Status.ACCEPTED if draw < 0.6 else Status.DECLINED if draw < 0.9 else Status.SENT
    decided = None
    if status != Status.SENT:
        decided = min(sent + timedelta(days=rng.randint(1, 4)), timezone.now() - timedelta(hours=1))
    women = service.categories.filter(slug="womens-services").exists()
    referral = Referral.objects.create(
        practitioner=_colleague(pdu),
        pdu=pdu,
        service=service,
        crn=f"M{800000 + number}",
        status=status,
        sex="female" if women else _pick(rng, [("male", 8), ("female", 2)]),
        created_at=sent - timedelta(hours=2),
        sent_at=sent,
        decided_at=decided,
        decline_reason="no_capacity" if status == Status.DECLINED else "",
        idempotency_key=f"demo-month-{number}",
    )
    category = service.categories.order_by("name").first()
    region = REGION_ABBREVIATIONS.get(DEMO_REGION, DEMO_REGION)
    kind = CATEGORY_ABBREVIATIONS.get(category.slug, "GEN") if category else "GEN"
    Referral.objects.filter(pk=referral.pk).update(
        reference=f"{region}-{kind}-{1000 + referral.pk}"
    )
    return referral


def _last_month(users: dict[str, User]) -> int:
    """Last month in the region as its report should read: each category of
    LAST_MONTH_PERCENT topped up to that share of its capacity with referrals from the
    region's other PDUs to the other organisations' services (so nobody's work list
    changes), and a small organisation taking referrals that no agreement funds."""
    from capacity.utilisation import keep_demand_months, utilisation_history

    practitioner = users["practitioner@demo.example"]
    demo_organisations = {user.organisation_id for user in users.values() if user.organisation_id}
    Referral.objects.filter(idempotency_key__startswith="demo-month-").delete()
    first, last = last_month()
    days = (last - first).days + 1
    region = Region.objects.get(code=DEMO_REGION)
    pdus = list(region.pdus.exclude(pk=practitioner.pdu_id).order_by("name"))
    rng = random.Random("last-month")
    made = 0
    small = _unfunded_small_service(pdus, demo_organisations)
    if small is not None:
        small_pdus = [pdu for pdu in pdus if small.pdus.filter(pk=pdu.pk).exists()]
        for number in range(SMALL_UNFUNDED):
            status = Status.ACCEPTED if number < SMALL_UNFUNDED_ACCEPTED else Status.DECLINED
            _month_referral(
                made,
                small,
                small_pdus[number % len(small_pdus)],
                rng,
                first=first,
                days=days,
                status=status,
            )
            made += 1
    # The referrals written here are in past months, which the demand view reads from what
    # the monitoring run kept: counted again before reading, and after writing.
    keep_demand_months()
    cells = {
        cell.category_id: cell for cell in utilisation_history(1, until=first, regions=[region])
    }
    for slug, percent in LAST_MONTH_PERCENT.items():
        category = ServiceCategory.objects.get(slug=slug)
        cell = cells.get(category.pk)
        if cell is None or not cell.capacity:
            continue
        missing = math.ceil(cell.capacity * percent / 100) - cell.sent
        options = list(
            Service.objects.filter(status=Service.Status.ACTIVE, categories=category, pdus__in=pdus)
            .exclude(organisation_id__in=demo_organisations)
            .distinct()
            .order_by("pk")
        )
        for index in range(max(missing, 0)):
            if not options:
                break
            service = options[index % len(options)]
            local = [pdu for pdu in pdus if service.pdus.filter(pk=pdu.pk).exists()]
            _month_referral(made, service, rng.choice(local), rng, first=first, days=days)
            made += 1
    keep_demand_months()
    return made


# Surveys ------------------------------------------------------------------------------------

CLOSED_SURVEY = "Gaps in provision and confidence in services"
OPEN_SURVEY = "Referrals and the partnership: provider staff"
RESPONDENTS_PER_PDU = 4
FINDING = [2, 3, 4]  # how easy finding a service is, as practitioners in the region find it
# What practitioners would refer to if it existed, by category: in their own words.
WISHES = {
    "accommodation": [
        "Supported housing for people leaving custody, open at the weekend.",
        "A hostel bed the same day, for people who would otherwise sleep rough.",
        "Move-on flats with a support worker, so people can leave approved premises.",
    ],
    "womens-services": [
        "A women's centre nearer than the city centre, with a crèche.",
        "One-to-one support for women that works around school times.",
        "A women-only group for those who have experienced domestic abuse.",
    ],
    "dependency-recovery": [
        "Recovery support that starts on the day of release.",
        "An evening group for people in work who are trying to stay sober.",
        "Peer mentors who have been through recovery themselves.",
    ],
    "emotional-wellbeing": [
        "Counselling without a six-month wait.",
        "Bereavement support for people on licence.",
        "A drop-in for people struggling between appointments.",
    ],
}


def _respondent(pdu: Pdu, number: int) -> User:
    """A practitioner of the PDU who answered the demo's closed survey: an account that
    cannot sign in."""
    email = f"practitioner.{pdu.pk}.{number}@pdu.demo.example"
    user = User.objects.filter(email=email).first() or User(email=email)
    user.full_name = f"Practitioner {number}, {pdu.name} PDU"
    user.role = Role.PRACTITIONER
    user.pdu = pdu
    user.is_active = False
    user.set_unusable_password()
    user.save()
    return user


def _demo_survey(commissioner: User, title: str, **fields) -> Survey:
    """The demo's survey of that title, kept from one load to the next (so its invitations
    are not sent again), its answers cleared."""
    survey = Survey.objects.filter(
        commissioning_body=commissioner.commissioning_body, title=title
    ).first() or Survey(commissioning_body=commissioner.commissioning_body, title=title)
    for name, value in {**fields, "created_by": commissioner}.items():
        setattr(survey, name, value)
    survey.closed_early_at = None
    survey.save()
    survey.regions.set(Region.objects.filter(code=DEMO_REGION))
    SurveyResponse.objects.filter(survey=survey).delete()
    return survey


def _surveys(commissioner: User) -> int:
    """A closed survey of the region's practitioners, answered by enough of them in each
    group to be read (gaps named where no local service exists, and what they would refer
    to if it existed), and an open survey of provider staff for the demo's providers to
    answer, whatever the day."""
    today = timezone.localdate()
    closed = _demo_survey(
        commissioner,
        CLOSED_SURVEY,
        audience=SurveyAudience.PRACTITIONERS,
        opens_on=today - timedelta(days=50),
        closes_on=today - timedelta(days=20),
        invitations_sent_at=demo_moment(50, 7),
        reminder_sent_at=demo_moment(23, 7),
    )
    pdus = list(Pdu.objects.filter(region__code=DEMO_REGION).order_by("name"))
    covered = set(
        Service.objects.filter(status=Service.Status.ACTIVE, pdus__in=pdus)
        .values_list("pdus", "categories__slug")
        .distinct()
    )
    wished = list(WISHES)
    rng = random.Random("surveys")
    answered = 0
    for pdu in pdus:
        local = list(
            Service.objects.filter(status=Service.Status.ACTIVE, pdus=pdu).order_by("pk")[:3]
        )
        gaps = sorted(slug for slug in WISHES if (pdu.pk, slug) not in covered) or ["accommodation"]
        for number in range(1, RESPONDENTS_PER_PDU + 1):
            who = _respondent(pdu, number)
            # Each category wished for by a few in every PDU, so each group reaches five.
            wish_category = wished[(number - 1) % len(wished)]
            response = SurveyResponse.objects.create(
                survey=closed,
                respondent=who,
                region=pdu.region,
                pdu=pdu,
                answers={
                    "gaps": gaps,
                    "finding": FINDING[(pdu.pk + number) % len(FINDING)],
                    "wish_category": wish_category,
                    "wish": rng.choice(WISHES[wish_category]),
                },
                submitted_at=demo_moment(rng.randint(21, 49), rng.randint(9, 16)),
            )
            ServiceConfidence.objects.bulk_create(
                ServiceConfidence(
                    response=response, service=service, rating=rng.choice([3, 4, 4, 5])
                )
                for service in local[:2]
            )
            answered += 1
    opened = _demo_survey(
        commissioner,
        OPEN_SURVEY,
        audience=SurveyAudience.PROVIDER_STAFF,
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=25),
    )
    from intelligence.services import survey_invitations_send

    survey_invitations_send(survey=opened)
    return answered


def load(*, users: dict[str, User], progress) -> dict[str, int]:
    practitioner = users["practitioner@demo.example"]
    history = _history(users)
    progress(f"referral history for equality figures: {history} referrals")
    month = _last_month(users)
    progress(f"last month's referrals across the region: {month}")
    sent = (
        Referral.objects.filter(sent_at__isnull=False)
        .exclude(status=Status.DRAFT)
        .exclude(idempotency_key__startswith="demo-history-")
    )
    answered = sum(_equality(referral, referral.practitioner) for referral in sent)
    progress(f"equality monitoring: {answered} referrals answered")
    rated = sum(_rating(referral) for referral in sent.select_related("organisation"))
    progress(f"referral quality: {rated} ratings")
    needs = _unmet_need(practitioner)
    progress(f"unmet need: {needs} recorded")
    answers = _surveys(users["commissioner@demo.example"])
    progress(f"surveys: {answers} answers to the closed survey, one survey open")
    reports = _partnership_report(users["commissioner@demo.example"])
    progress(f"partnership report: {reports} versions for last month")
    return {
        "survey_answers": answers,
        "history_referrals": history,
        "last_month_referrals": month,
        "equality_monitoring": answered,
        "quality_ratings": rated,
        "unmet_needs": needs,
        "partnership_reports": reports,
    }


def _partnership_report(commissioner: User) -> int:
    """Last month's report for Greater Manchester, as its commissioner would generate it (a
    whole month, as an inspector would read it), so that the list of reports is not empty:
    oversubscribed accommodation and women's services, an under-used wellbeing service, a
    small organisation taking referrals no agreement funds, the closed survey's answers and
    unmet need where no local service exists."""
    from intelligence.report_services import partnership_report_generate

    period_start, period_end = last_month()
    return len(
        partnership_report_generate(
            region=Region.objects.get(code=DEMO_REGION),
            period_start=period_start,
            period_end=period_end,
            by=commissioner,
        )
    )
