"""The service directory: free text with ranking, filters that combine, the default PDU."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory
from providers.models import Population, Service
from providers.tests.factories import OrganisationFactory, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def practitioner_client(client):
    client.force_login(UserFactory(role=Role.PRACTITIONER))  # Manchester North
    return client


def result_names(response) -> list[str]:
    return [row["name"] for row in response.context["page"].object_list]


def test_housing_in_manchester_north_finds_accommodation_covering_it_and_nothing_else(
    practitioner_client,
):
    covering = make_service("Move on support")
    make_service("Bolton homes", pdus=("Bolton",))
    make_service("Jobs club", slugs=("education-training-employment",))
    response = practitioner_client.get("/services/", {"q": "housing"})
    assert result_names(response) == [covering.name]
    assert response.context["form"].cleaned_data["pdu"] == str(
        Pdu.objects.get(name="Manchester North").pk
    )


def test_a_name_match_ranks_above_a_description_match(practitioner_client):
    described = make_service(
        "Community support", slugs=("mentoring",), description="We also help with tenancy issues."
    )
    named = make_service("Tenancy sustainment", slugs=("mentoring",))
    assert result_names(practitioner_client.get("/services/", {"q": "tenancy"})) == [
        named.name,
        described.name,
    ]


def test_any_pdu_widens_the_search(practitioner_client):
    make_service("Manchester homes")
    make_service("Bolton homes", pdus=("Bolton",))
    names = result_names(practitioner_client.get("/services/", {"q": "housing", "pdu": ""}))
    assert sorted(names) == ["Bolton homes", "Manchester homes"]
    region = result_names(practitioner_client.get("/services/", {"region": "J"}))
    assert region == []


def test_filters_combine(practitioner_client):
    small = OrganisationFactory(annual_income=50_000, populations_served=[Population.WOMEN])
    large = OrganisationFactory(annual_income=5_000_000)
    match = make_service("Women's housing", organisation=small, eligible_sex=Service.Sex.FEMALE)
    make_service("Men's housing", organisation=small, eligible_sex=Service.Sex.MALE)
    make_service("Young adults housing", organisation=small, maximum_age=25)
    make_service("Custody housing", organisation=small, delivery_settings=["custody"])
    make_service("Large housing", organisation=large)
    query = {
        "category": "accommodation",
        "sex": "female",
        "age": "40",
        "setting": "community",
        "population": "women",
        "size_band": "small",
    }
    assert result_names(practitioner_client.get("/services/", query)) == [match.name]
    # Dropping the age and sex filters lets the others back in.
    relaxed = {**query, "sex": "", "age": ""}
    assert sorted(result_names(practitioner_client.get("/services/", relaxed))) == [
        "Men's housing",
        "Women's housing",
        "Young adults housing",
    ]


def test_paused_services_show_only_when_asked_and_closed_never(practitioner_client):
    make_service("Paused homes", status=Service.Status.PAUSED)
    make_service("Closed homes", status=Service.Status.CLOSED)
    assert result_names(practitioner_client.get("/services/")) == []
    assert result_names(practitioner_client.get("/services/", {"include_paused": "on"})) == [
        "Paused homes"
    ]


def test_an_empty_result_explains_how_to_widen_the_search(practitioner_client):
    make_service("Bolton homes", pdus=("Bolton",))
    page = practitioner_client.get(
        "/services/", {"q": "housing", "category": "accommodation"}
    ).content.decode()
    assert "No services match your search" in page
    assert "remove some of the selected filters" in page
    assert "search every area" in page
    assert "try other words" in page


def test_invalid_filters_get_specific_errors_and_no_results(practitioner_client):
    response = practitioner_client.get("/services/", {"age": "ten", "category": "gardening"})
    page = response.content.decode()
    assert response.context["page"] is None
    assert "There is a problem" in page
    assert "Enter the person&#x27;s age as a whole number, like 34" in page
    assert "Choose a category from the list" in page
    assert (
        "Services here are for adults"
        in practitioner_client.get("/services/", {"age": "12"}).content.decode()
    )


def test_the_directory_runs_a_fixed_number_of_queries_whatever_the_page_size(practitioner_client):
    for number in range(30):
        make_service(f"Housing service {number}", slugs=("accommodation", "mentoring"))

    def queries(page_size):
        with CaptureQueriesContext(connection) as ctx:
            response = practitioner_client.get("/services/", {"page_size": page_size})
        assert len(response.context["page"].object_list) == page_size
        return len(ctx)

    assert queries(5) == queries(25)


def test_the_directory_needs_sign_in(client):
    assert client.get("/services/").status_code == 302


def test_the_service_page_has_what_a_practitioner_needs(practitioner_client):
    service = make_service(
        "Move on support", referral_requirements=["date_of_birth", "risk_documents"], maximum_age=25
    )
    page = practitioner_client.get(f"/services/{service.pk}/").content.decode()
    for text in [
        "Move on support",
        "Make a referral",
        "Risk documents",
        "18 to 25",
        "Settled accommodation is secured",
        "Manchester North",
        "Greater Manchester",
        service.organisation.name,
    ]:
        assert text in page, text


def test_another_organisations_closed_service_is_a_404(practitioner_client):
    service = make_service("Closed homes", status=Service.Status.CLOSED)
    assert practitioner_client.get(f"/services/{service.pk}/").status_code == 404
