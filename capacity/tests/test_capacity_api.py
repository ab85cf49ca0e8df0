"""The capacity API: figures for the services and agreements a user manages, 404 beyond."""

import pytest

from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service
from referrals.models import Status
from referrals.tests.factories import referral_in

pytestmark = pytest.mark.django_db


def bearer(user):
    _, raw = issue_token(user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_provider_admin_sees_only_its_services_capacity(client):
    mine = make_service("Women's centre", monthly_capacity=10)
    theirs = make_service("Recovery café", monthly_capacity=10)
    for _ in range(3):
        referral_in(Status.SENT, service=mine)
    referral_in(Status.WITHDRAWN, service=mine)
    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=mine.organisation)
    auth = bearer(admin)
    listed = client.get("/api/v1/capacity/services/", **auth).json()["results"]
    assert [row["service"] for row in listed] == [mine.pk]
    assert listed[0]["sent"] == 3 and listed[0]["capacity"] == 10
    assert listed[0]["percent"] == 30.0 and listed[0]["capacity_source"] == "declared"
    assert client.get(f"/api/v1/capacity/services/{theirs.pk}/", **auth).status_code == 404
    assert client.get(f"/api/v1/capacity/services/{mine.pk}/", **auth).json()["sent"] == 3
    bad = client.get("/api/v1/capacity/services/?period=last-month", **auth)
    assert bad.status_code == 400 and "YYYY-MM" in bad.json()["errors"]["period"][0]


def test_commissioners_see_their_regions_and_practitioners_see_no_figures(client):
    manchester = make_service("Manchester housing")
    london = make_service("Lambeth housing", pdus=("Lambeth",))
    auth = bearer(UserFactory(role=Role.COMMISSIONER))
    listed = client.get("/api/v1/capacity/services/", **auth).json()["results"]
    assert {row["service"] for row in listed} == {manchester.pk}
    assert client.get(f"/api/v1/capacity/services/{london.pk}/", **auth).status_code == 404
    practitioner = bearer(UserFactory(role=Role.PRACTITIONER))
    assert client.get("/api/v1/capacity/services/", **practitioner).json()["results"] == []
    assert (
        client.get(f"/api/v1/capacity/services/{manchester.pk}/", **practitioner).status_code == 404
    )


@pytest.mark.parametrize("path", ["/api/v1/capacity/services/", "/api/v1/capacity/agreements/"])
def test_a_month_whose_end_is_past_the_calendar_is_a_400_problem(client, path):
    auth = bearer(UserFactory(role=Role.COMMISSIONER))
    response = client.get(f"{path}?period=9999-12", **auth)
    assert response.status_code == 400
    assert "YYYY-MM" in response.json()["errors"]["period"][0]
