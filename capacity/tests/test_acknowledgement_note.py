"""Acknowledging an alert takes a note of what is being done, kept on the alert and shown
to the others who see it; the alert's page reads as sentences."""

import pytest

from capacity.models import Alert
from capacity.tests.factories import raise_alert
from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service

pytestmark = pytest.mark.django_db

NOTE = "Asked the provider to open a second group on Thursdays."


@pytest.fixture
def alert():
    return raise_alert(make_service("Women's centre"))


def test_the_page_refuses_an_acknowledgement_without_a_note(client, alert):
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    response = client.post(f"/alerts/{alert.public_id}/acknowledge/", {"note": "   "})
    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page and 'href="#id_note"' in page
    assert "Enter what is being done about the alert" in page
    alert.refresh_from_db()
    assert alert.status == "open" and alert.acknowledged_at is None


def test_the_note_is_kept_and_shown_to_the_others_who_see_the_alert(client, alert):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    client.force_login(commissioner)
    response = client.post(f"/alerts/{alert.public_id}/acknowledge/", {"note": NOTE})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledgement_note == NOTE

    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=alert.organisation)
    for other in (UserFactory(role=Role.COMMISSIONER), admin):
        client.force_login(other)
        page = client.get(f"/alerts/{alert.public_id}/").content.decode()
        assert "What is being done" in page and NOTE in page


def test_the_api_needs_a_note_to_acknowledge(client, alert):
    _, raw = issue_token(UserFactory(role=Role.COMMISSIONER), scope="write")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    url = f"/api/v1/alerts/{alert.public_id}/acknowledge/"

    for body in ({}, {"note": ""}):
        refused = client.post(url, body, content_type="application/json", **auth)
        assert refused.status_code == 400
        assert refused["Content-Type"] == "application/problem+json"
        assert "note" in refused.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == "open"

    done = client.post(url, {"note": NOTE}, content_type="application/json", **auth)
    assert done.status_code == 200
    assert done.json()["status"] == "acknowledged"
    assert done.json()["acknowledgement_note"] == NOTE
    assert (
        client.get(f"/api/v1/alerts/{alert.public_id}/", **auth).json()["acknowledgement_note"]
        == NOTE
    )


def test_the_alert_page_reads_as_sentences(client, alert):
    Alert.objects.filter(pk=alert.pk).update(
        figures={
            "period": "2026-11",
            "sent": 13220,
            "capacity": 1000,
            "percent": 1322.0,
            "forecast": None,
            "forecast_percent": None,
            "too_early_to_forecast": True,
            "funded": False,
            "capacity_source": "declared",
            "wait_days": 40,
        }
    )
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    page = client.get(f"/alerts/{alert.public_id}/").content.decode()
    for words in (
        "November 2026",
        "13,220",
        "1,322%",
        "Too early in the month to forecast",
        'Funded by an agreement</dt><dd class="govuk-summary-list__value">No',
        "Declared by the provider",
        "40 days",
    ):
        assert words in page, words
    for raw in ("False", "None", "2026-11", "too_early", "declared<"):
        assert raw not in page, raw
