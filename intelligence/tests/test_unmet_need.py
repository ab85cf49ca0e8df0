"""Unmet need: recorded by a practitioner where it is found (an empty search, a declined or
given-up referral), seen by commissioners for their regions beside demand and capacity, and
turned into a lot of a round."""

from __future__ import annotations

import pytest
from django.urls import reverse

from commissioning.models import FundingRound
from commissioning.tests.factories import FundingRoundFactory
from intelligence import figures, services
from intelligence.models import UnmetNeed
from partnership.errors import NotPermitted
from partnership.models import Pdu, Region, Role, ServiceCategory
from partnership.tests.factories import CommissioningBodyFactory, UserFactory, issue_token
from providers.tests.factories import make_service
from referrals import services as referral_services
from referrals.models import Status
from referrals.tests.factories import provider_admin_for, referral_in

pytestmark = pytest.mark.django_db

NEW = "/unmet-need/new/"


def _category(slug="accommodation"):
    return ServiceCategory.objects.get(slug=slug)


def _record(practitioner, slug="accommodation", reason="none_exists", **data):
    return services.unmet_need_record(
        by=practitioner, category=_category(slug), pdu=practitioner.pdu, reason=reason, **data
    )


def test_an_empty_search_offers_to_record_an_unmet_need_with_its_filters(client, practitioner):
    client.force_login(practitioner)

    page = client.get("/services/?category=womens-services&q=nothing+like+this").content.decode()

    assert 'data-testid="no-results"' in page
    assert 'data-testid="unmet-need-prompt"' in page
    pdu = practitioner.pdu_id
    assert f"/unmet-need/new/?source=search&amp;category=womens-services&amp;pdu={pdu}" in page


def test_results_carry_the_link_too_but_not_for_a_commissioner(client, practitioner, commissioner):
    make_service("Housing support")
    client.force_login(practitioner)
    assert "Nothing suitable? Record an unmet need" in client.get("/services/").content.decode()

    client.force_login(commissioner)
    assert "Record an unmet need" not in client.get("/services/?pdu=").content.decode()


def test_the_form_opens_prefilled_from_the_search(client, practitioner):
    client.force_login(practitioner)

    form = client.get(NEW, {"source": "search", "category": "womens-services"}).context["form"]

    assert form.initial["category"] == _category("womens-services").pk
    assert form.initial["pdu"] == practitioner.pdu_id
    assert form.initial["source"] == "search"


def test_a_practitioner_records_an_unmet_need_in_a_few_answers(client, practitioner):
    client.force_login(practitioner)

    response = client.post(
        NEW,
        {
            "category": _category().pk,
            "pdu": practitioner.pdu_id,
            "reason": "none_exists",
            "age_band": "18_24",
            "sex": "female",
            "flags": ["leaving_custody", "carer"],
            "source": "search",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("intelligence:unmet-need-recorded")
    need = UnmetNeed.objects.get()
    assert (need.category.slug, need.pdu, need.reason, need.source) == (
        "accommodation",
        practitioner.pdu,
        "none_exists",
        "search",
    )
    assert (need.age_band, need.sex, need.flags) == (
        "18_24",
        "female",
        ["carer", "leaving_custody"],
    )
    assert need.recorded_by == practitioner


def test_the_form_says_what_is_missing_in_an_error_summary(client, practitioner):
    client.force_login(practitioner)

    response = client.post(NEW, {"pdu": practitioner.pdu_id})

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Select the kind of service the person needed" in page
    assert "Select why nothing suitable was found" in page
    assert not UnmetNeed.objects.exists()


def test_a_practitioner_cannot_record_for_another_pdu(client, practitioner):
    client.force_login(practitioner)
    lambeth = Pdu.objects.get(name="Lambeth")

    response = client.post(NEW, {"category": _category().pk, "pdu": lambeth.pk, "reason": "full"})

    assert response.status_code == 200
    assert "Select your PDU" in response.content.decode()
    with pytest.raises(Exception, match="own PDU"):
        services.unmet_need_record(
            by=practitioner, category=_category(), pdu=lambeth, reason="full"
        )
    assert not UnmetNeed.objects.exists()


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.CASEWORKER, Role.PROVIDER_ADMIN])
def test_only_practitioners_record_unmet_need(client, role):
    user = UserFactory(role=role)
    client.force_login(user)

    assert client.get(NEW).status_code == 404
    assert client.get(reverse("intelligence:unmet-need-recorded")).status_code == 404
    with pytest.raises(NotPermitted):
        services.unmet_need_record(
            by=user, category=_category(), pdu=Pdu.objects.first(), reason="full"
        )


def test_a_referral_declined_for_no_capacity_prompts_and_prefills(client, practitioner):
    referral = referral_in(Status.DECLINED, practitioner=practitioner)  # declined: no capacity
    client.force_login(practitioner)

    detail = client.get(f"/referrals/{referral.public_id}/").content.decode()
    assert f"/unmet-need/new/?referral={referral.public_id}" in detail

    initial = client.get(NEW, {"referral": str(referral.public_id)}).context["form"].initial
    assert initial["reason"] == "full"
    assert initial["source"] == "declined"
    assert initial["category"] == referral.service.categories.get().pk
    assert initial["sex"] == "male"
    assert initial["age_band"]  # from the date of birth, never the date itself


def test_a_referral_declined_for_another_reason_does_not_prompt(client, practitioner):
    referral = referral_in(Status.SENT, practitioner=practitioner)
    referral_services.referral_decline(
        referral=referral, by=provider_admin_for(referral.service), reason="duplicate"
    )
    client.force_login(practitioner)

    assert (
        "unmet-need-prompt" not in client.get(f"/referrals/{referral.public_id}/").content.decode()
    )


def test_withdrawing_or_deleting_a_draft_prompts(client, practitioner):
    withdrawn = referral_in(Status.WITHDRAWN, practitioner=practitioner)
    draft = referral_in(Status.DRAFT, practitioner=practitioner)
    client.force_login(practitioner)

    assert "unmet-need-prompt" in client.get(f"/referrals/{withdrawn.public_id}/").content.decode()
    delete_page = client.get(f"/referrals/{draft.public_id}/delete/").content.decode()
    assert f"/unmet-need/new/?referral={draft.public_id}" in delete_page
    initial = client.get(NEW, {"referral": str(draft.public_id)}).context["form"].initial
    assert initial["source"] == "draft_deleted"


def test_a_referral_declined_as_outside_eligibility_prompts_as_ineligible(client, practitioner):
    referral = referral_in(Status.SENT, practitioner=practitioner)
    referral_services.referral_decline(
        referral=referral, by=provider_admin_for(referral.service), reason="outside_eligibility"
    )
    client.force_login(practitioner)

    detail = client.get(f"/referrals/{referral.public_id}/").content.decode()
    assert f"/unmet-need/new/?referral={referral.public_id}" in detail
    initial = client.get(NEW, {"referral": str(referral.public_id)}).context["form"].initial
    assert (initial["reason"], initial["source"]) == ("ineligible", "declined")


def test_a_withdrawn_referral_prefills_the_need_as_given_up(client, practitioner):
    withdrawn = referral_in(Status.WITHDRAWN, practitioner=practitioner)
    client.force_login(practitioner)

    initial = client.get(NEW, {"referral": str(withdrawn.public_id)}).context["form"].initial
    assert initial["source"] == "withdrawn"
    assert initial["category"] == withdrawn.service.categories.get().pk
    assert "reason" not in initial  # why nothing fitted is the practitioner's to say
    response = client.post(
        NEW, {**initial, "reason": "wait_too_long", "flags": initial.get("flags", [])}
    )
    assert response.status_code == 302
    assert UnmetNeed.objects.get().source == "withdrawn"


def test_prefilling_from_another_pdus_referral_is_a_404(client, practitioner):
    other = referral_in(
        Status.DECLINED, practitioner=UserFactory(pdu=Pdu.objects.get(name="Lambeth"))
    )
    client.force_login(practitioner)

    assert client.get(NEW, {"referral": str(other.public_id)}).status_code == 404
    assert client.get(NEW, {"referral": "not-a-uuid"}).status_code == 404


# The commissioner's view -------------------------------------------------------------------


@pytest.fixture
def needs_in_two_regions(practitioner):
    _record(practitioner, "accommodation", "none_exists")
    _record(practitioner, "accommodation", "full")
    _record(practitioner, "womens-services", "too_far")
    lambeth = UserFactory(pdu=Pdu.objects.get(name="Lambeth"))
    _record(lambeth, "mentoring", "none_exists")


def test_commissioners_see_unmet_need_of_their_regions_beside_demand(
    client, commissioner, needs_in_two_regions
):
    make_service("Housing support", monthly_capacity=12)
    referral_in(Status.SENT, service=make_service("Housing two", monthly_capacity=8))
    client.force_login(commissioner)

    response = client.get("/unmet-need/")

    assert response.status_code == 200
    rows = {row.category.slug: row for row in response.context["rows"]}
    assert rows["accommodation"].total == 2
    assert rows["accommodation"].sent == 1
    assert rows["accommodation"].capacity_this_month == 20
    assert rows["womens-services"].total == 1
    assert "mentoring" not in rows  # Lambeth is in another region
    assert dict(rows["accommodation"].reasons) == {
        "No service of this kind exists here": 1,
        "The services are full": 1,
    }
    assert rows["accommodation"].pdus == [("Manchester North", 2)]
    assert rows["accommodation"].months[-1]["unmet"] == 2


def test_another_region_is_a_404_and_so_is_the_page_for_anyone_else(
    client, commissioner, practitioner
):
    client.force_login(commissioner)
    london = Region.objects.exclude(code="L").first()
    assert client.get("/unmet-need/", {"region": london.code}).status_code == 404

    client.force_login(practitioner)
    assert client.get("/unmet-need/").status_code == 404


def test_a_commissioner_starts_a_lot_from_an_unmet_need(client, needs_in_two_regions):
    body = CommissioningBodyFactory()
    commissioner = UserFactory(role=Role.COMMISSIONER, commissioning_body=body)
    region = Region.objects.get(code="L")
    designing = FundingRoundFactory(lead_body=body, status=FundingRound.Status.DRAFT)
    designing.regions.set([region])
    opened = FundingRoundFactory(lead_body=body, status=FundingRound.Status.OPEN)
    opened.regions.set([region])
    client.force_login(commissioner)

    page = client.get("/unmet-need/")
    row = next(row for row in page.context["rows"] if row.category.slug == "accommodation")
    assert [start["round"] for start in row.lot_starts] == [designing]
    url = row.lot_starts[0]["url"]
    assert url == f"/funding-rounds/{designing.public_id}/lots/new/?category=accommodation&region=L"

    form = client.get(url).context["form"]
    assert form.initial["category"] == _category()
    assert set(form.initial["pdus"]) == set(Pdu.objects.filter(region=region))
    assert form.initial["title"].startswith("Accommodation")


def test_the_demand_view_links_to_unmet_need(client, commissioner):
    client.force_login(commissioner)

    assert 'data-testid="unmet-need-link"' in client.get("/demand/").content.decode()


def test_figures_count_by_month_in_london_time(practitioner):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    need = _record(practitioner)
    # Half past midnight on 1 October in London is still 30 September in UTC (summer time):
    # it counts in October, the month a practitioner in England recorded it in.
    need.recorded_at = datetime(2026, 10, 1, 0, 30, tzinfo=ZoneInfo("Europe/London"))
    need.save()
    months = figures.unmet_need_months(until=datetime(2026, 10, 15).date(), months=2)

    rows = figures.unmet_need_by_category(
        needs=UnmetNeed.objects.all(), regions=Region.objects.filter(code="L"), months=months
    )

    assert [cell["unmet"] for cell in rows[0].months] == [0, 1]


# The API -----------------------------------------------------------------------------------


def _bearer(user, scope="write"):
    _, raw = issue_token(user, scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_practitioner_records_unmet_need_through_the_api(client, practitioner):
    response = client.post(
        "/api/v1/unmet-needs/",
        {"category": "accommodation", "reason": "wait_too_long", "flags": ["high_risk"]},
        content_type="application/json",
        **_bearer(practitioner),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["category"] == "accommodation"
    assert body["pdu"] == "Manchester North"
    assert body["reason"] == "wait_too_long"
    # What is sent about the person is counted, never given back one by one.
    assert "flags" not in body and "age_band" not in body and "sex" not in body
    assert UnmetNeed.objects.get().flags == ["high_risk"]


def test_the_api_refuses_a_bad_reason_as_a_problem(client, practitioner):
    response = client.post(
        "/api/v1/unmet-needs/",
        {"category": "accommodation", "reason": "because"},
        content_type="application/json",
        **_bearer(practitioner),
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_commissioner_cannot_record_and_lists_only_their_regions(
    client, commissioner, needs_in_two_regions, django_assert_max_num_queries
):
    refused = client.post(
        "/api/v1/unmet-needs/",
        {"category": "accommodation", "reason": "full"},
        content_type="application/json",
        **_bearer(commissioner),
    )
    assert refused.status_code == 403

    headers = _bearer(commissioner, scope="read")
    with django_assert_max_num_queries(6):
        listed = client.get("/api/v1/unmet-needs/", **headers).json()
    assert {row["category"] for row in listed["results"]} == {"accommodation", "womens-services"}
    assert all(row["region"] == "L" for row in listed["results"])
    lambeth_need = UnmetNeed.objects.get(pdu__name="Lambeth")
    assert (
        client.get(f"/api/v1/unmet-needs/{lambeth_need.public_id}/", **headers).status_code == 404
    )
    filtered = client.get("/api/v1/unmet-needs/?category=womens-services", **headers).json()
    assert [row["reason"] for row in filtered["results"]] == ["too_far"]


def test_provider_staff_list_no_unmet_need(client, needs_in_two_regions):
    admin = UserFactory(role=Role.PROVIDER_ADMIN)

    listed = client.get("/api/v1/unmet-needs/", **_bearer(admin, scope="read")).json()

    assert listed["results"] == []
