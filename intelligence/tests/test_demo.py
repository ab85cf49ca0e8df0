"""The demo's intelligence reads as a real region's would: unmet need heaviest where there is
no local service, equality answers on its referrals (published only as suppressed groups),
ratings of its referrals' information, and surveys (one closed with answers to read, one
open to answer); loading again changes nothing."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import F

from intelligence import figures
from intelligence.models import EqualityMonitoring, QualityRating, Survey, UnmetNeed
from partnership.models import Pdu, User
from providers.models import Service
from referrals.models import Referral, Status

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


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
    # This month's partnership report for the region, both versions, reads as the region's:
    # women's services oversubscribed, wellbeing under-used, unmet need recorded.
    from intelligence.models import PartnershipReport

    report = PartnershipReport.objects.get(region__code="L", audience="commissioners")
    sections = {section["key"]: section for section in report.figures["sections"]}
    used = {row[0]: row[4] for row in sections["volumes"]["rows"]}
    assert used["Women's services"] > 100
    assert used["Emotional wellbeing"] < 50
    assert sections["unmet_need"]["rows"]
    assert PartnershipReport.objects.filter(audience="providers").count() == 1
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
