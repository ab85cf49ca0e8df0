"""The demo tells the truth: services cover the places they are named after, organisations
carry the identifier their legal form has, the people on probation are not named like staff,
and every referral's story runs in order and in the past, whatever the day it is loaded."""

from datetime import date, datetime, time
from unittest import mock

import pytest
from django.utils import timezone

from partnership.models import Pdu, Region, User
from providers.models import Organisation, Service
from referrals.models import EndOfServiceReport, Referral

pytestmark = pytest.mark.django_db

# The register each legal form is known by (org-id.guide): a registered charity by its
# Charity Commission number, a company that is not a charity by its Companies House number;
# a charitable company may be known by either. Blank: not on a register.
SCHEMES = {
    "cio": {"GB-CHC"},
    "charitable_trust": {"GB-CHC", ""},
    "charitable_company": {"GB-CHC", "GB-COH"},
    "cic": {"GB-COH"},
    "company_by_guarantee": {"GB-COH"},
    "community_benefit_society": {"GB-MPR"},
    "unincorporated": {""},
}


def _load_on(moment: datetime):
    from partnership.demo import load_demo

    real_localdate = timezone.localdate
    with (
        mock.patch("django.utils.timezone.now", return_value=moment),
        mock.patch(
            "django.utils.timezone.localdate",
            side_effect=lambda value=None, timezone=None: real_localdate(value or moment, timezone),
        ),
    ):
        load_demo()


@pytest.fixture
def demo():
    from partnership.demo import load_demo

    load_demo()


def _in_words(names):
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def test_the_demo_tells_the_truth_about_places_organisations_and_people(demo):
    """One load of the demo (it takes a while), three truths."""
    _services_cover_the_places_in_their_names()
    _organisations_have_the_identifier_of_their_legal_form()
    _no_one_on_probation_is_named_like_a_member_of_staff()


def _services_cover_the_places_in_their_names():
    regions = {r.pk: r for r in Region.objects.all()}
    region_pdus = {r: set(Pdu.objects.filter(region=r)) for r in regions.values()}
    checked = 0
    for service in Service.objects.prefetch_related("pdus"):
        if " – " not in service.name:
            continue
        place = service.name.split(" – ", 1)[1]
        pdus = set(service.pdus.all())
        covered = sorted({regions[p.region_id] for p in pdus}, key=lambda r: r.code)
        whole = set().union(*(region_pdus[r] for r in covered))
        if pdus == whole and place == _in_words([r.name for r in covered]):
            checked += 1
            continue
        # Otherwise a local service, named after each of its PDUs, in one region.
        assert len(covered) == 1, service.name
        assert all(p.name in place for p in pdus), service.name
        assert place.count(", ") + place.count(" and ") >= len(pdus) - 1, service.name
        assert len(pdus) <= 3, service.name
        checked += 1
    assert checked > 50
    # Whatever the region: a service named after a region covers all of it and nowhere else.
    for region in regions.values():
        for service in Service.objects.filter(name__endswith=f" – {region.name}"):
            assert set(service.pdus.all()) == region_pdus[region], service.name


def _organisations_have_the_identifier_of_their_legal_form():
    organisations = list(Organisation.objects.all())
    assert {o.legal_form for o in organisations} >= {"cio", "cic", "charitable_company"}
    for organisation in organisations:
        scheme = organisation.org_id.rsplit("-", 1)[0] if organisation.org_id else ""
        assert scheme in SCHEMES[organisation.legal_form], organisation.name
        if scheme == "GB-CHC":
            assert organisation.org_id == f"GB-CHC-{organisation.charity_number}"
        if scheme == "GB-COH":
            assert organisation.org_id == f"GB-COH-{organisation.company_number}"
            assert not organisation.charity_number, organisation.name
        if organisation.legal_form in ("cic", "charitable_company", "company_by_guarantee"):
            assert organisation.company_number, organisation.name
        if "Community Interest Company" in organisation.name:
            assert organisation.legal_form == "cic", organisation.name
        organisation.full_clean()


def _no_one_on_probation_is_named_like_a_member_of_staff():
    from partnership.demo import DEMO_ACCOUNTS

    staff = {tuple(u.full_name.lower().split()) for u in User.objects.all()}
    staff_surnames = {a.full_name.split()[-1].lower() for a in DEMO_ACCOUNTS}
    people = Referral.objects.values_list("first_name", "last_name")
    assert people
    for first, last in people:
        assert (first.lower(), last.lower()) not in staff, (first, last)
        assert last.lower() not in staff_surnames, (first, last)


@pytest.mark.parametrize(
    "day, hour", [(date(2026, 12, 1), 0), (date(2026, 12, 16), 10), (date(2027, 3, 31), 23)]
)
def test_every_referral_story_runs_in_order_and_in_the_past(day, hour):
    moment = timezone.make_aware(datetime.combine(day, time(hour, 30)))
    _load_on(moment)
    referrals = Referral.objects.filter(idempotency_key__startswith="demo-")
    assert referrals.count() > 20
    moments = set()
    for referral in referrals.prefetch_related("events", "sessions", "concerns", "documents"):
        ref = referral.reference
        assert referral.created_at <= moment, ref
        if referral.sent_at:
            assert referral.created_at < referral.sent_at <= moment, ref
        if referral.decided_at:
            assert (referral.sent_at or referral.created_at) < referral.decided_at <= moment, ref
        events = list(referral.events.order_by("id"))
        assert [e.at for e in events] == sorted(e.at for e in events), ref
        assert all(referral.created_at <= e.at <= moment for e in events), ref
        for session in referral.sessions.all():
            assert session.held_on >= timezone.localdate(referral.sent_at), ref
            assert session.held_on <= day and session.created_at <= moment, ref
            assert referral.decided_at < session.created_at, ref
        for concern in referral.concerns.all():
            assert referral.sent_at < concern.raised_at <= moment, ref
        for document in referral.documents.all():
            assert referral.created_at <= document.uploaded_at <= moment, ref
        report = EndOfServiceReport.objects.filter(referral=referral).first()
        if report:
            last = max(s.held_on for s in referral.sessions.all())
            assert timezone.localdate(report.sent_at) > last and report.sent_at <= moment, ref
        moments.add(timezone.localdate(referral.sent_at or referral.created_at))
    # Spread over past weeks, not all the moment the demo was loaded.
    assert len(moments) > 10
    assert min(moments) <= day.replace(day=1) or (day - min(moments)).days >= 21


def test_loading_again_removes_services_an_earlier_demo_misnamed(demo):
    from providers import demo as providers_demo

    organisation = Organisation.objects.filter(services__name__contains=" – ").exclude(
        reach="national"
    )[0]
    misnamed = Service.objects.create(
        organisation=organisation,
        name="Housing support – London",
        monthly_capacity=5,
        delivery_settings=["community"],
    )
    misnamed.pdus.set(Pdu.objects.filter(region__code="A"))
    kept = Service.objects.filter(organisation=organisation).exclude(pk=misnamed.pk)
    kept_ids = set(kept.values_list("pk", flat=True))
    users = {u.email: u for u in User.objects.filter(email__endswith="@demo.example")}

    providers_demo.load(users=users, progress=lambda message: None)

    assert not Service.objects.filter(pk=misnamed.pk).exists()
    assert set(Service.objects.filter(organisation=organisation).values_list("pk", flat=True)) == (
        kept_ids
    )
