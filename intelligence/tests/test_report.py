"""The partnership report's figures: each section's, for a seeded region and month, equal
to the same figure counted straight from the database here; the providers' version names
nobody and withholds small counts; generating keeps both versions with their PDFs, once per
region, period and audience."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from commissioning.models import Agreement, Application
from commissioning.tests.factories import AgreementFactory, ApplicationFactory, LotFactory
from intelligence import report_services
from intelligence.models import PartnershipReport, QualityRating, UnmetNeed
from intelligence.report import COMMISSIONERS, PROVIDERS, partnership_report, period_months
from intelligence.services import unmet_need_record
from partnership.models import Region, Role, ServiceCategory, User
from partnership.months import add_months, month_bounds, month_start
from partnership.tests.factories import CommissioningBodyFactory, UserFactory
from providers.models import AgreementSignature, Organisation, SizeBand, TrainingRecord
from providers.tests.factories import OrganisationFactory, make_service
from referrals import services as referrals
from referrals.models import EndOfServiceReport, OutcomeResult, Referral, ReferralEvent, Status
from referrals.tests.factories import provider_admin_for, referral_in, trained_caseworker_for

pytestmark = pytest.mark.django_db


def _section(report: dict, key: str) -> dict:
    return next(section for section in report["sections"] if section["key"] == key)


def _row(section: dict, label: str) -> list:
    return next(row for row in section["rows"] if row[0] == label)


@pytest.fixture
def period():
    start = month_start(timezone.localdate())
    return start, add_months(start, 1) - timedelta(days=1)


@pytest.fixture
def seeded(period):
    """Greater Manchester in the month: a small local housing provider over capacity, a
    large national wellbeing provider, decisions, a completed referral, unmet need, two
    agreements (one a co-funded two-year grant with a break clause and a training line),
    staff holding cases with and without current risk training, one signature."""
    region = Region.objects.get(code="L")
    small = OrganisationFactory(name="Small Housing CIO", annual_income=50_000, reach="local")
    large = OrganisationFactory(
        name="National Wellbeing Trust", annual_income=5_000_000, reach="national"
    )
    housing = make_service("Housing support", organisation=small, monthly_capacity=5)
    wellbeing = make_service(
        "Wellbeing", organisation=large, slugs=("emotional-wellbeing",), monthly_capacity=20
    )
    practitioner = UserFactory(role=Role.PRACTITIONER)
    accepted = [
        referral_in(Status.ACCEPTED, practitioner=practitioner, service=housing) for _ in range(4)
    ]
    for status in (Status.DECLINED, Status.DECLINED, Status.RETURNED, Status.SENT):
        referral_in(status, practitioner=practitioner, service=housing)
    referral_in(Status.ACCEPTED, practitioner=practitioner, service=wellbeing)
    admin = provider_admin_for(housing)
    trained = trained_caseworker_for(housing)
    lapsed = trained_caseworker_for(housing)
    referrals.referral_assign(referral=accepted[0], by=admin, caseworker=trained)
    referrals.referral_assign(referral=accepted[1], by=admin, caseworker=lapsed)
    TrainingRecord.objects.filter(staff_member=lapsed).update(
        completed_on=period[0] - timedelta(days=400), expires_on=period[0] - timedelta(days=30)
    )
    referrals.session_record(
        referral=accepted[2],
        by=admin,
        kind="first_contact",
        held_on=timezone.localdate(),
        mode="in_person",
        attendance="attended",
    )
    referrals.report_send(
        referral=accepted[2],
        by=admin,
        closing_reason="completed",
        summary="Settled in a tenancy.",
        outcomes={o.pk: ("achieved", "") for o in accepted[2].desired_outcomes.all()},
    )
    for _ in range(3):
        unmet_need_record(
            by=practitioner,
            category=ServiceCategory.objects.get(slug="accommodation"),
            pdu=practitioner.pdu,
            reason="full",
        )
    pcc = CommissioningBodyFactory(name="Greater Manchester PCC", kind="pcc", regions=[region])
    body = CommissioningBodyFactory(name="HMPPS Greater Manchester", regions=[region])
    grant_lot = LotFactory(funding_round__lead_body=body, funding_round__regions=[region])
    grant_lot.funding_round.co_funders.set([pcc])
    starts = period[0] - timedelta(days=60)
    AgreementFactory(
        application=ApplicationFactory(
            lot=grant_lot,
            organisation=small,
            status=Application.Status.SUCCESSFUL,
            staff_training_budget=2_000,
        ),
        mechanism="grant",
        value=50_000,
        starts_on=starts,
        ends_on=add_months(starts, 30),
        break_clause_dates=[add_months(starts, 12)],
        status=Agreement.Status.LIVE,
    )
    contract_lot = LotFactory(
        funding_round__lead_body=body,
        funding_round__regions=[region],
        funding_round__mechanism="contract",
    )
    AgreementFactory(
        application=ApplicationFactory(
            lot=contract_lot, organisation=large, status=Application.Status.SUCCESSFUL
        ),
        mechanism="contract",
        value=150_000,
        starts_on=starts,
        ends_on=add_months(starts, 12),
        break_clause_dates=[],
        status=Agreement.Status.LIVE,
    )
    commissioner = UserFactory(role=Role.COMMISSIONER, commissioning_body=body)
    return {"region": region, "commissioner": commissioner, "small": small, "large": large}


def _in_period(period):
    return month_bounds(period[0])


def test_every_figure_equals_the_database_counted_directly(seeded, period):
    region = seeded["region"]
    report = partnership_report(region, *period, audience=COMMISSIONERS)
    start, end = _in_period(period)
    sent = Referral.objects.filter(pdu__region=region, sent_at__gte=start, sent_at__lt=end)

    # Volumes: referrals sent to the category's services against their capacity.
    volumes = _section(report, "volumes")
    housing_sent = sent.filter(service__categories__slug="accommodation").exclude(
        status=Status.WITHDRAWN
    )
    row = _row(volumes, "Accommodation")
    assert row[1] == housing_sent.count() == 8
    assert (
        row[2]
        == housing_sent.filter(
            status__in=[Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED]
        ).count()
    )
    assert row[3] == 5  # the housing service's declared capacity, no agreement funding it
    assert row[4] == round(8 * 100 / 5, 1)

    # Timeliness: everything decided today, within two working days of sending.
    timeliness = _section(report, "timeliness")
    decided = sent.filter(decided_at__isnull=False).count()
    assert _row(timeliness, "Decision on a referral")[2:4] == [decided, decided]
    assert _row(timeliness, "First contact after acceptance")[3] == 1
    assert _row(timeliness, "End-of-service report after the last session")[2:4] == [
        EndOfServiceReport.objects.filter(referral__pdu__region=region).count(),
        1,
    ]

    # Outcomes per desired outcome.
    outcomes = _section(report, "outcomes")
    for result in OutcomeResult.objects.filter(report__referral__pdu__region=region):
        row = _row(outcomes, result.desired_outcome.description)
        assert (
            row[1]
            == OutcomeResult.objects.filter(
                desired_outcome=result.desired_outcome, result="achieved"
            ).count()
        )

    # Decline and return reasons.
    reasons = _section(report, "reasons")
    declined = {row[1]: row[2] for row in reasons["rows"] if row[0] == "Declined"}
    assert declined["No capacity"] == sent.filter(decline_reason="no_capacity").count() == 2
    assert _row(reasons, "Returned for information")[2] == (
        ReferralEvent.objects.filter(referral__pdu__region=region, kind="return").count()
    )

    # Referral quality.
    quality = _section(report, "quality")
    rated = sum(row[1] for row in quality["rows"][:3])
    assert rated == QualityRating.objects.filter(referral__pdu__region=region).count()

    # Unmet need.
    unmet = _section(report, "unmet_need")
    assert (
        _row(unmet, "Accommodation")[3]
        == UnmetNeed.objects.filter(pdu__region=region, category__slug="accommodation").count()
        == 3
    )

    # Equality: the whole is every sent referral, monitored or not.
    equality = _section(report, "equality")
    ethnicity = [row for row in equality["rows"] if row[0] == "Ethnicity"]
    assert sum(row[2] or 0 for row in ethnicity) == sent.count()

    # Surveys: none here.
    assert _section(report, "surveys")["note"] == "No survey of the region was open in this period"

    # Funding.
    funding = _section(report, "funding")
    agreements = Agreement.objects.filter(lot__pdus__region=region).distinct()
    total = agreements.aggregate(total=Sum("value"))["total"]
    assert _row(funding, "All agreements")[1:3] == [agreements.count(), total]
    assert _row(funding, "To small and micro organisations")[1:4] == [
        1,
        agreements.filter(organisation__annual_income__lt=100_000).aggregate(v=Sum("value"))["v"],
        25.0,
    ]
    assert (
        _row(funding, "To local organisations")[1]
        == agreements.filter(organisation__reach="local").count()
    )
    assert _row(funding, "Grants")[1] == agreements.filter(mechanism="grant").count() == 1
    assert _row(funding, "Contracts")[1] == agreements.filter(mechanism="contract").count()
    assert _row(funding, "Terms of 24 months or more")[1] == 1
    assert (
        _row(funding, "With a break clause")[1] == agreements.exclude(break_clause_dates=[]).count()
    )
    assert (
        _row(funding, "With a staff training budget line")[1]
        == agreements.filter(application__staff_training_budget__gt=0).count()
    )
    assert _row(funding, "Jointly funded")[1] == 1
    assert "Greater Manchester PCC" in funding["note"]

    # Risk training of staff holding cases.
    training = _section(report, "training")
    holding = Referral.objects.filter(
        pdu__region=region, status__in=[Status.ACCEPTED, Status.IN_PROGRESS]
    ).exclude(assigned_to=None)
    assert _row(training, "All providers")[1:3] == [
        holding.values("assigned_to").distinct().count(),
        1,
    ]

    # Information sharing.
    sharing = _section(report, "sharing")
    assert _row(sharing, "Small Housing CIO")[1] == "Yes"
    assert _row(sharing, "National Wellbeing Trust")[1] == "No"
    assert AgreementSignature.objects.filter(organisation=seeded["small"]).count() == 1


def test_the_providers_version_names_nobody_and_withholds_small_counts(seeded, period):
    report = partnership_report(seeded["region"], *period, audience=PROVIDERS)
    text = json.dumps(report)
    assert "Small Housing CIO" not in text and "National Wellbeing Trust" not in text
    for user in (
        seeded["region"].pdus.first().referrals.values_list("practitioner__full_name", flat=True)
    ):
        assert user not in text
    for section in report["sections"]:
        for column in section["count_columns"]:
            for row in section["rows"]:
                assert row[column] is None or not 0 < row[column] < 5, (section["key"], row)
    # 3 unmet needs are withheld; so are wellbeing's 1 referral and, since the column's
    # total would give that away, housing's 8 with it. Funding is of organisations: shown.
    assert _row(_section(report, "unmet_need"), "Accommodation")[3] is None
    volumes = _section(report, "volumes")
    assert _row(volumes, "Emotional wellbeing")[1] is None
    assert _row(volumes, "Accommodation")[1] is None
    assert _row(_section(report, "funding"), "All agreements")[1:3] == [2, 200_000]


def test_the_providers_version_gives_no_withheld_count_away_across_its_sections(seeded, period):
    """Volumes withholds wellbeing's one referral and housing's eight with it; the unmet
    need section shows the same referrals sent by category, and the equality section every
    referral sent (a group's count over its share). Read together, they must leave at least
    two categories' referrals unknown, or the one left is the whole less the others."""
    report = partnership_report(seeded["region"], *period, audience=PROVIDERS)
    volumes = {row[0]: row[1] for row in _section(report, "volumes")["rows"]}
    assert volumes["Emotional wellbeing"] is None and volumes["Accommodation"] is None
    known = {category: sent for category, sent in volumes.items() if sent is not None}
    for row in _section(report, "unmet_need")["rows"]:
        if row[4] is not None:
            known[row[0]] = row[4]
    whole = {
        round(row[2] * 100 / row[3])
        for row in _section(report, "equality")["rows"]
        if row[2] and row[3]
    }
    assert whole == {9}
    unknown = set(volumes) - set(known)
    assert len(unknown) != 1, f"{unknown} is {whole.pop() - sum(known.values())}"


def test_generating_keeps_both_versions_with_their_pdfs_once_per_period(
    seeded, period, django_capture_on_commit_callbacks
):
    commissioner = seeded["commissioner"]
    reports = report_services.partnership_report_generate(
        region=seeded["region"], period_start=period[0], period_end=period[1], by=commissioner
    )
    assert [r.audience for r in reports] == ["commissioners", "providers"]
    # The figures are kept at once; each PDF is drawn when it is first wanted, and kept.
    assert not any(report_services.report_pdf_kept(r) for r in reports)
    drawn = report_services.report_pdf_ready(reports[0])
    with report_services.report_pdf_open(drawn) as handle:
        assert handle.read(5) == b"%PDF-"
    assert report_services.report_pdf_ready(reports[0]).pdf_name == drawn.pdf_name
    with django_capture_on_commit_callbacks(execute=True):
        again = report_services.partnership_report_generate(
            region=seeded["region"], period_start=period[0], period_end=period[1], by=commissioner
        )
    assert {r.pk for r in again} == {r.pk for r in reports}
    assert PartnershipReport.objects.count() == 2
    # The PDF of the earlier figures is gone with them.
    assert not any(report_services.report_pdf_kept(r) for r in again)
    assert not report_services.private_storage().exists(
        f"{report_services.FOLDER}/{drawn.pdf_name}"
    )


def test_the_pdf_is_drawn_by_its_first_download_and_never_by_a_head(
    seeded, period, client, django_capture_on_commit_callbacks
):
    commissioner = seeded["commissioner"]
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.partnership_report_generate(
            region=seeded["region"], period_start=period[0], period_end=period[1], by=commissioner
        )[0]
    client.force_login(commissioner)
    url = f"/reports/{report.public_id}/pdf/"

    head = client.head(url)
    assert head.status_code == 200 and head["Content-Type"] == "application/pdf"
    assert 'filename="partnership-report-' in head["Content-Disposition"]
    report.refresh_from_db()
    assert report.pdf_name == ""

    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    report.refresh_from_db()
    assert report_services.report_pdf_kept(report)
    drawn = report.pdf_name
    assert client.get(url).status_code == 200
    report.refresh_from_db()
    assert report.pdf_name == drawn


def test_the_monthly_run_makes_last_months_report_once_for_regions_with_commissioners(seeded):
    today = timezone.localdate()
    assert report_services.monthly_regions() == [seeded["region"].pk]
    assert report_services.partnership_report_monthly(region_id=seeded["region"].pk, today=today)
    assert not report_services.partnership_report_monthly(
        region_id=seeded["region"].pk, today=today
    )
    kept = PartnershipReport.objects.get(audience="commissioners")
    assert kept.generated_by is None
    # The worker draws the monthly PDFs, so their first download waits for nothing.
    assert all(report_services.report_pdf_kept(r) for r in PartnershipReport.objects.all())
    assert kept.period_start == add_months(month_start(today), -1)


def test_period_months_cover_a_quarter():
    assert period_months(date(2026, 1, 1), date(2026, 3, 31)) == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]


def test_regions_whose_bodies_have_no_commissioners_get_no_monthly_report(db):
    CommissioningBodyFactory(name="A body with nobody in it")
    assert report_services.monthly_regions() == []


def test_the_surveys_section_counts_a_surveys_answers_as_the_database_holds_them(period):
    from intelligence import services as intelligence
    from intelligence.models import SurveyResponse
    from partnership.models import Pdu

    region = Region.objects.get(code="L")
    commissioner = UserFactory(role=Role.COMMISSIONER)
    survey = intelligence.survey_schedule(
        by=commissioner,
        title="Gaps in provision",
        audience="practitioners",
        regions=[region],
        opens_on=period[0],
        closes_on=period[1],
    )
    pdu = Pdu.objects.get(name="Manchester North")
    for rating in (3, 3, 3, 4, 4, 4, 4):
        intelligence.survey_answer(
            by=UserFactory(role=Role.PRACTITIONER, pdu=pdu),
            survey=survey,
            answers={"finding": rating, "gaps": ["accommodation"]},
            confidence=None,
        )

    rows = _section(partnership_report(region, *period, audience=COMMISSIONERS), "surveys")["rows"]

    answered = SurveyResponse.objects.filter(survey=survey)
    assert ["Gaps in provision", "People who answered", "", answered.count()] in rows
    finding = {row[2]: row[3] for row in rows if row[1].startswith("How easy is it to find")}
    by_value = {value: answered.filter(answers__finding=value).count() for value in range(1, 6)}
    # 7 answers: 3 of one value and 4 of another are each below 5, so both are withheld,
    # and every value no one chose is 0.
    assert sorted(count for count in finding.values() if count is not None) == [0, 0, 0]
    assert sum(1 for count in finding.values() if count is None) == 2
    assert by_value[3] == 3 and by_value[4] == 4
    gaps = [row for row in rows if row[2] == "Accommodation"]
    assert gaps and gaps[0][3] == answered.filter(answers__gaps__contains=["accommodation"]).count()


def test_beat_runs_the_monthly_reports_on_the_first_of_the_month(seeded, monkeypatch):
    from intelligence import tasks
    from partnership.celery import app

    entry = app.conf.beat_schedule["partnership-reports-monthly"]
    assert entry["task"] == "intelligence.tasks.partnership_reports_monthly"
    assert entry["schedule"].day_of_month == {1}
    queued = []
    monkeypatch.setattr(tasks.partnership_report_monthly_for, "delay", queued.append)
    assert tasks.partnership_reports_monthly.apply().get() == 1
    assert queued == [seeded["region"].pk]
    assert tasks.partnership_report_monthly_for.apply(args=[seeded["region"].pk]).get() is True
    assert tasks.partnership_report_monthly_for.apply(args=[seeded["region"].pk]).get() is False


def _covered(referral: Referral) -> bool:
    """Whether a funding agreement funded the referral's service in the month it was sent,
    worked out here one agreement at a time: live or ended, its term overlapping the month,
    and listing the service among those it funds."""
    first = month_start(timezone.localtime(referral.sent_at))
    last = add_months(first, 1) - timedelta(days=1)
    for agreement in Agreement.objects.filter(status__in=["live", "ended"]):
        if agreement.starts_on > last or agreement.ends_on < first:
            continue
        if agreement.funded_services.filter(service=referral.service).exists():
            return True
    return False


@pytest.fixture
def unfunded(seeded, period):
    """Beside the seeded month: a micro women's group with no agreement taking six
    referrals (one declined, one withdrawn); the small housing charity's mentoring service,
    which no agreement lists; a service funded by a line of an agreement; one whose
    agreement ended before the month; one funded by an agreement for another PDU's lot."""
    from commissioning.models import AgreementService
    from partnership.models import Pdu

    micro = OrganisationFactory(name="Tiny Women's Group", annual_income=5_000, reach="local")
    womens = make_service("Women's circle", organisation=micro, slugs=("womens-services",))
    practitioner = UserFactory(role=Role.PRACTITIONER)
    for status in [Status.ACCEPTED] * 3 + [Status.SENT, Status.DECLINED, Status.WITHDRAWN]:
        referral_in(status, practitioner=practitioner, service=womens)
    mentoring = make_service("Mentoring", organisation=seeded["small"], slugs=("mentoring",))
    referral_in(Status.SENT, practitioner=practitioner, service=mentoring)

    def agreement_for(service, **fields):
        lot = LotFactory(pdus=fields.pop("pdus", None))
        agreement = AgreementFactory(
            application=ApplicationFactory(
                lot=lot,
                organisation=service.organisation,
                status=Application.Status.SUCCESSFUL,
            ),
            starts_on=period[0] - timedelta(days=200),
            ends_on=fields.pop("ends_on", add_months(period[0], 12)),
            status=fields.pop("status", Agreement.Status.LIVE),
        )
        AgreementService.objects.create(
            agreement=agreement, service=service, contracted_monthly_referrals=5
        )

    lined = make_service("Lined wellbeing", slugs=("emotional-wellbeing",))
    agreement_for(lined)
    ended = make_service("Ended recovery", slugs=("dependency-recovery",))
    agreement_for(ended, ends_on=period[0] - timedelta(days=1), status=Agreement.Status.ENDED)
    elsewhere = make_service("Elsewhere recovery", slugs=("dependency-recovery",))
    agreement_for(elsewhere, pdus=Pdu.objects.filter(name="Bolton"))
    for service in (lined, ended, elsewhere):
        referral_in(Status.ACCEPTED, practitioner=practitioner, service=service)
    return {**seeded, "micro": micro}


def test_unfunded_referrals_equal_the_database_counted_directly(unfunded, period):
    region = unfunded["region"]
    report = partnership_report(region, *period, audience=COMMISSIONERS)
    section = _section(report, "unfunded")
    start, end = _in_period(period)
    sent = (
        Referral.objects.filter(pdu__region=region, sent_at__gte=start, sent_at__lt=end)
        .exclude(status=Status.WITHDRAWN)
        .select_related("service__organisation")
    )
    counted = [referral for referral in sent if not _covered(referral)]
    by_name: dict[str, list[int]] = {}
    for referral in counted:
        row = by_name.setdefault(referral.service.organisation.name, [0, 0])
        row[0] += 1
        row[1] += referral.decided_at is not None and referral.status != Status.DECLINED
    # The micro group's five (the withdrawn one is not demand), the small charity's
    # mentoring and housing, the wellbeing trust's service outside its contract's lines and
    # the ended agreement's; not the line-funded services.
    assert by_name["Tiny Women's Group"] == [5, 3]
    assert "Lined wellbeing" not in {r.service.name for r in counted}
    assert "Ended recovery" in {r.service.name for r in counted}
    # Funding is the service's, as capacity counts it, whichever PDUs the agreement's lot has.
    assert "Elsewhere recovery" not in {r.service.name for r in counted}
    # The small charity's grant lists no service, so its housing service is unfunded too.
    assert "Housing support" in {r.service.name for r in counted}
    total = len(counted)
    for name, (count, accepted) in by_name.items():
        organisation = Organisation.objects.get(name=name)
        assert _row(section, name)[1:] == [
            SizeBand(organisation.size_band).label,
            count,
            accepted,
            round(count * 100 / total, 1),
        ]
    small = [r for r in counted if r.service.organisation.size_band in ("micro", "small")]
    assert _row(section, "Small and micro organisations")[2:] == [
        len(small),
        sum(r.decided_at is not None and r.status != Status.DECLINED for r in small),
        round(len(small) * 100 / total, 1),
    ]
    housing = sum(r.service.name == "Housing support" for r in counted)
    assert housing and len(small) == 5 + 1 + housing
    assert _row(section, "All organisations")[2] == total
    assert f"took {round(len(small) * 100 / total, 1)}% of the {total}" in section["note"]

    # The providers' version names no organisation: size bands only, small counts withheld
    # and, with one withheld, no share that would give the total away.
    providers = _section(partnership_report(region, *period, audience=PROVIDERS), "unfunded")
    assert [row[0] for row in providers["rows"]] == [
        "Small and micro organisations",
        "Medium and larger organisations",
        "Organisations of unknown size",
        "All organisations",
    ]
    assert "Tiny Women's Group" not in json.dumps(providers)
    published = {row[0]: row for row in providers["rows"]}
    assert published["Small and micro organisations"][2] == len(small)
    large = total - len(small)
    assert large < 5 and published["Medium and larger organisations"][2] is None
    assert all(row[4] is None for row in providers["rows"])
    assert all(bar["value"] is None for bar in providers["chart"]["bars"])


def test_training_counts_staff_who_held_cases_in_a_past_period(seeded):
    """Last month: a case held through it, one closed before it began (not counted), one
    closed after it ended (counted), one accepted after it; closing a case later changes
    nothing."""
    region = seeded["region"]
    period_start = add_months(month_start(timezone.localdate()), -1)
    period_end = add_months(period_start, 1) - timedelta(days=1)
    start, end = month_bounds(period_start)
    service = make_service("Held cases")
    admin = provider_admin_for(service)
    practitioner = UserFactory(role=Role.PRACTITIONER)
    before = start - timedelta(days=10)

    def held(decided_at, *, trained_on):
        referral = referral_in(Status.ACCEPTED, practitioner=practitioner, service=service)
        caseworker = trained_caseworker_for(service)
        TrainingRecord.objects.filter(staff_member=caseworker).update(completed_on=trained_on)
        referrals.referral_assign(referral=referral, by=admin, caseworker=caseworker)
        Referral.objects.filter(pk=referral.pk).update(decided_at=decided_at)
        referral.refresh_from_db()
        return referral

    through = held(before, trained_on=period_start - timedelta(days=30))
    closed_before = held(before - timedelta(days=20), trained_on=period_start)
    closed_after = held(before, trained_on=period_end + timedelta(days=1))
    accepted_after = held(end + timedelta(hours=1), trained_on=period_start)
    referrals.referral_withdraw(referral=closed_before, by=practitioner, reason="moved")
    ReferralEvent.objects.filter(referral=closed_before, kind="withdraw").update(
        at=start - timedelta(days=1)
    )

    def figures():
        report = partnership_report(region, period_start, period_end, audience=COMMISSIONERS)
        return _section(report, "training")

    first = figures()
    referrals.referral_withdraw(referral=closed_after, by=practitioner, reason="moved")
    assert figures() == first

    # Counted straight: assigned, accepted before the end, not closed before the start.
    expected = set()
    for referral in Referral.objects.filter(pdu__region=region).exclude(assigned_to=None):
        closing = (
            referral.events.filter(to_status=referral.status).order_by("-at").first()
            if referral.status in ("completed", "declined", "withdrawn")
            else None
        )
        closed = closing.at if closing else None
        if (
            referral.decided_at is not None
            and referral.decided_at < end
            and referral.status != Status.DECLINED
            and (closed is None or closed >= start)
        ):
            expected.add(referral.assigned_to_id)
    assert through.assigned_to_id in expected and closed_after.assigned_to_id in expected
    assert closed_before.assigned_to_id not in expected
    assert accepted_after.assigned_to_id not in expected
    trained = User.objects.filter(pk__in=expected).filter(
        training_records__kind="risk_awareness",
        training_records__completed_on__lte=period_end,
    )
    assert _row(first, "All providers")[1:3] == [len(expected), trained.distinct().count()]
    assert _row(first, service.organisation.name)[1:3] == [2, 1]


def test_the_providers_quality_figures_give_no_withheld_count_away(period):
    """Six referrals rated complete, two missing something, five unusable: the two are
    withheld in the providers' version, and neither the number rated nor the other ratings'
    shares of it may be published, or the two is the total less the rest."""
    from intelligence import services as intelligence

    region = Region.objects.get(code="L")
    service = make_service("Rated housing")
    admin = provider_admin_for(service)
    practitioner = UserFactory(role=Role.PRACTITIONER)
    for rating, missing, times in (
        ("complete", [], 6),
        ("missing", ["risk"], 2),
        ("unusable", ["needs"], 5),
    ):
        for _ in range(times):
            referral = referral_in(Status.ACCEPTED, practitioner=practitioner, service=service)
            intelligence.quality_rate(
                referral=referral, by=admin, decision="accept", rating=rating, missing=missing
            )

    commissioners = _section(partnership_report(region, *period, audience=COMMISSIONERS), "quality")
    assert _row(commissioners, "Missing something")[1] == 2
    assert "13 referrals rated" in commissioners["note"]

    quality = _section(partnership_report(region, *period, audience=PROVIDERS), "quality")
    ratings = quality["rows"][:3]
    assert _row(quality, "Missing something")[1] is None
    # The attack: the number rated, read from the note or from any published share,
    # less the published counts.
    totals = {int(word) for word in quality["note"].split() if word.isdigit()}
    totals |= {
        round(count * 100 / share)
        for _, count, share in ratings
        if count is not None and share not in (None, 0)
    }
    published = sum(count for _, count, _ in ratings if count is not None)
    assert all(total - published != 2 for total in totals), quality
    # Nor may what was found missing be: the unusable five named "needs", the two "risk".
    missing = {row[0]: row[1] for row in quality["rows"][3:]}
    assert missing["Missing: Risk of serious harm levels or summary"] is None
    assert all(
        bar["value"] is None
        for bar in quality["chart"]["bars"]
        if bar["label"] == "Missing something"
    )
