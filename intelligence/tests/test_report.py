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
from intelligence.models import CHARACTERISTICS, PartnershipReport, QualityRating, UnmetNeed
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
    assert report_services.report_pdf_name(drawn) == report_services.report_pdf_name(reports[0])
    with django_capture_on_commit_callbacks(execute=True):
        again = report_services.partnership_report_generate(
            region=seeded["region"], period_start=period[0], period_end=period[1], by=commissioner
        )
    assert {r.pk for r in again} == {r.pk for r in reports}
    assert PartnershipReport.objects.count() == 2
    # The PDF of the earlier figures is gone with them.
    assert not any(report_services.report_pdf_kept(r) for r in again)
    assert not report_services.private_storage().exists(report_services.report_pdf_name(drawn))


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
    assert not report_services.report_pdf_kept(report)

    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert report_services.report_pdf_kept(report)
    assert client.head(url)["Content-Length"] == str(
        report_services.private_storage().size(report_services.report_pdf_name(report))
    )


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


# Every figure, counted straight -------------------------------------------------------------
#
# Each section's table is rebuilt here from the database with queries of the test's own, to
# the rules the sections' sources state, and the report's is walked cell by cell against it:
# every row (by its label cells) and every figure in it. None of the report's own functions
# is called to work out what is expected.


def _advance(referral, stage: str, *, admin, result: str = "achieved", reason: str = "no_capacity"):
    """Move a sent referral on to a stage of the equality table: declined (with the reason),
    accepted, or completed with every desired outcome judged `result`."""
    if stage == "declined":
        return referrals.referral_decline(referral=referral, by=admin, reason=reason)
    referral = referrals.referral_accept(referral=referral, by=admin)
    if stage == "accepted":
        return referral
    referrals.session_record(
        referral=referral,
        by=admin,
        kind="first_contact",
        held_on=timezone.localdate(),
        mode="in_person",
        attendance="attended",
    )
    referrals.report_send(
        referral=referral,
        by=admin,
        closing_reason="completed",
        summary="Done.",
        outcomes={o.pk: (result, "") for o in referral.desired_outcomes.all()},
    )
    referral.refresh_from_db()
    return referral


@pytest.fixture
def every_figure(seeded, period):
    """The seeded month and more, so that nearly every cell of every section has something
    to count: two equality groups for every characteristic (and some not recorded) with 0
    or at least 5 referrals in every stage, so nothing there is withheld; outcomes judged
    achieved, partly and not; late decisions, contacts and reports; ratings, and returns
    naming the same thing missing; unmet need in two categories; a survey with two of its
    rating's answers under 5 (withheld); a service shared with another region."""
    from intelligence import services as intelligence
    from intelligence.models import EqualityMonitoring
    from partnership.models import Pdu
    from referrals.models import Session

    region = seeded["region"]
    housing = seeded["small"].services.get(name="Housing support")
    wellbeing = seeded["large"].services.get(name="Wellbeing")
    elsewhere = Pdu.objects.exclude(region=region).order_by("name").first()
    shared = make_service(
        "Shared recovery",
        organisation=seeded["large"],
        slugs=("dependency-recovery",),
        pdus=("Manchester North", elsewhere.name),
        monthly_capacity=7,
    )
    practitioner = UserFactory(role=Role.PRACTITIONER)
    admins = {s.pk: provider_admin_for(s) for s in (housing, wellbeing, shared)}

    def monitored(answers: dict | None, stage: str, service, **how):
        referral = referral_in(Status.SENT, practitioner=practitioner, service=service)
        if answers is not None:
            EqualityMonitoring.objects.create(
                referral=referral, recorded_by=practitioner, **answers
            )
        if stage != "not_decided":
            referral = _advance(referral, stage, admin=admins[service.pk], **how)
        return referral

    def profile(index: int) -> dict:
        answers = {}
        for name in CHARACTERISTICS:
            choices = [v for v, _ in EqualityMonitoring._meta.get_field(name).choices]
            answers[name] = [v for v in choices if v != "prefer_not"][index]
        return answers

    first, second = profile(0), profile(1)
    # The seeded nine (2 not decided, 2 declined, 4 accepted, 1 achieved) join the first
    # profile, which comes to 5 in every stage; the second has 5 declined, accepted and
    # achieved; five more are not recorded, all still to be decided.
    for referral in Referral.objects.filter(pdu__region=region):
        EqualityMonitoring.objects.create(referral=referral, recorded_by=practitioner, **first)
    plan = [
        (first, "not_decided", housing, {}),
        (first, "not_decided", housing, {}),
        (first, "not_decided", shared, {}),
        (first, "declined", housing, {"reason": "outside_eligibility"}),
        (first, "declined", wellbeing, {"reason": "duplicate"}),
        (first, "declined", shared, {"reason": "outside_eligibility"}),
        (first, "accepted", shared, {}),
        *[(first, "completed", wellbeing, {"result": "not_achieved"})] * 3,
        *[(first, "completed", housing, {"result": "partially_achieved"})] * 2,
        *[(first, "achieved", wellbeing, {})] * 2,
        *[(first, "achieved", shared, {})] * 2,
        *[(second, "declined", housing, {"reason": "risk_unmanageable"})] * 5,
        *[(second, "accepted", wellbeing, {})] * 3,
        *[(second, "accepted", shared, {})] * 2,
        *[(second, "achieved", housing, {})] * 3,
        *[(second, "achieved", wellbeing, {"result": "achieved"})] * 2,
        *[(None, "not_decided", wellbeing, {})] * 5,
    ]
    made = [monitored(answers, stage, service, **how) for answers, stage, service, how in plan]

    # Late (beside those still awaited when the report is made, after the month): a
    # decision taken a month after sending, a first contact and a report (the last session
    # long before it).
    late = made[3]
    Referral.objects.filter(pk=late.pk).update(decided_at=late.sent_at + timedelta(days=30))
    slow = made[6]
    referrals.session_record(
        referral=slow,
        by=admins[shared.pk],
        kind="first_contact",
        held_on=timezone.localdate(),
        mode="in_person",
        attendance="attended",
    )
    Session.objects.filter(referral=slow).update(held_on=period[1] + timedelta(days=40))
    Session.objects.filter(referral=made[9]).update(held_on=period[0] - timedelta(days=20))

    # Ratings: accepted ones rated, and two returns naming the same thing missing.
    for referral, rating, missing in (
        (made[6], "complete", []),
        (made[21], "missing", ["risk", "needs"]),
        (made[22], "unusable", ["needs"]),
    ):
        intelligence.quality_rate(
            referral=referral,
            by=admins[referral.service_id],
            decision="accept",
            rating=rating,
            missing=missing,
        )
    for again in (True, False):
        returned = referral_in(Status.RETURNED, practitioner=practitioner, service=housing)
        if again:  # returned twice, rated once: its missing information counts once
            returned = referrals.referral_send(referral=returned, by=practitioner)
            returned = referrals.referral_return(
                referral=returned, by=admins[housing.pk], reason="Still no sentence details."
            )
        intelligence.quality_rate(
            referral=returned,
            by=admins[housing.pk],
            decision="return",
            rating="missing",
            missing=["sentence"],
        )

    # Unmet need: a second category, most often too far away and in another PDU.
    other_pdu = Pdu.objects.filter(region=region).exclude(pk=practitioner.pdu_id).first()
    recovery = ServiceCategory.objects.get(slug="dependency-recovery")
    for reason, pdu in (("too_far", other_pdu), ("too_far", other_pdu), ("full", practitioner.pdu)):
        unmet_need_record(
            by=UserFactory(role=Role.PRACTITIONER, pdu=pdu),
            category=recovery,
            pdu=pdu,
            reason=reason,
        )

    # A survey: 17 answers, 3 and 4 of them the two withheld ratings.
    survey = intelligence.survey_schedule(
        by=seeded["commissioner"],
        title="Gaps in provision",
        audience="practitioners",
        regions=[region],
        opens_on=period[0],
        closes_on=period[1],
    )
    north = Pdu.objects.get(name="Manchester North")
    for index, finding in enumerate([1] * 3 + [2] * 5 + [4] * 5 + [5] * 4):
        gaps = ["accommodation"] if index < 10 else ["emotional-wellbeing"]
        intelligence.survey_answer(
            by=UserFactory(role=Role.PRACTITIONER, pdu=north),
            survey=survey,
            answers={"finding": finding, "gaps": gaps},
            confidence=None,
        )
    return seeded


def _local(moment) -> date:
    return timezone.localtime(moment).date()


def _pct(part, whole):
    return round(part * 100 / whole, 1) if whole else None


def _expected_volumes(region, start, end, months):
    from commissioning.models import AgreementService
    from providers.models import Service

    sent_in = Referral.objects.filter(pdu__region=region, sent_at__gte=start, sent_at__lt=end)
    rows = []
    for category in ServiceCategory.objects.order_by("name"):
        sent = sent_in.filter(service__categories=category).exclude(status=Status.WITHDRAWN).count()
        accepted = Referral.objects.filter(
            pdu__region=region,
            service__categories=category,
            decided_at__gte=start,
            decided_at__lt=end,
            status__in=[Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED],
        ).count()
        capacity = 0.0
        for month in months:
            first, following = month_bounds(month)
            last_day = add_months(month, 1) - timedelta(days=1)
            for service in (
                Service.objects.filter(categories=category, created_at__lt=following)
                .exclude(status=Service.Status.CLOSED)
                .prefetch_related("pdus")
            ):
                pdus = list(service.pdus.all())
                here = sum(pdu.region_id == region.pk for pdu in pdus)
                if not here:
                    continue
                lines = AgreementService.objects.filter(
                    service=service,
                    agreement__status__in=["live", "ended"],
                    agreement__starts_on__lte=last_day,
                    agreement__ends_on__gte=month,
                )
                monthly = (
                    sum(line.contracted_monthly_referrals for line in lines)
                    if lines.exists()
                    else service.monthly_capacity or 0
                )
                capacity += monthly * here / len(pdus)
        if sent or capacity:
            rows.append([category.name, sent, accepted, round(capacity, 1), _pct(sent, capacity)])
    return rows


def _expected_timeliness(region, start, end, today):
    from django.conf import settings
    from django.db.models import Max, Min

    from partnership.working_days import add_working_days

    sent = Referral.objects.filter(pdu__region=region, sent_at__gte=start, sent_at__lt=end)
    decision_days = settings.REFERRAL_DECISION_WORKING_DAYS
    contact_days = settings.REFERRAL_FIRST_CONTACT_WORKING_DAYS
    report_days = settings.REFERRAL_REPORT_WORKING_DAYS
    decisions = []  # on time or not, for each referral decided or overdue
    for referral in sent:
        due = add_working_days(_local(referral.sent_at), decision_days)
        if referral.decided_at is not None:
            decisions.append(_local(referral.decided_at) <= due)
        elif referral.status == Status.SENT and due < today:
            decisions.append(False)
    contacts = []
    for referral in sent.filter(
        status__in=[Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED]
    ).annotate(first=Min("sessions__held_on")):
        due = add_working_days(_local(referral.sent_at), contact_days)
        if referral.first is not None:
            contacts.append(referral.first <= due)
        elif due < today:
            contacts.append(False)
    reports = []
    for report in EndOfServiceReport.objects.filter(
        referral__pdu__region=region, sent_at__gte=start, sent_at__lt=end
    ):
        last = report.referral.sessions.aggregate(last=Max("held_on"))["last"]
        if last is not None:
            reports.append(_local(report.sent_at) <= add_working_days(last, report_days))
    return [
        [label, days, len(steps), sum(steps), _pct(sum(steps), len(steps))]
        for label, days, steps in (
            ("Decision on a referral", decision_days, decisions),
            ("First contact after acceptance", contact_days, contacts),
            ("End-of-service report after the last session", report_days, reports),
        )
    ]


def _expected_outcomes(region, start, end):
    results = OutcomeResult.objects.filter(
        report__referral__pdu__region=region, report__sent_at__gte=start, report__sent_at__lt=end
    )
    rows = []
    for description in sorted(set(results.values_list("desired_outcome__description", flat=True))):
        counts = [
            results.filter(desired_outcome__description=description, result=value).count()
            for value in ("achieved", "partially_achieved", "not_achieved")
        ]
        rows.append([description, *counts, _pct(counts[0], sum(counts))])
    return rows


def _expected_reasons(region, start, end):
    from intelligence.models import MissingInformation
    from referrals.models import DeclineReason

    declined = Referral.objects.filter(
        pdu__region=region, status=Status.DECLINED, decided_at__gte=start, decided_at__lt=end
    )
    returns = ReferralEvent.objects.filter(
        referral__pdu__region=region, kind="return", at__gte=start, at__lt=end
    )
    # What each referral returned in the period was missing, as its rating on return says
    # (once, however often it was returned).
    returned = QualityRating.objects.filter(
        referral__in=returns.values("referral"), decision="return"
    )
    rows = [
        ["Declined", label, declined.filter(decline_reason=value).count()]
        for value, label in DeclineReason.choices
    ]
    rows.append(["Returned for information", "All returns", returns.count()])
    rows += [
        [
            "Returned for information",
            f"Missing: {label}",
            returned.filter(missing__contains=[value]).count(),
        ]
        for value, label in MissingInformation.choices
    ]
    return rows


def _expected_quality(region, start, end):
    from intelligence.models import MissingInformation

    ratings = QualityRating.objects.filter(
        referral__pdu__region=region, rated_at__gte=start, rated_at__lt=end
    )
    rated = ratings.count()
    rows = []
    for value, label in QualityRating.Rating.choices:
        count = ratings.filter(rating=value).count()
        rows.append([label, count, _pct(count, rated) if rated else 0.0])
    for value, label in MissingInformation.choices:
        count = ratings.filter(missing__contains=[value]).count()
        if count:
            rows.append([f"Missing: {label}", count, None])
    return rows, rated


def _expected_unmet_need(region, start, end):
    from collections import Counter

    needs = UnmetNeed.objects.filter(
        pdu__region=region, recorded_at__gte=start, recorded_at__lt=end
    )
    reasons = dict(UnmetNeed.Reason.choices)
    rows = []
    for category in ServiceCategory.objects.order_by("name"):
        mine = needs.filter(category=category)
        if not mine.exists():
            continue
        (reason, _), *_ = Counter(mine.values_list("reason", flat=True)).most_common()
        (pdu, _), *_ = Counter(mine.values_list("pdu__name", flat=True)).most_common()
        sent = (
            Referral.objects.filter(
                pdu__region=region,
                sent_at__gte=start,
                sent_at__lt=end,
                service__categories=category,
            )
            .exclude(status=Status.WITHDRAWN)
            .count()
        )
        rows.append([category.name, reasons[reason], pdu, mine.count(), sent])
    return rows


def _withheld_if_small(count: int):
    """A count as the survey publishes it in this dataset: 1 to 4 withheld (each withheld
    rating here has another withheld beside it, so none more is)."""
    return None if 0 < count < 5 else count


def _expected_surveys(region, period):
    from intelligence.models import Survey, SurveyResponse
    from intelligence.surveys import questions_for

    rows = []
    for survey in (
        Survey.objects.filter(regions=region, opens_on__lte=period[1], closes_on__gte=period[0])
        .distinct()
        .order_by("opens_on", "id")
    ):
        answered = SurveyResponse.objects.filter(survey=survey, region=region)
        rows.append([survey.title, "People who answered", "", _withheld_if_small(answered.count())])
        questions = questions_for(audience=survey.audience, version=survey.questions_version)
        for question in questions:
            if question.kind == "rating":
                for value, label in enumerate(question.scale, start=1):
                    count = answered.filter(**{f"answers__{question.key}": value}).count()
                    rows.append([survey.title, question.text, label, _withheld_if_small(count)])
        for question in questions:
            if question.kind == "categories":
                for category in ServiceCategory.objects.order_by("name"):
                    count = answered.filter(
                        **{f"answers__{question.key}__contains": [category.slug]}
                    ).count()
                    rows.append(
                        [survey.title, question.text, category.name, _withheld_if_small(count)]
                    )
    return rows


def _stage(referral) -> str:
    """Where a sent referral got to, as the equality figures' stages are defined."""
    if referral.status == Status.COMPLETED:
        achieved = OutcomeResult.objects.filter(
            report__referral=referral, result="achieved"
        ).exists()
        return "achieved" if achieved else "completed"
    if referral.status in (Status.ACCEPTED, Status.IN_PROGRESS) or (
        referral.status == Status.WITHDRAWN and referral.decided_at is not None
    ):
        return "accepted"
    if referral.status == Status.DECLINED:
        return "declined"
    return "not_decided"


def _rates(stages: list[str]) -> dict[str, float | None]:
    """Acceptance (of those decided), completion (of those accepted) and outcome (of those
    completed) rates, from a list of stages."""
    n = {key: stages.count(key) for key in ("declined", "accepted", "completed", "achieved")}
    accepted = n["accepted"] + n["completed"] + n["achieved"]
    completed = n["completed"] + n["achieved"]
    return {
        "acceptance": _pct(accepted, accepted + n["declined"]),
        "completion": _pct(completed, accepted),
        "outcome": _pct(n["achieved"], completed),
    }


def _expected_equality(region, start, end):
    from intelligence.models import PREFER_NOT, EqualityMonitoring

    sent = list(
        Referral.objects.filter(pdu__region=region, sent_at__gte=start, sent_at__lt=end)
        .exclude(status=Status.DRAFT)
        .select_related("equality_monitoring")
    )
    stages = {referral.pk: _stage(referral) for referral in sent}
    whole = _rates(list(stages.values()))

    def answer(referral, name):
        monitoring = getattr(referral, "equality_monitoring", None)
        return getattr(monitoring, name, "") if monitoring else ""

    rows = []
    for name in CHARACTERISTICS:
        field = EqualityMonitoring._meta.get_field(name)
        groups = [(v, label) for v, label in field.choices if v != PREFER_NOT[0]]
        for value, label in [*groups, PREFER_NOT, ("", "Not recorded")]:
            members = [stages[r.pk] for r in sent if answer(r, name) == value]
            rates = _rates(members)
            cells = []
            for rate in ("acceptance", "completion", "outcome"):
                ratio = (
                    round(rates[rate] / whole[rate], 2)
                    if rates[rate] is not None and whole[rate]
                    else None
                )
                cells += [rates[rate], ratio]
            rows.append(
                [
                    str(field.verbose_name).capitalize(),
                    label,
                    len(members),
                    _pct(len(members), len(sent)),
                    *cells,
                ]
            )
    return rows


def _expected_funding(region, period):
    agreements = (
        Agreement.objects.filter(
            lot__pdus__region=region, starts_on__lte=period[1], ends_on__gte=period[0]
        )
        .exclude(status=Agreement.Status.MOBILISING, starts_on__gt=period[1])
        .distinct()
    )
    total = agreements.aggregate(v=Sum("value"))["v"] or 0
    long_term = [a.pk for a in agreements if add_months(a.starts_on, 24) <= a.ends_on]
    measures = [
        ("All agreements", agreements),
        (
            "To small and micro organisations",
            agreements.filter(organisation__size_band__in=["micro", "small"]),
        ),
        ("To local organisations", agreements.filter(organisation__reach="local")),
        ("Grants", agreements.filter(mechanism="grant")),
        ("Contracts", agreements.filter(mechanism="contract")),
        ("Terms of 24 months or more", agreements.filter(pk__in=long_term)),
        ("With a break clause", agreements.exclude(break_clause_dates=[])),
        (
            "With a staff training budget line",
            agreements.filter(application__staff_training_budget__gt=0),
        ),
        ("Jointly funded", agreements.filter(lot__funding_round__co_funders__isnull=False)),
    ]
    rows = []
    for label, chosen in measures:
        chosen = Agreement.objects.filter(pk__in=chosen.values("pk"))
        value = chosen.aggregate(v=Sum("value"))["v"] or 0
        rows.append([label, chosen.count(), value, _pct(value, total)])
    return rows


def _expected_unfunded(region, start, end):
    sent = (
        Referral.objects.filter(pdu__region=region, sent_at__gte=start, sent_at__lt=end)
        .exclude(status=Status.WITHDRAWN)
        .select_related("service__organisation")
    )
    counted = [referral for referral in sent if not _covered(referral)]
    total = len(counted)

    def taken(chosen):
        return sum(r.decided_at is not None and r.status != Status.DECLINED for r in chosen)

    organisations = {r.service.organisation for r in counted}
    rows = []
    for organisation in sorted(
        organisations,
        key=lambda o: (-sum(r.service.organisation == o for r in counted), o.name),
    ):
        mine = [r for r in counted if r.service.organisation == organisation]
        rows.append(
            [
                organisation.name,
                SizeBand(organisation.size_band).label,
                len(mine),
                taken(mine),
                _pct(len(mine), total),
            ]
        )
    for label, bands in (
        ("Small and micro organisations", ("micro", "small")),
        ("Medium and larger organisations", ("medium", "large", "major", "super_major")),
        ("Organisations of unknown size", ("unknown",)),
    ):
        mine = [r for r in counted if r.service.organisation.size_band in bands]
        rows.append([label, "", len(mine), taken(mine), _pct(len(mine), total)])
    rows.append(["All organisations", "", total, taken(counted), 100.0 if total else None])
    return rows


def _expected_training(region, start, end, period_end):
    held = set()
    for referral in Referral.objects.filter(pdu__region=region).exclude(assigned_to=None):
        closed = None
        if referral.status in ("completed", "declined", "withdrawn"):
            closing = referral.events.filter(to_status=referral.status).order_by("-at").first()
            closed = closing.at if closing else referral.decided_at
        if (
            referral.decided_at is not None
            and referral.decided_at < end
            and referral.status != Status.DECLINED
            and (closed is None or closed >= start)
        ):
            held.add(referral.assigned_to_id)
    staff = User.objects.filter(pk__in=held).select_related("organisation")
    trained = {
        record.staff_member_id
        for record in TrainingRecord.objects.filter(
            staff_member__in=staff, kind="risk_awareness", completed_on__lte=period_end
        )
        if record.expires_on is None or record.expires_on >= period_end
    }
    names = sorted(
        {user.organisation.name if user.organisation else "No organisation" for user in staff}
    )
    rows = []
    for name in names:
        mine = [
            u.pk
            for u in staff
            if (u.organisation.name if u.organisation else "No organisation") == name
        ]
        current = sum(pk in trained for pk in mine)
        rows.append([name, len(mine), current, _pct(current, len(mine))])
    rows.append(["All providers", len(held), len(trained), _pct(len(trained), len(held))])
    return rows


def _expected_sharing(region):
    from providers.models import InformationSharingAgreement, Service

    current = (
        InformationSharingAgreement.objects.filter(published_at__lte=timezone.now())
        .order_by("-published_at", "-id")
        .first()
    )
    organisations = Organisation.objects.filter(
        pk__in=Service.objects.filter(pdus__region=region)
        .exclude(status=Service.Status.CLOSED)
        .values("organisation")
    ).order_by("name")
    rows = []
    for organisation in organisations:
        signature = AgreementSignature.objects.filter(
            agreement=current, organisation=organisation
        ).first()
        rows.append(
            [
                organisation.name,
                "Yes" if signature else "No",
                f"{timezone.localtime(signature.signed_at):%d %B %Y}" if signature else "",
            ]
        )
    return rows


def test_every_figure_equals_the_database_counted_directly(every_figure, period):
    region = every_figure["region"]
    # Made after the month, so whatever is still awaited is late.
    today = period[1] + timedelta(days=10)
    report = partnership_report(region, *period, audience=COMMISSIONERS, today=today)
    start, end = _in_period(period)
    months = period_months(*period)
    quality_rows, rated = _expected_quality(region, start, end)
    expected = {
        "volumes": _expected_volumes(region, start, end, months),
        "timeliness": _expected_timeliness(region, start, end, today),
        "outcomes": _expected_outcomes(region, start, end),
        "reasons": _expected_reasons(region, start, end),
        "quality": quality_rows,
        "unmet_need": _expected_unmet_need(region, start, end),
        "surveys": _expected_surveys(region, period),
        "equality": _expected_equality(region, start, end),
        "funding": _expected_funding(region, period),
        "unfunded": _expected_unfunded(region, start, end),
        "training": _expected_training(region, start, end, period[1]),
        "sharing": _expected_sharing(region),
    }
    # Every section is here, and none is counted from nothing.
    assert [section["key"] for section in report["sections"]] == list(expected)
    checked, withheld = 0, 0
    for section in report["sections"]:
        key, labels = section["key"], section["label_columns"]
        rows = expected[key]
        assert rows, f"{key}: nothing seeded to count"
        # Every row, named by its label cells, and no other.
        named = {tuple(row[:labels]): row for row in rows}
        assert len(named) == len(rows), key
        assert sorted(map(str, (tuple(r[:labels]) for r in section["rows"]))) == sorted(
            map(str, named)
        ), key
        for row in section["rows"]:
            want = named[tuple(row[:labels])]
            assert len(row) == len(want) == len(section["columns"]), (key, row)
            # Every cell, figures and labels alike.
            for column, cell, value in zip(section["columns"], row, want, strict=True):
                assert cell == value, f"{key} / {row[:labels]} / {column}: {cell!r} != {value!r}"
                if column not in section["columns"][:labels]:
                    checked += 1
                    withheld += cell is None
        # No column passes for being all zeros or blanks: each has a figure to get wrong.
        for column in range(labels, len(section["columns"])):
            assert any(row[column] for row in section["rows"]), (key, section["columns"][column])
        # Each bar is its row's figure (the sharing chart counts the rows, below).
        for bar in section["chart"]["bars"] if key != "sharing" else ():
            rows_named = [
                row
                for row in section["rows"]
                if bar["label"]
                in {str(row[0]), str(row[1]), f"{row[0]}: {row[1]}", f"{row[1]}: {row[-2]}"}
            ]
            assert any(bar["value"] in row[labels:] for row in rows_named), (key, bar)
    # Blank cells are rates out of nothing (a group with no referrals decided) and the two
    # survey ratings withheld; all the rest are figures.
    assert checked > 500 and checked - withheld > 350, (checked, withheld)

    # The figures notes give, and what is withheld here.
    assert _section(report, "quality")["note"] == f"{rated} referrals rated."
    survey_rows = _section(report, "surveys")["rows"]
    assert sum(row[3] is None for row in survey_rows) == 2
    equality = _section(report, "equality")["rows"]
    assert all(row[2] is not None for row in equality)  # nothing withheld there
    assert {row[6] for row in equality if row[2]} - {None}, "completion rates shown"
    unfunded = _section(report, "unfunded")
    small = _row(unfunded, "Small and micro organisations")
    assert unfunded["note"] == (
        f"Small and micro organisations took {small[4] or 0}% of the "
        f"{_row(unfunded, 'All organisations')[2]} referrals that no funding agreement covered."
    )
    sharing = _section(report, "sharing")
    signed = sum(row[1] == "Yes" for row in sharing["rows"])
    assert sharing["note"] == f"{signed} of {len(sharing['rows'])} organisations have signed."
    assert [(bar["label"], bar["value"]) for bar in sharing["chart"]["bars"]] == [
        ("Signed the agreement in force", signed),
        ("Not signed", len(sharing["rows"]) - signed),
    ]


def test_both_versions_give_the_same_equality_rates_completion_among_them(every_figure, period):
    """The equality figures are suppressed once, as the equality page's are: the providers'
    version withholds nothing more of them, and both give each group's completion rate."""
    region = every_figure["region"]
    commissioners = _section(
        partnership_report(region, *period, audience=COMMISSIONERS), "equality"
    )
    providers = _section(partnership_report(region, *period, audience=PROVIDERS), "equality")
    assert providers["rows"] == commissioners["rows"]
    assert providers["columns"][6:8] == ["Completion rate", "Completion against all"]
    female = next(row for row in providers["rows"] if row[:2] == ["Sex", "Female"])
    assert female[6] == round(10 * 100 / 15, 1)  # 10 of the group's 15 accepted completed
