"""The API's referral list reads rows through `selectors.ReferralRows`: it must list exactly
what the scoped queryset (and so the detail) allows, in its order, page by page."""

import pytest

from partnership.models import DesiredOutcome, Pdu, Role, ServiceCategory
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service
from referrals import selectors
from referrals.models import Status
from referrals.tests.factories import provider_admin_for, referral_in, trained_caseworker_for

pytestmark = pytest.mark.django_db


def headers(user):
    _, raw = issue_token(user, scope="read")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def listed_ids(client, user, query=""):
    """Every id the API lists for the user, following `next` two at a time."""
    ids, path = [], f"/api/v1/referrals/?page_size=2{query}"
    while path:
        response = client.get(path, **headers(user))
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        path = body["next"]
    return ids


@pytest.fixture
def world():
    service = make_service()
    practitioner = UserFactory(role=Role.PRACTITIONER)
    referrals = [
        referral_in(state, practitioner=practitioner, service=service)
        for state in (Status.DRAFT, Status.SENT, Status.ACCEPTED, Status.SENT, Status.WITHDRAWN)
    ]
    # Another PDU's referral to another organisation.
    elsewhere = referral_in(
        Status.SENT,
        practitioner=UserFactory(
            role=Role.PRACTITIONER, pdu=Pdu.objects.exclude(pk=practitioner.pdu_id).first()
        ),
    )
    return {
        "service": service,
        "referrals": referrals,
        "elsewhere": elsewhere,
        "users": {
            "practitioner": practitioner,
            "same_pdu": UserFactory(role=Role.PRACTITIONER, pdu=practitioner.pdu),
            "provider_admin": provider_admin_for(service),
            "caseworker": trained_caseworker_for(service),
            "other_provider": provider_admin_for(elsewhere.service),
            "commissioner": UserFactory(role=Role.COMMISSIONER),
            "assessor": UserFactory(role=Role.ASSESSOR),
        },
    }


@pytest.mark.parametrize(
    "who",
    [
        "practitioner",
        "same_pdu",
        "provider_admin",
        "caseworker",
        "other_provider",
        "commissioner",
        "assessor",
    ],
)
def test_the_list_is_the_scoped_queryset_in_its_order(client, world, who):
    user = world["users"][who]
    expected = [
        str(public_id)
        for public_id in selectors.referral_list_visible_to(user=user).values_list(
            "public_id", flat=True
        )
    ]
    assert listed_ids(client, user) == expected
    for status in (Status.DRAFT, Status.SENT):
        in_status = [
            str(public_id)
            for public_id in selectors.referral_list_visible_to(user=user)
            .filter(status=status)
            .values_list("public_id", flat=True)
        ]
        assert listed_ids(client, user, f"&status={status}") == in_status


def test_drafts_are_listed_to_their_pdu_and_never_to_the_provider(client, world):
    draft = str(world["referrals"][0].public_id)
    assert draft in listed_ids(client, world["users"]["same_pdu"])
    assert draft not in listed_ids(client, world["users"]["provider_admin"])
    assert listed_ids(client, world["users"]["provider_admin"], "&status=draft") == []
    assert str(world["elsewhere"].public_id) not in listed_ids(
        client, world["users"]["practitioner"]
    )
    assert listed_ids(client, world["users"]["commissioner"]) == []


def test_desired_outcomes_are_listed_by_category_then_position(client):
    first, second = ServiceCategory.objects.order_by("name")[:2]
    service = make_service(slugs=(second.slug, first.slug))
    referral = referral_in(Status.SENT, service=service)
    chosen = [
        DesiredOutcome.objects.filter(category=second).order_by("-position").first(),
        DesiredOutcome.objects.filter(category=first).order_by("-position").first(),
        DesiredOutcome.objects.filter(category=first).order_by("position").first(),
    ]
    referral.desired_outcomes.set(chosen)
    (row,) = client.get("/api/v1/referrals/", **headers(referral.practitioner)).json()["results"]
    assert row["desired_outcomes"] == [
        outcome.pk for outcome in sorted(chosen, key=lambda o: (o.category.name, o.position))
    ]
    assert row["desired_outcomes"] == [outcome.pk for outcome in referral.desired_outcomes.all()]


def test_an_unknown_status_is_a_400_naming_the_filter(client, world):
    response = client.get(
        "/api/v1/referrals/?status=lost", **headers(world["users"]["practitioner"])
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "lost is not one of the available choices" in response.json()["errors"]["status"][0]


def test_a_page_past_the_end_is_a_404_and_the_last_page_has_no_next(client, world):
    auth = headers(world["users"]["practitioner"])
    last = client.get("/api/v1/referrals/?page_size=2&page=3", **auth).json()
    assert len(last["results"]) == 1 and last["next"] is None and last["previous"]
    assert client.get("/api/v1/referrals/?page_size=2&page=4", **auth).status_code == 404
