"""The directory lists its results from rows (`selectors.service_directory_rows`), each with
its page's address worked out once and its capacity indicator written in place: it must show
exactly what the services themselves, a URL lookup and the indicator's partial showed."""

import re

import pytest
from django.template import engines

from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers import selectors
from providers.forms.directory import DirectorySearchForm
from providers.models import Service
from providers.tests.factories import OrganisationFactory, make_service
from referrals.models import Status
from referrals.tests.factories import referral_in

pytestmark = pytest.mark.django_db

# The results as the page wrote them from services, before the rows.
PLAIN = """{% load capacity %}{% capacity_states services as states %}
<ul class="govuk-list" data-testid="results">
  {% for service in services %}
  <li class="govuk-!-margin-bottom-6">
    <h2 class="govuk-heading-m govuk-!-margin-bottom-1"><a class="govuk-link" href="{% url 'providers:service' service.pk %}">{{ service.name }}</a></h2>
    <p class="govuk-body govuk-!-margin-bottom-1">{{ service.organisation.name }}</p>
    <p class="govuk-body-s govuk-!-margin-bottom-1">
      {% for category in service.categories.all %}<strong class="govuk-tag govuk-tag--grey">{{ category.name }}</strong> {% endfor %}
      {% if service.status == "paused" %}<strong class="govuk-tag govuk-tag--yellow">Paused</strong>{% endif %}
      {% with state=states|state_for:service.pk %}{% if state %}<strong class="govuk-tag {{ state.tag_class }}" data-testid="capacity-indicator">{{ state.label }}</strong>{% if state.forecast %} <span class="govuk-body-s" data-testid="capacity-forecast">{{ state.forecast }}</span>{% endif %}{% endif %}{% endwith %}
    </p>
    <p class="govuk-body-s govuk-!-margin-bottom-0">Current wait: {% if service.current_wait_days %}{{ service.current_wait_days }} day{{ service.current_wait_days|pluralize }}{% else %}no wait{% endif %}</p>
  </li>
  {% endfor %}
</ul>"""


def squeezed(html: str) -> str:
    """Whitespace runs as one space: how a browser reads the text between the tags."""
    return re.sub(r"\s+", " ", html).strip()


@pytest.fixture
def practitioner():
    return UserFactory(role=Role.PRACTITIONER)  # Manchester North


@pytest.fixture
def directory():
    odd = OrganisationFactory(name='Tenants & "Friends" <Salford>')
    make_service(
        "Move on <fast>",
        organisation=odd,
        slugs=("accommodation", "mentoring", "education-training-employment"),
        current_wait_days=1,
    )
    make_service("Bolton homes", pdus=("Bolton",), current_wait_days=12)
    make_service("No categories", slugs=(), current_wait_days=0)
    make_service("Paused homes", status=Service.Status.PAUSED, current_wait_days=3)
    full = make_service("Full homes", slugs=("mentoring",), monthly_capacity=1)
    for _ in range(2):
        referral_in(Status.SENT, service=full)


def _plain_results(user, params) -> str:
    form = DirectorySearchForm(params)
    assert form.is_valid(), form.errors
    services = selectors.service_search(user=user, filters=form.filters())
    return squeezed(engines["django"].from_string(PLAIN).render({"services": services}))


def _page_results(client, params) -> str:
    page = client.get("/services/", params).content.decode()
    return squeezed(
        re.search(r'<ul class="govuk-list" data-testid="results">.*?</ul>', page, re.S)[0]
    )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"pdu": ""},
        {"pdu": "", "include_paused": "on"},
        {"q": "homes", "pdu": "", "include_paused": "on"},
        {"category": "mentoring", "pdu": ""},
    ],
)
def test_the_results_are_what_the_services_showed(client, practitioner, directory, params):
    client.force_login(practitioner)
    data = {"pdu": str(practitioner.pdu_id), **params}
    expected = _plain_results(practitioner, data)
    # Each case lists something, and the indicator shows, so that equality says something.
    assert "capacity-indicator" in expected
    assert _page_results(client, params) == expected


def test_the_rows_are_the_services_in_their_order(practitioner, directory):
    form = DirectorySearchForm({"pdu": "", "include_paused": "on"})
    assert form.is_valid()
    services = selectors.service_search(user=practitioner, filters=form.filters())
    rows = list(selectors.service_directory_rows(services))
    assert [row["id"] for row in rows] == [service.pk for service in services]
    for row, service in zip(rows, services, strict=True):
        assert row["organisation_name"] == service.organisation.name
        assert row["category_names"] == [category.name for category in service.categories.all()]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"pdu": "", "include_paused": "on"},
        {"q": "homes", "pdu": "", "include_paused": "on"},
        {"pdu": "", "population": "women"},
        {"pdu": "", "size_band": "micro"},
        {"q": "nothing-matches-this", "pdu": ""},
    ],
)
def test_the_total_is_how_many_services_match(client, practitioner, directory, params):
    client.force_login(practitioner)
    data = {"pdu": str(practitioner.pdu_id), **params}
    form = DirectorySearchForm(data)
    assert form.is_valid(), form.errors
    expected = len(list(selectors.service_search(user=practitioner, filters=form.filters())))

    response = client.get("/services/", params)

    assert response.context["page"].paginator.count == expected
    shown = re.search(r'data-testid="result-count">\s*(\d+) service', response.content.decode())
    assert int(shown[1]) == expected
