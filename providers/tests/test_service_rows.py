"""The API's service list reads rows (`selectors.service_rows`) written straight to JSON:
it must answer exactly what the filter set and `ServiceSerializer` answered, in the same
order, with the filter set's errors."""

import json

import pytest
from django.core.cache import cache
from django.db.models import Prefetch
from rest_framework.test import APIRequestFactory

from partnership.models import Pdu, Role, ServiceCategory
from partnership.tests.factories import UserFactory, issue_token
from providers import selectors
from providers.api.serializers import CATEGORY_OPTIONS_KEY, ServiceSerializer
from providers.filters import ServiceFilter
from providers.models import Service
from providers.tests.factories import OrganisationFactory, make_service

pytestmark = pytest.mark.django_db


def auth(user):
    _, raw = issue_token(user, scope="read")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def directory():
    own = OrganisationFactory(name="Riverside Futures")
    make_service(
        "Move on",
        organisation=own,
        slugs=("accommodation", "mentoring"),
        pdus=("Manchester North", "Bolton", "Salford"),
        maximum_age=25,
        current_wait_days=3,
    )
    make_service("Bolton homes", pdus=("Bolton",), eligible_sex=Service.Sex.FEMALE)
    make_service("Jobs", slugs=("education-training-employment",), current_wait_days=9)
    make_service("Paused one", organisation=own, status=Service.Status.PAUSED)
    make_service("Closed one", organisation=own, status=Service.Status.CLOSED)
    make_service("Someone else's closed one", status=Service.Status.CLOSED)
    return own


def _generic(user, params: dict) -> list[dict]:
    """What the filter set and the serializer answered before the rows."""
    request = APIRequestFactory().get("/api/v1/services/", params)
    request.user = user
    queryset = selectors.service_list_visible_to(user=user).order_by("name", "pk")
    services = ServiceFilter(params, queryset=queryset, request=request).qs.prefetch_related(
        Prefetch("pdus", queryset=Pdu.objects.only("id"))
    )
    return json.loads(json.dumps(ServiceSerializer(services, many=True).data))


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "housing"},
        {"q": "support", "category": "accommodation"},
        {"region": "L", "sex": "female"},
        {"age": "30", "setting": "community"},
        {"status": "paused"},
        {"status": "closed"},
    ],
)
@pytest.mark.parametrize("role", ["provider_admin", "practitioner"])
def test_the_list_is_the_serializers_answer(client, directory, params, role):
    user = (
        UserFactory(role=Role.PROVIDER_ADMIN, organisation=directory)
        if role == "provider_admin"
        else UserFactory(role=Role.PRACTITIONER)
    )
    response = client.get("/api/v1/services/", {**params, "page_size": 100}, **auth(user))
    assert response.status_code == 200, response.content
    listed = response.json()["results"]
    assert listed == _generic(user, params)
    # Each case lists something, so that equality says something; only a practitioner asking
    # for closed services sees none (closed ones are only ever their own organisation's).
    assert listed or (role == "practitioner" and params.get("status") == "closed")


def test_a_pdu_filter_is_the_serializers_answer(client, directory):
    user = UserFactory(role=Role.PRACTITIONER)
    params = {"pdu": Pdu.objects.get(name="Bolton").pk, "q": "support"}
    listed = client.get("/api/v1/services/", params, **auth(user)).json()["results"]
    assert listed == _generic(user, params)
    assert {service["name"] for service in listed} == {"Move on", "Bolton homes"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "gardening"}, "category"),
        ({"pdu": "999999"}, "pdu"),
        ({"pdu": "0"}, "pdu"),
        ({"pdu": "-3"}, "pdu"),
        ({"pdu": "abc"}, "pdu"),
        ({"pdu": "²"}, "pdu"),
        ({"pdu": "9" * 30}, "pdu"),
        ({"pdu": "1" * 5000}, "pdu"),
        ({"region": "ZZ"}, "region"),
        ({"category": "gardening", "q": "support"}, "category"),
        ({"category": "gardening", "page": "2"}, "category"),
        ({"region": "ZZ", "page": "abc"}, "region"),
        ({"age": "old"}, "age"),
        ({"status": "asleep"}, "status"),
        ({"sex": "x"}, "sex"),
    ],
)
def test_a_bad_filter_is_the_filter_sets_400(client, directory, params, field):
    response = client.get("/api/v1/services/", params, **auth(UserFactory()))
    assert response.status_code == 400
    errors = response.json()["errors"]
    form = ServiceFilter(params, queryset=Service.objects.none()).form
    assert not form.is_valid()
    assert errors[field] == form.errors[field]


def test_every_bad_filter_is_named_at_once(client, directory):
    params = {"pdu": "999999", "category": "gardening", "age": "old"}
    response = client.get("/api/v1/services/", params, **auth(UserFactory()))
    assert response.status_code == 400
    form = ServiceFilter(params, queryset=Service.objects.none()).form
    assert not form.is_valid()
    assert response.json()["errors"] == form.errors


def test_a_known_pdu_that_no_service_covers_is_an_empty_list(client, directory):
    """The unknown are refused only when a list finds nothing; a PDU that exists but that
    no service covers is an empty list, not an error."""
    uncovered = Pdu.objects.exclude(services__isnull=False).first()
    response = client.get(
        "/api/v1/services/", {"pdu": uncovered.pk, "category": "mentoring"}, **auth(UserFactory())
    )
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0


def test_the_list_reads_no_category_pdu_or_region_when_it_finds_services(
    client, directory, django_assert_num_queries
):
    """Services found covering a PDU, in a category and region prove that they exist: the
    list does not look them up as well. Two statements: the token and the list (the
    category options are kept in the cache)."""
    headers = auth(UserFactory())
    params = {"pdu": Pdu.objects.get(name="Bolton").pk, "category": "accommodation", "region": "L"}
    first = client.get("/api/v1/services/", params, **headers).json()
    assert first["count"] == 2
    with django_assert_num_queries(2):
        assert client.get("/api/v1/services/", params, **headers).json() == first


def _rename_category(category):
    category.name = "Somewhere to live"
    category.save()


def _reword_outcome(category):
    outcome = category.desired_outcomes.first()
    outcome.description = "Settled in a home of their own"
    outcome.save()


def _drop_level(category):
    category.complexity_levels.first().delete()


@pytest.mark.parametrize("change", [_rename_category, _reword_outcome, _drop_level])
def test_the_next_list_shows_a_changed_category(client, directory, change):
    """The categories' levels and outcomes are kept between responses; a change to any of
    them is in the very next one."""
    user = UserFactory(role=Role.PRACTITIONER)
    headers = auth(user)
    params = {"category": "accommodation", "page_size": 100}
    before = client.get("/api/v1/services/", params, **headers).json()["results"]
    change(ServiceCategory.objects.get(slug="accommodation"))
    after = client.get("/api/v1/services/", params, **headers).json()["results"]
    assert after != before
    cache.clear()  # the serializer reads the options afresh
    assert after == _generic(user, params)


def test_a_category_newer_than_the_kept_options_is_read_afresh(client, directory):
    """Options kept just before a category was added (a read that raced its save) lack it:
    a service in it is still answered, with the category's levels and outcomes."""
    headers = auth(UserFactory(role=Role.PRACTITIONER))
    client.get("/api/v1/services/", **headers)
    kept = cache.get(CATEGORY_OPTIONS_KEY)
    category = ServiceCategory.objects.create(slug="gardening", name="Gardening", description="")
    category.desired_outcomes.create(description="Grows their own food", position=1)
    make_service("Allotments", slugs=("gardening",))
    for path in ("/api/v1/services/?category=gardening", "/api/v1/services/?q=allotments"):
        cache.set(CATEGORY_OPTIONS_KEY, kept)  # as if a read racing the save had kept them
        response = client.get(path, **headers)
        assert response.status_code == 200
        [service] = response.json()["results"]
        assert [outcome["name"] for outcome in service["desired_outcomes"]] == [
            "Grows their own food"
        ]
    cache.set(CATEGORY_OPTIONS_KEY, kept)
    detail = client.get(f"/api/v1/services/{service['id']}/", **headers)
    assert detail.status_code == 200
    assert detail.json()["desired_outcomes"] == service["desired_outcomes"]
