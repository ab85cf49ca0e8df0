"""The demo's intelligence reads as a real region's would: unmet need heaviest where there is
no local service, equality answers on its referrals (published only as suppressed groups),
ratings of its referrals' information, and surveys (one closed with answers to read, one
open to answer); loading again changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db.models import F
from django.utils import timezone

from intelligence import figures
from intelligence.models import (
    EqualityMonitoring,
    PartnershipReport,
    QualityRating,
    Survey,
    UnmetNeed,
)
from partnership.models import Pdu, User
from partnership.months import LONDON, add_months, month_bounds, month_start
from providers.models import Service, SizeBand
from referrals.models import Referral, Status

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _sections(audience: str) -> dict[str, dict]:
    report = PartnershipReport.objects.get(region__code="L", audience=audience)
    return {section["key"]: section for section in report.figures["sections"]}


def _assert_the_report_reads_as_a_regions(today: date) -> None:
    """The demo's kept report covers last month, whole, and reads as a real region's would:
    accommodation and women's services oversubscribed, wellbeing under-used, a small
    provider taking referrals no agreement funds, survey answers, and unmet need where no
    local service exists."""
    first = add_months(month_start(today), -1)
    report = PartnershipReport.objects.get(region__code="L", audience="commissioners")
    assert (report.period_start, report.period_end) == (first, month_start(today) - timedelta(1))
    assert PartnershipReport.objects.filter(audience="providers").count() == 1
    sections = _sections("commissioners")

    used = {row[0]: row[4] for row in sections["volumes"]["rows"]}
    assert used["Accommodation"] > 100
    assert used["Women's services"] > 100
    assert used["Emotional wellbeing"] < 50

    # A small organisation took referrals no agreement funded, and took most of them on.
    small_labels = {SizeBand.MICRO.label, SizeBand.SMALL.label}
    unfunded = sections["unfunded"]["rows"]
    small = [row for row in unfunded if row[1] in small_labels]
    assert small and small[0][2] >= 5 and small[0][3] > small[0][2] / 2
    share = next(row for row in unfunded if row[0] == "Small and micro organisations")
    assert share[2] == sum(row[2] for row in small) and share[4] > 0
    # The providers' version shows the same share, named by size alone.
    published = _sections("providers")["unfunded"]["rows"]
    assert published[0][0] == "Small and micro organisations" and published[0][2:] == share[2:]
    assert small[0][0] not in str(published)

    answered = next(row for row in sections["surveys"]["rows"] if row[1] == "People who answered")
    assert answered[3] >= 5

    # Unmet need: most of the month's is recorded where no local service of the kind
    # exists, and so is the category recorded most (at the PDU recorded most).
    start, end = month_bounds(first)
    needs = UnmetNeed.objects.filter(
        pdu__region__code="L", recorded_at__gte=start, recorded_at__lt=end
    )
    local = set(
        Service.objects.filter(status=Service.Status.ACTIVE).values_list("pdus", "categories")
    )
    without = sum(1 for pair in needs.values_list("pdu", "category") if pair not in local)
    assert without > needs.count() / 2
    top = max(sections["unmet_need"]["rows"], key=lambda row: row[3])
    assert not Service.objects.filter(
        status=Service.Status.ACTIVE, pdus__name=top[2], categories__name=top[0]
    ).exists()


def test_the_demo_has_unmet_need_equality_answers_and_ratings(client):
    from partnership.demo import load_demo

    first = load_demo()
    counts = (
        UnmetNeed.objects.count(),
        EqualityMonitoring.objects.count(),
        QualityRating.objects.count(),
    )

    # Unmet need in every PDU of the region, heaviest where no local service exists.
    pairs = Counter(UnmetNeed.objects.values_list("pdu", "category"))
    assert len({pdu for pdu, _ in pairs}) >= 5
    for (pdu, category), _ in pairs.most_common(4):
        assert not Service.objects.filter(
            status=Service.Status.ACTIVE, pdus=pdu, categories=category
        ).exists()
    assert not UnmetNeed.objects.exclude(pdu__region__code="L").exists()
    # No one recorded a need for a PDU they are not in.
    assert not UnmetNeed.objects.exclude(pdu=F("recorded_by__pdu")).exists()

    # Most sent referrals have equality answers; a draft has none, so its task is optional.
    sent = Referral.objects.exclude(status=Status.DRAFT).filter(sent_at__isnull=False)
    assert EqualityMonitoring.objects.count() >= sent.count() * 0.7
    assert not EqualityMonitoring.objects.filter(referral__status=Status.DRAFT).exists()
    # Ratings only of decided referrals, by their provider.
    assert QualityRating.objects.count() >= 10
    assert not QualityRating.objects.filter(
        referral__status__in=[Status.SENT, Status.DRAFT]
    ).exists()
    assert all(
        rating.rated_by.organisation_id == rating.referral.organisation_id
        for rating in QualityRating.objects.select_related("rated_by", "referral")
    )

    # The commissioner's views open on it, with the figures in groups.
    client.force_login(User.objects.get(email="commissioner@demo.example"))
    unmet = client.get("/unmet-need/")
    assert unmet.status_code == 200 and unmet.context["total"] > 50
    equality = client.get("/equality/", {"characteristic": "ethnicity"})
    table = equality.context["table"]
    white = next(group for group in table.groups if group.key == "white")
    assert white.referrals is not None and white.rates["acceptance"] is not None
    assert table.published.primary  # small groups there are, and they are withheld
    # Last month's partnership report for the region, both versions, reads as the region's.
    _assert_the_report_reads_as_a_regions(timezone.localdate())
    client.force_login(User.objects.get(email="practitioner@demo.example"))
    assert 'data-testid="quality-panel"' in client.get("/").content.decode()

    # A closed survey of practitioners readable in every group it shows; an open one the
    # demo's provider can answer today.
    closed = Survey.objects.get(audience="practitioners")
    assert closed.status == Survey.Status.CLOSED
    results = figures.survey_results(survey=closed)
    assert results["responses"]["total"] >= 25
    assert results["ratings"][0]["all"]["average"] is not None
    texts = results["free_text"][0]["groups"]
    assert texts and all(group["answers"] for group in texts)
    # The gap most named is one some of the region's PDUs have no local service for.
    top = results["gaps"][0]["rows"][0]
    assert top["total"]
    assert Pdu.objects.filter(region__code="L").exclude(
        services__status=Service.Status.ACTIVE, services__categories__slug=top["category"]
    )
    client.force_login(User.objects.get(email="provider-admin@demo.example"))
    opened = Survey.objects.get(audience="provider_staff")
    assert client.get(f"/surveys/{opened.public_id}/answer/").status_code == 200
    assert 'data-testid="surveys-waiting"' in client.get("/").content.decode()

    load_demo()
    assert Survey.objects.count() == 2
    assert (
        UnmetNeed.objects.count(),
        EqualityMonitoring.objects.count(),
        QualityRating.objects.count(),
    ) == counts
    assert first["unmet_needs"] == counts[0]


def test_the_demo_report_covers_last_month_when_loaded_on_the_first(db):
    """Loaded just after midnight on the 1st (after a short month), the demo's report is of
    the whole month before, and reads the same."""
    from partnership.demo import load_demo

    moment = datetime(2027, 3, 1, 0, 30, tzinfo=LONDON)
    with time_machine.travel(moment, tick=True):
        load_demo()
        today = timezone.localdate()
        assert today == date(2027, 3, 1)
        _assert_the_report_reads_as_a_regions(today)
