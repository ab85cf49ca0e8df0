"""The directory's capacity indicator with alternatives, and the commissioner's demand view."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers.models import Service
from providers.tests.factories import make_service
from referrals.models import Status
from referrals.tests.factories import referral_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_and_quiet():
    full = make_service("Women's centre", slugs=("womens-services",), monthly_capacity=2)
    quiet = make_service("Women's drop-in", slugs=("womens-services",), monthly_capacity=20)
    elsewhere = make_service(
        "Lambeth women's hub", slugs=("womens-services",), pdus=("Lambeth",), monthly_capacity=20
    )
    for _ in range(3):
        referral_in(Status.SENT, service=full)
    return full, quiet, elsewhere


def test_the_directory_shows_how_busy_each_service_is(client, busy_and_quiet):
    full, quiet, _ = busy_and_quiet
    client.force_login(UserFactory(role=Role.PRACTITIONER))
    page = client.get("/services/?q=women").content.decode()
    assert page.count('data-testid="capacity-indicator"') >= 2
    assert "Over capacity" in page and "Has room" in page


def test_a_practitioner_on_an_over_capacity_service_is_offered_services_with_room(
    client, busy_and_quiet
):
    full, quiet, elsewhere = busy_and_quiet
    client.force_login(UserFactory(role=Role.PRACTITIONER))
    page = client.get(f"/services/{full.pk}/").content.decode()
    assert 'data-testid="alternatives"' in page
    assert "Women&#x27;s drop-in" in page and "Lambeth women" not in page
    assert 'data-testid="alternatives"' not in client.get(f"/services/{quiet.pk}/").content.decode()
    client.force_login(UserFactory(role=Role.PROVIDER_ADMIN))
    assert 'data-testid="alternatives"' not in client.get(f"/services/{full.pk}/").content.decode()


def test_the_demand_view_is_a_commissioners_in_their_regions(client, busy_and_quiet):
    full, _, _ = busy_and_quiet
    commissioner = UserFactory(role=Role.COMMISSIONER)
    client.force_login(commissioner)
    page = client.get("/demand/").content.decode()
    assert 'data-testid="heat-table"' in page and "Women" in page
    # Three referrals against 22 a month of capacity in Greater Manchester.
    assert "13.6%" in page
    assert client.get("/demand/?region=J").status_code == 404
    drill = client.get("/demand/womens-services/").content.decode()
    assert "Women&#x27;s centre" in drill and "150%" in drill and "Lambeth" not in drill

    rows = list(csv.DictReader(io.StringIO(client.get("/demand.csv").content.decode())))
    assert {row["region"] for row in rows} == {"Greater Manchester"}
    assert len({row["month"] for row in rows}) == 13
    women = [row for row in rows if row["category"] == "Women's services" and row["sent"] != "0"]
    assert [row["sent"] for row in women] == ["3"]

    for role in (Role.PRACTITIONER, Role.PROVIDER_ADMIN):
        client.force_login(UserFactory(role=role))
        assert client.get("/demand/").status_code == 404
        assert client.get("/demand.csv").status_code == 404


def test_the_heat_tables_key_gives_the_thresholds_in_force(client, busy_and_quiet, settings):
    settings.CAPACITY_UNDER_USED_PERCENT = 40
    settings.CAPACITY_AMBER_PERCENT = 90
    settings.CAPACITY_RED_PERCENT = 120
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    page = client.get("/demand/").content.decode()
    assert "</strong>: under 40% of capacity" in page
    assert "</strong>: 90% up to 120%" in page and "</strong>: 120% or more" in page


def _drill_names(page: str) -> list[str]:
    table = page.split('data-testid="category-services"')[1].split("</table>")[0]
    return re.findall(r'href="/services/\d+/">([^<]+)</a>', table)


def _drill(client, number: int) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/demand/womens-services/?page={number}").content.decode()
    return page, len(queries)


def test_the_drill_down_pages_its_services_in_the_tables_order(client, busy_and_quiet, monkeypatch):
    monkeypatch.setattr("capacity.views.demand.SERVICES_PER_PAGE", 2)
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    first, few = _drill(client, 1)
    assert 'aria-label="Pages of services"' not in first

    for number in range(3):
        make_service(f"Women's project {number}", slugs=("womens-services",))
    pages = [_drill(client, number) for number in (1, 2, 3)]
    # Every service of the category in the region once, by organisation then name; Lambeth's
    # is in another region.
    expected = [
        escape(name)
        for name in Service.objects.filter(categories__slug="womens-services")
        .exclude(name__startswith="Lambeth")
        .order_by("organisation__name", "name", "pk")
        .values_list("name", flat=True)
    ]
    assert [name for page, _ in pages for name in _drill_names(page)] == expected
    assert [len(_drill_names(page)) for page, _ in pages] == [2, 2, 1]
    assert 'aria-label="Pages of services"' in pages[0][0]
    assert "150%" in "".join(page for page, _ in pages)
    # The page's figures are read for its services alone, whatever their number.
    assert {count for _, count in pages} == {few}


def test_services_with_room_are_found_once_and_kept_for_a_few_minutes(client, busy_and_quiet):
    import time_machine
    from django.utils import timezone

    from capacity.templatetags.capacity import ALTERNATIVES_SECONDS

    full, quiet, _ = busy_and_quiet
    client.force_login(UserFactory(role=Role.PRACTITIONER))
    path = f"/services/{full.pk}/"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert "Women&#x27;s drop-in" in client.get(path).content.decode()
        # The drop-in fills up: the page keeps what it found until the few minutes are up.
        Service.objects.filter(pk=quiet.pk).update(monthly_capacity=1)
        for _ in range(2):
            referral_in(Status.SENT, service=quiet)
        with CaptureQueriesContext(connection) as kept:
            assert "Women&#x27;s drop-in" in client.get(path).content.decode()
        # One utilisation statement (the service's own indicator), not a second for the others.
        assert sum("funded.total" in q["sql"] for q in kept.captured_queries) == 1
        # Closed in the meantime: never listed, though which had room is still kept.
        Service.objects.filter(pk=quiet.pk).update(status=Service.Status.CLOSED)
        assert 'data-testid="alternatives"' not in client.get(path).content.decode()
        Service.objects.filter(pk=quiet.pk).update(status=Service.Status.ACTIVE)
        assert "Women&#x27;s drop-in" in client.get(path).content.decode()
        clock.shift(ALTERNATIVES_SECONDS + 1)
        assert 'data-testid="alternatives"' not in client.get(path).content.decode()


def test_the_drill_down_lists_the_chosen_regions_services_or_all_the_commissioners(
    client, busy_and_quiet
):
    from partnership.models import Region
    from partnership.tests.factories import CommissioningBodyFactory

    body = CommissioningBodyFactory(regions=Region.objects.filter(code__in=["L", "J"]))
    client.force_login(UserFactory(role=Role.COMMISSIONER, commissioning_body=body))

    def names(query: str) -> set[str]:
        page = client.get(f"/demand/womens-services/{query}").content.decode()
        return set(_drill_names(page)) if 'data-testid="category-services"' in page else set()

    manchester = {escape("Women's centre"), escape("Women's drop-in")}
    london = {escape("Lambeth women's hub")}
    assert names("") == manchester | london
    assert names("?region=L") == manchester
    assert names("?region=J") == london
    # Another body's commissioner sees none of them, and no region of this body's.
    client.force_login(
        UserFactory(
            role=Role.COMMISSIONER,
            commissioning_body=CommissioningBodyFactory(regions=Region.objects.filter(code="A")),
        )
    )
    assert names("") == set()
    assert client.get("/demand/womens-services/?region=L").status_code == 404
