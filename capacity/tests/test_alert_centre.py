"""The alert centre and the alerts API: who sees which alert, filters, acknowledging."""

import re

import pytest
from django.template import engines
from django.utils import timezone

from capacity.models import Alert
from capacity.tests.factories import raise_alert
from capacity.views.alerts import _alert_rows
from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service

NOTE = "Speaking to the provider about a second group this month."

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts():
    manchester = raise_alert(make_service("Women's centre"))
    london = raise_alert(make_service("Thames housing", pdus=("Lambeth",)), region="J")
    return manchester, london


def test_commissioners_see_their_regions_alerts_and_providers_their_own(client, alerts):
    manchester, london = alerts
    commissioner = UserFactory(role=Role.COMMISSIONER)
    client.force_login(commissioner)
    page = client.get("/alerts/").content.decode()
    assert "Women&#x27;s centre" in page and "Thames housing" not in page
    assert client.get(f"/alerts/{london.public_id}/").status_code == 404
    assert client.get(f"/alerts/{manchester.public_id}/").status_code == 200
    assert "1 alert</strong> not yet acknowledged" in client.get("/").content.decode()

    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=london.organisation)
    client.force_login(admin)
    page = client.get("/alerts/").content.decode()
    assert "Thames housing" in page and "Women&#x27;s centre" not in page
    assert client.get(f"/alerts/{manchester.public_id}/").status_code == 404
    response = client.post(f"/alerts/{manchester.public_id}/acknowledge/", {"note": NOTE})
    assert response.status_code == 404
    manchester.refresh_from_db()
    assert manchester.status == "open"


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.CASEWORKER, Role.ASSESSOR])
def test_nobody_else_has_an_alert_centre(client, alerts, role):
    client.force_login(UserFactory(role=role))
    assert client.get("/alerts/").status_code == 404
    assert client.get(f"/alerts/{alerts[0].public_id}/").status_code == 404


def test_acknowledging_keeps_the_alert_in_view_and_filters_narrow_the_list(client, alerts):
    manchester, _ = alerts
    raise_alert(make_service("Wellbeing café"), rule="under_used", severity="amber")
    commissioner = UserFactory(role=Role.COMMISSIONER)
    client.force_login(commissioner)
    client.post(f"/alerts/{manchester.public_id}/acknowledge/", {"note": NOTE})
    manchester.refresh_from_db()
    assert manchester.status == "acknowledged" and manchester.acknowledged_by == commissioner
    assert "Women&#x27;s centre" in client.get("/alerts/").content.decode()
    unacknowledged = client.get("/alerts/?show=open").content.decode()
    assert "Women&#x27;s centre" not in unacknowledged and "Wellbeing café" in unacknowledged
    reds = client.get("/alerts/?severity=red").content.decode()
    assert "Wellbeing café" not in reds
    assert (
        "Wellbeing café"
        in client.get("/alerts/?rule=under_used&severity=nonsense").content.decode()
    )


def test_the_alert_centre_counts_to_a_limit_and_says_more_than_past_it(client, monkeypatch):
    """A region's current alerts can run to thousands: counted to a limit, as work lists are."""
    from partnership import lists

    for name in ("Women's centre", "Wellbeing café", "Housing first"):
        raise_alert(make_service(name))
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    assert "3 alerts</caption>" in client.get("/alerts/").content.decode()
    assert 'data-testid="beyond-limit"' not in client.get("/alerts/").content.decode()

    monkeypatch.setattr(lists, "COUNT_LIMIT", 2)
    home = client.get("/").content.decode()
    assert "more than 2 alerts</strong> not yet acknowledged" in home
    page = client.get("/alerts/").content.decode()
    assert "more than 2 alerts</caption>" in page
    assert "Filter by rule or severity to see beyond the first 2." in page
    assert len(re.findall(r'href="/alerts/[0-9a-f-]{36}/"', page)) == 2  # as far as the limit


def test_the_alerts_api_is_scoped_filtered_and_acknowledges(client, alerts):
    manchester, london = alerts
    _, raw = issue_token(UserFactory(role=Role.COMMISSIONER), scope="write")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    listed = client.get("/api/v1/alerts/", **auth).json()["results"]
    assert [a["id"] for a in listed] == [str(manchester.public_id)]
    assert listed[0]["period"] == manchester.period_code
    assert listed[0]["subject"] == {
        "type": "service",
        "service": manchester.service_id,
        "agreement": None,
        "name": "Women's centre",
    }
    assert client.get(f"/api/v1/alerts/{london.public_id}/", **auth).status_code == 404
    assert client.get("/api/v1/alerts/?rule=under_used", **auth).json()["results"] == []
    bad = client.get("/api/v1/alerts/?period=November", **auth)
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    done = client.post(
        f"/api/v1/alerts/{manchester.public_id}/acknowledge/",
        {"note": NOTE},
        content_type="application/json",
        **auth,
    )
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"
    refused = client.post(
        f"/api/v1/alerts/{london.public_id}/acknowledge/",
        {"note": NOTE},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 404

    _, practitioner = issue_token(UserFactory(role=Role.PRACTITIONER))
    other = {"HTTP_AUTHORIZATION": f"Bearer {practitioner}"}
    assert client.get("/api/v1/alerts/", **other).json()["results"] == []


def test_a_resolved_alert_cannot_be_acknowledged(client, alerts):
    manchester, _ = alerts
    Alert.objects.filter(pk=manchester.pk).update(
        status="resolved", resolved_at=manchester.opened_at
    )
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    response = client.post(
        f"/alerts/{manchester.public_id}/acknowledge/", {"note": NOTE}, follow=True
    )
    assert "nothing to acknowledge" in response.content.decode()


def test_acknowledging_a_resolved_alert_in_the_api_is_a_409_problem(client, alerts):
    """Acknowledging is not possible once the alert is resolved: a state conflict."""
    manchester, _ = alerts
    Alert.objects.filter(pk=manchester.pk).update(
        status="resolved", resolved_at=manchester.opened_at
    )
    _, raw = issue_token(UserFactory(role=Role.COMMISSIONER), scope="write")
    response = client.post(
        f"/api/v1/alerts/{manchester.public_id}/acknowledge/",
        {"note": NOTE},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "nothing to acknowledge" in response.json()["detail"]
    assert Alert.objects.get(pk=manchester.pk).acknowledged_at is None


def test_the_alert_page_offers_acknowledging_only_while_it_is_open(client, alerts):
    manchester, _ = alerts
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    page = client.get(f"/alerts/{manchester.public_id}/").content.decode()
    assert ">Acknowledge</button>" in page
    Alert.objects.filter(pk=manchester.pk).update(
        status="acknowledged", acknowledged_at=manchester.opened_at
    )
    page = client.get(f"/alerts/{manchester.public_id}/").content.decode()
    assert ">Acknowledge</button>" not in page


# The list's rows are made in the view (`alert_list`), not by the template a row: the same
# markup as the template's row and tag partial gave.
TEMPLATE_ROW = (
    '<a class="govuk-link" href="{% url \'capacity:alert\' alert.public_id %}">'
    "{{ alert.get_rule_display }}: {{ alert.subject_name }}</a>|{{ alert.organisation.name }}|"
    "<strong class=\"govuk-tag govuk-tag--{% if alert.status == 'resolved' %}grey"
    "{% elif alert.severity == 'red' %}red{% else %}orange{% endif %}\">"
    "{% if alert.status == 'resolved' %}Resolved{% else %}{{ alert.get_severity_display }}"
    "{% endif %}</strong>|{{ alert.get_status_display }}"
)
MADE_ROW = (
    '<a class="govuk-link" href="{{ alert.path }}">{{ alert.title }}</a>|'
    "{{ alert.organisation_name }}|{{ alert.tag }}|{{ alert.status }}"
)


@pytest.mark.parametrize("status", Alert.Status.values)
@pytest.mark.parametrize("severity", Alert.Severity.values)
def test_the_lists_rows_are_what_the_template_wrote(status, severity):
    alert = raise_alert(make_service("Women's <centre> & more"), severity=severity)
    now = timezone.now()
    Alert.objects.filter(pk=alert.pk).update(
        status=status,
        acknowledged_at=now,
        resolved_at=now if status == Alert.Status.RESOLVED else None,
    )
    alert = Alert.objects.get(pk=alert.pk)
    engine = engines["django"]
    (row,) = _alert_rows([alert])
    made = engine.from_string(MADE_ROW).render({"alert": row})
    assert made == engine.from_string(TEMPLATE_ROW).render({"alert": alert})
    assert "Women&#x27;s &lt;centre&gt; &amp; more" in made and row["period"] == alert.period
