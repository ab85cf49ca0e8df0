"""The change feed (`/api/v1/events/`) and `/api/v1/referrals/?updated_since=`: paged by an
opaque cursor, in commit order, so writes while a client pages neither hide nor repeat a
change; each user sees only the changes to referrals they may see."""

import threading

import pytest
from django.db import connection, transaction
from django.db.models import F

from integrations.models import ReferralChange
from integrations.services import change_positions_assign
from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service
from referrals import services
from referrals.models import Status
from referrals.tests.factories import provider_admin_for, referral_in

_tokens = {}


def headers(user):
    # One token a user: issuing one locks the user's row, which a writer may hold.
    if user.pk not in _tokens:
        _, raw = issue_token(user, scope="read")
        _tokens[user.pk] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return _tokens[user.pk]


def read_all(client, user, path, *, cursor=None, between_pages=None, page_size=2):
    """Page through a feed to its end; returns the items and the last cursor."""
    items, pages = [], 0
    joiner = "&" if "?" in path else "?"
    url = f"{path}{joiner}page_size={page_size}" + (f"&cursor={cursor}" if cursor else "")
    while url:
        # What each writer does once its change commits (a test's writes never commit).
        change_positions_assign()
        response = client.get(url, **headers(user))
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["results"]
        cursor, url = body["cursor"], body["next"]
        pages += 1
        if between_pages and url:
            between_pages(pages)
    return items, cursor


@pytest.mark.django_db
def test_paging_while_referrals_change_misses_and_repeats_no_change(client):
    service = make_service()
    admin = provider_admin_for(service)
    referrals = [referral_in(Status.SENT, service=service) for _ in range(5)]

    def write(page):
        # A change to a referral already read, and a new referral sent, while paging.
        if page == 1:
            services.referral_accept(referral=referrals[0], by=admin)
            referrals.append(referral_in(Status.SENT, service=service))

    items, cursor = read_all(client, admin, "/api/v1/events/", between_pages=write)

    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), "a change came twice"
    expected = ReferralChange.objects.filter(referral__in=referrals)
    assert set(ids) == {str(change.event_id) for change in expected}
    assert [item["type"] for item in items].count("referral.accepted") == 1
    # The feed carries ids and where to fetch, never the person.
    assert referrals[0].crn not in str(items) and referrals[0].last_name not in str(items)

    # A later sync from the kept cursor gets only what happened since.
    services.referral_accept(referral=referrals[1], by=admin)
    later, _ = read_all(client, admin, "/api/v1/events/", cursor=cursor)
    assert [(item["type"], item["referral"]["id"]) for item in later] == [
        ("referral.accepted", str(referrals[1].public_id))
    ]


@pytest.mark.django_db
def test_each_user_sees_only_changes_to_referrals_they_may_see(client):
    ours = referral_in(Status.SENT)
    theirs = referral_in(Status.SENT)
    admin = provider_admin_for(ours.service)
    items, _ = read_all(client, admin, "/api/v1/events/")
    assert {item["referral"]["id"] for item in items} == {str(ours.public_id)}

    commissioner = UserFactory(role=Role.COMMISSIONER)
    assert read_all(client, commissioner, "/api/v1/events/")[0] == []
    # The other organisation sees its own referral's changes, and not ours.
    other_items, _ = read_all(client, provider_admin_for(theirs.service), "/api/v1/events/")
    assert {item["referral"]["id"] for item in other_items} == {str(theirs.public_id)}
    # The referring practitioner sees the changes from their side.
    practitioner_items, _ = read_all(client, ours.practitioner, "/api/v1/events/")
    assert str(ours.public_id) in str(practitioner_items)


@pytest.mark.django_db
def test_a_cursor_the_feed_never_gave_is_a_400(client):
    admin = provider_admin_for(referral_in(Status.SENT).service)
    for bad in ["nonsense", "djE6LTE"]:  # the second is "v1:-1"
        response = client.get(f"/api/v1/events/?cursor={bad}", **headers(admin))
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/problem+json")
    response = client.get("/api/v1/events/?updated_since=yesterday", **headers(admin))
    assert response.status_code == 400


@pytest.mark.django_db
def test_referrals_updated_since_come_once_each_at_their_latest_change(client):
    service = make_service()
    admin = provider_admin_for(service)
    before = referral_in(Status.SENT, service=service)
    since = ReferralChange.objects.latest("occurred_at").occurred_at
    referrals = [referral_in(Status.SENT, service=service) for _ in range(4)]

    def write(page):
        if page == 1:
            # Read on the first page, changed now: it comes again, later, as it is now.
            services.referral_accept(referral=referrals[0], by=admin)

    items, cursor = read_all(
        client,
        admin,
        f"/api/v1/referrals/?updated_since={since.isoformat().replace('+', '%2B')}",
        between_pages=write,
    )
    seen = [item["id"] for item in items]
    # The referral sent at `since` itself may come (a repeat is harmless); none is missed.
    assert (
        {str(r.public_id) for r in referrals}
        <= set(seen)
        <= {str(r.public_id) for r in [before, *referrals]}
    )
    assert seen.count(str(referrals[0].public_id)) == 2
    assert [item["status"] for item in items if item["id"] == str(referrals[0].public_id)][
        -1
    ] == "accepted"

    # Nothing changed since the last cursor: an empty page that keeps the cursor.
    response = client.get(f"/api/v1/referrals/?cursor={cursor}", **headers(admin))
    assert response.json()["results"] == [] and response.json()["cursor"] == cursor


@pytest.mark.django_db(transaction=True)
def test_a_change_that_commits_after_a_later_one_is_not_missed(client, committed_db):
    """The hazard of sequence ids: a change given a lower id commits after a higher one a
    client has already read past. Feed positions come after commit, so it still comes."""
    from providers.tests.factories import OrganisationFactory

    organisation = OrganisationFactory()
    first = referral_in(Status.SENT, service=make_service(organisation=organisation))
    # In another region: taking a referral's lock also locks its PDU's and region's rows.
    elsewhere = Pdu.objects.exclude(region=first.pdu.region).first()
    second = referral_in(
        Status.SENT,
        practitioner=UserFactory(role=Role.PRACTITIONER, pdu=elsewhere),
        service=make_service("Second", organisation=organisation, pdus=(elsewhere.name,)),
    )
    admin = provider_admin_for(first.service)
    reader = UserFactory(role=Role.CASEWORKER, organisation=organisation)
    _tokens.clear()
    _, cursor = read_all(client, reader, "/api/v1/events/")

    recorded, release = threading.Event(), threading.Event()

    def slow_accept():
        try:
            with transaction.atomic():
                services.referral_accept(referral=first, by=admin)
                recorded.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_accept)
    writer.start()
    try:
        assert recorded.wait(timeout=30)
        services.referral_accept(referral=second, by=admin)  # commits first
        early, cursor = read_all(client, reader, "/api/v1/events/", cursor=cursor)
        assert [item["referral"]["id"] for item in early] == [str(second.public_id)]
    finally:
        release.set()
        writer.join()

    late, _ = read_all(client, reader, "/api/v1/events/", cursor=cursor)
    assert [(item["type"], item["referral"]["id"]) for item in late] == [
        ("referral.accepted", str(first.public_id))
    ]
    # The later-committing change did have the lower id: ordering by id would lose it.
    first_change = ReferralChange.objects.get(referral=first, event_type="referral.accepted")
    second_change = ReferralChange.objects.get(referral=second, event_type="referral.accepted")
    assert first_change.pk < second_change.pk
    assert first_change.position > second_change.position


@pytest.mark.django_db
def test_positions_are_given_once_in_order():
    referral_in(Status.SENT)
    assert change_positions_assign() >= 1
    assert change_positions_assign() == 0
    positions = list(ReferralChange.objects.values_list("position", flat=True))
    assert None not in positions and len(set(positions)) == len(positions)


@pytest.mark.django_db
def test_positions_follow_the_order_the_changes_were_made():
    """However the database plans the update, a later change never gets an earlier place."""
    from django.db import connection as default_connection

    for _ in range(12):
        referral_in(Status.SENT)
    # The earlier half rewritten, so the table holds them after the later half.
    earliest = list(ReferralChange.objects.order_by("id").values_list("id", flat=True))[:6]
    ReferralChange.objects.filter(id__in=earliest).update(event_type=F("event_type"))
    with default_connection.cursor() as cursor:
        # A plan that reads the rows as the table holds them, not by id.
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    change_positions_assign()
    placed = list(ReferralChange.objects.order_by("id").values_list("position", flat=True))
    assert placed == sorted(placed)


@pytest.mark.django_db
def test_a_page_of_the_feed_costs_the_same_queries_however_long(client):
    from django.db import connection as default_connection
    from django.test.utils import CaptureQueriesContext

    service = make_service()
    admin = provider_admin_for(service)
    for _ in range(6):
        referral_in(Status.SENT, service=service)
    auth = headers(admin)
    change_positions_assign()
    client.get("/api/v1/events/", **auth)  # the token's first use is recorded once
    counts = {}
    for path in ("/api/v1/events/", "/api/v1/referrals/?updated_since=2000-01-01T00:00:00Z"):
        for size in (1, 5):
            joiner = "&" if "?" in path else "?"
            with CaptureQueriesContext(default_connection) as queries:
                response = client.get(f"{path}{joiner}page_size={size}", **auth)
            assert response.status_code == 200 and len(response.json()["results"]) == size
            counts[(path, size)] = len(queries)
        assert counts[(path, 1)] == counts[(path, 5)], counts
