"""A provider admin adds, edits, pauses and closes services in the pages."""

import pytest

from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory
from providers.models import Service
from providers.tests.factories import make_service

pytestmark = pytest.mark.django_db


def form_data(**changes):
    data = {
        "name": "Money matters",
        "description": "Benefit and debt advice.",
        "categories": ["finance-benefit-debt"],
        "pdus": [Pdu.objects.get(name="Manchester North").pk, Pdu.objects.get(name="Salford").pk],
        "delivery_settings": ["community"],
        "delivery_modes": ["phone"],
        "eligible_sex": "any",
        "minimum_age": "18",
        "maximum_age": "",
        "referral_requirements": ["date_of_birth"],
        "monthly_capacity": "12",
        "current_wait_days": "5",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def admin(client):
    user = UserFactory(role=Role.PROVIDER_ADMIN)
    client.force_login(user)
    return user


def test_an_admin_adds_a_service_that_the_directory_then_finds(client, admin):
    response = client.post("/organisation/services/add/", form_data())
    assert response.status_code == 302
    service = Service.objects.get(name="Money matters")
    assert service.organisation_id == admin.organisation_id
    assert sorted(service.pdus.values_list("name", flat=True)) == ["Manchester North", "Salford"]
    assert service.referral_requirements == ["date_of_birth"]
    practitioner = UserFactory(role=Role.PRACTITIONER)
    client.force_login(practitioner)
    results = client.get("/services/", {"q": "debt"}).context["page"].object_list
    assert [row["id"] for row in results] == [service.pk]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"monthly_capacity": "-1"}, "Referrals each month cannot be negative"),
        (
            {"minimum_age": "30", "maximum_age": "25"},
            "The maximum age must be the same as or more than the minimum age",
        ),
        ({"categories": None}, "Select at least one category"),
        ({"pdus": None}, "Select at least one PDU the service covers"),
        ({"minimum_age": "16"}, "Services are for adults"),
        ({"name": ""}, "Enter the service&#x27;s name"),
    ],
)
def test_invalid_services_are_refused_with_a_specific_error(client, admin, changes, message):
    response = client.post("/organisation/services/add/", form_data(**changes))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert not Service.objects.exists()


def test_an_admin_edits_pauses_closes_and_reopens(client, admin):
    service = make_service("Old name", organisation=admin.organisation)
    assert (
        client.post(
            f"/organisation/services/{service.pk}/edit/", form_data(name="New name")
        ).status_code
        == 302
    )
    service.refresh_from_db()
    assert service.name == "New name" and service.monthly_capacity == 12
    for status in ["paused", "closed", "active"]:
        client.post(f"/organisation/services/{service.pk}/status/", {"status": status})
        service.refresh_from_db()
        assert service.status == status


def test_an_invalid_edit_changes_nothing(client, admin):
    service = make_service("Keep me", organisation=admin.organisation, monthly_capacity=7)
    response = client.post(
        f"/organisation/services/{service.pk}/edit/",
        form_data(name="Changed", monthly_capacity="-3"),
    )
    assert "Referrals each month cannot be negative" in response.content.decode()
    service.refresh_from_db()
    assert (service.name, service.monthly_capacity) == ("Keep me", 7)


def test_another_organisations_services_are_404(client, admin):
    other = make_service("Not yours")
    assert client.get(f"/organisation/services/{other.pk}/edit/").status_code == 404
    assert client.post(f"/organisation/services/{other.pk}/edit/", form_data()).status_code == 404
    assert (
        client.post(f"/organisation/services/{other.pk}/status/", {"status": "closed"}).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.status == Service.Status.ACTIVE and other.name == "Not yours"
    assert "Not yours" not in client.get("/organisation/services/").content.decode()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.PRACTITIONER, Role.COMMISSIONER])
def test_other_roles_cannot_manage_services(client, role):
    user = UserFactory(role=role)
    client.force_login(user)
    own = (
        make_service("Theirs", organisation=user.organisation)
        if user.organisation
        else make_service("Theirs")
    )
    assert client.get("/organisation/services/").status_code == 404
    assert client.get("/organisation/services/add/").status_code == 404
    assert client.post(f"/organisation/services/{own.pk}/edit/", form_data()).status_code == 404
