"""Equality monitoring: an optional task on the referral, and the commissioner's figures by
group, suppressed so that nobody sees, or can work out, a figure that could identify a
person."""

from __future__ import annotations

import itertools
import random
import re

import pytest
from django.utils import timezone

from intelligence import figures, services, suppression
from intelligence.models import CHARACTERISTICS, EqualityMonitoring
from intelligence.suppression import with_totals
from intelligence.tests.test_suppression import (
    another_value,
    recovered_exactly,
    recovered_from_linked,
    recovered_one_line_at_a_time,
)
from partnership.errors import NotPermitted, StateConflict
from partnership.models import DesiredOutcome, Pdu, Region, Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals.models import EndOfServiceReport, OutcomeResult, Referral, Status
from referrals.tests.factories import referral_in

pytestmark = pytest.mark.django_db

_crns = itertools.count(500000)


def _task_page(client, referral):
    return client.get(f"/referrals/{referral.public_id}/tasks/").content.decode()


def test_equality_monitoring_is_an_optional_task_on_the_referral(client, practitioner):
    referral = referral_in(Status.DRAFT, practitioner=practitioner)
    client.force_login(practitioner)

    page = _task_page(client, referral)
    assert f'href="/referrals/{referral.public_id}/equality-monitoring/"' in page
    assert 'id="status-equality"><strong class="govuk-tag govuk-tag--grey">Optional' in page


def test_a_practitioner_records_answers_with_prefer_not_to_say(client, practitioner):
    referral = referral_in(Status.DRAFT, practitioner=practitioner)
    client.force_login(practitioner)
    url = f"/referrals/{referral.public_id}/equality-monitoring/"

    form = client.get(url).context["form"]
    assert form.initial == {"age_band": "35_49", "sex": "male"}  # from the referral, to confirm
    response = client.post(
        url, {"ethnicity": "black", "religion": "prefer_not", "care_leaver": "yes"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.public_id}/tasks/"
    saved = EqualityMonitoring.objects.get(referral=referral)
    assert (saved.ethnicity, saved.religion, saved.care_leaver, saved.sex) == (
        "black",
        "prefer_not",
        "yes",
        "",
    )
    assert 'id="status-equality">Completed' in _task_page(client, referral)


def test_every_question_is_optional_and_unknown_answers_are_refused(client, practitioner):
    referral = referral_in(Status.DRAFT, practitioner=practitioner)
    client.force_login(practitioner)
    url = f"/referrals/{referral.public_id}/equality-monitoring/"

    assert client.post(url, {}).status_code == 302
    refused = client.post(url, {"ethnicity": "martian"})
    assert refused.status_code == 200
    assert "govuk-error-summary" in refused.content.decode()
    assert EqualityMonitoring.objects.get(referral=referral).ethnicity == ""


def test_equality_monitoring_is_not_there_for_anyone_who_may_not_change_the_referral(client):
    referral = referral_in(Status.SENT)
    url = f"/referrals/{referral.public_id}/equality-monitoring/"
    for user in [
        UserFactory(pdu=Pdu.objects.get(name="Lambeth")),
        UserFactory(role=Role.PROVIDER_ADMIN, organisation=referral.organisation),
        UserFactory(role=Role.COMMISSIONER),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == 404
        with pytest.raises(NotPermitted):
            services.equality_record(referral=referral, by=user, answers={"sex": "male"})


def test_a_closed_referral_keeps_its_answers(client, practitioner):
    referral = referral_in(Status.WITHDRAWN, practitioner=practitioner)
    client.force_login(practitioner)

    assert client.get(f"/referrals/{referral.public_id}/equality-monitoring/").status_code == 404
    with pytest.raises(StateConflict):
        services.equality_record(referral=referral, by=practitioner, answers={"sex": "male"})


# Figures ----------------------------------------------------------------------------------


def _referrals(service, practitioner, n, *, stage, **answers):
    """`n` sent referrals that went as far as `stage`, with the equality answers given, made
    directly: the figures read states, and the workflow is tested where it lives."""
    now = timezone.now()
    status, decided = {
        "not_decided": (Status.SENT, None),
        "declined": (Status.DECLINED, now),
        "accepted": (Status.ACCEPTED, now),
        "completed": (Status.COMPLETED, now),
        "achieved": (Status.COMPLETED, now),
    }[stage]
    outcome = DesiredOutcome.objects.filter(category__in=service.categories.all()).first()
    for _ in range(n):
        referral = Referral.objects.create(
            practitioner=practitioner,
            pdu=practitioner.pdu,
            service=service,
            crn=f"Q{next(_crns)}",
            status=status,
            sent_at=now,
            decided_at=decided,
        )
        if answers:
            EqualityMonitoring.objects.create(
                referral=referral, recorded_by=practitioner, **answers
            )
        if status == Status.COMPLETED:
            report = EndOfServiceReport.objects.create(
                referral=referral, closing_reason="completed", summary="Done.", sent_by=practitioner
            )
            OutcomeResult.objects.create(
                report=report,
                desired_outcome=outcome,
                result="achieved" if stage == "achieved" else "not_achieved",
            )


@pytest.fixture
def region_referrals(practitioner):
    """Referrals from Greater Manchester by ethnic group: white and Black groups large
    enough to publish, Asian small (three), some unrecorded."""
    service = make_service("Housing support")
    for stage, white, black in [
        ("not_decided", 6, 5),
        ("declined", 10, 12),
        ("accepted", 20, 8),
        ("completed", 6, 5),
        ("achieved", 14, 5),
    ]:
        _referrals(service, practitioner, white, stage=stage, ethnicity="white")
        _referrals(service, practitioner, black, stage=stage, ethnicity="black")
    _referrals(service, practitioner, 2, stage="declined", ethnicity="asian")
    _referrals(service, practitioner, 1, stage="achieved", ethnicity="asian")
    _referrals(service, practitioner, 7, stage="accepted")
    _referrals(service, practitioner, 5, stage="declined")
    _referrals(service, practitioner, 5, stage="achieved")
    # A draft is no referral yet; another region's referrals are not this region's.
    referral_in(Status.DRAFT, practitioner=practitioner, service=service)
    lambeth = UserFactory(pdu=Pdu.objects.get(name="Lambeth"))
    _referrals(service, lambeth, 9, stage="declined", ethnicity="white")
    return service


def _table(**kwargs):
    referrals = Referral.objects.filter(pdu__region__code="L", **kwargs)
    return figures.equality_table(referrals=referrals, characteristic="ethnicity")


def test_each_group_is_counted_by_how_far_its_referrals_went(region_referrals):
    counts = figures.equality_counts(
        referrals=Referral.objects.filter(pdu__region__code="L"), characteristic="ethnicity"
    )

    assert counts["white"] == [6, 10, 20, 6, 14]
    assert counts["black"] == [5, 12, 8, 5, 5]
    assert counts["asian"] == [0, 2, 0, 0, 1]
    assert counts[""] == [0, 5, 7, 0, 5]  # not recorded
    assert counts["prefer_not"] == [0] * 5


def test_rates_and_disparity_ratios_against_the_whole(region_referrals):
    table = _table()
    white = next(group for group in table.groups if group.key == "white")
    black = next(group for group in table.groups if group.key == "black")

    # White: accepted 40 of 50 decided; completed 20 of 40 accepted; achieved 14 of 20.
    assert white.rates == {"acceptance": 80.0, "completion": 50.0, "outcome": 70.0}
    # Black: accepted 18 of 30 decided.
    assert black.rates["acceptance"] == 60.0
    assert black.referrals == 35
    # The whole's acceptance: 40 + 18 + 1 + 12 accepted of 50 + 30 + 3 + 17 decided.
    assert table.whole.rates["acceptance"] == 71.0
    assert black.ratios["acceptance"] == round(60.0 / table.whole.rates["acceptance"], 2)
    assert black.ratios["acceptance"] < 1 < white.ratios["acceptance"]


def test_a_small_group_is_suppressed_and_cannot_be_worked_out(region_referrals):
    table = _table()
    asian = next(group for group in table.groups if group.key == "asian")

    assert asian.referrals is None
    assert asian.counts[1] is None and asian.counts[4] is None
    assert all(rate is None for rate in asian.rates.values())
    assert asian.share is None
    # The attack: every row and column total published, every other figure published.
    assert recovered_one_line_at_a_time(table.published) == {}
    assert recovered_exactly(table.published) == {}
    # Knowing counts are whole and never negative, each small count could still be another.
    counts = figures.equality_counts(
        referrals=Referral.objects.filter(pdu__region__code="L"), characteristic="ethnicity"
    )
    truth = with_totals([counts[key] for key, _ in figures.characteristic_groups("ethnicity")])
    for cell in table.published.primary:
        assert another_value(table.published, truth, cell) is not None


def test_the_commissioners_page_shows_c_and_never_the_small_figures(
    client, commissioner, region_referrals
):
    client.force_login(commissioner)

    response = client.get("/equality/", {"characteristic": "ethnicity"})

    assert response.status_code == 200
    page = response.content.decode()
    row = page[page.index('data-testid="group-asian"') :]
    row = row[: row.index("</tr>")]
    assert "[c]" in row
    assert ">2<" not in row and ">1<" not in row and ">3<" not in row
    table = response.context["table"]
    assert recovered_exactly(table.published) == {}
    # Every published figure is a zero or at least five.
    assert all(
        value is None or value == 0 or value >= 5 for line in table.published.grid for value in line
    )


def test_the_page_narrows_to_a_service_and_another_region_or_service_is_a_404(
    client, commissioner, region_referrals
):
    other = make_service("Mentoring", slugs=("mentoring",))
    client.force_login(commissioner)

    narrowed = client.get("/equality/", {"service": region_referrals.pk})
    assert narrowed.status_code == 200
    assert narrowed.context["table"].whole.referrals == 111
    assert client.get("/equality/", {"service": other.pk}).status_code == 404  # none referred
    london = Region.objects.exclude(code="L").first()
    assert client.get("/equality/", {"region": london.code}).status_code == 404
    assert client.get("/equality/", {"characteristic": "name"}).status_code == 404
    # Digits that are not ASCII, a number no id can be, a NUL byte: never a 500.
    for value in ("²", "٣", "9" * 30):
        assert client.get("/equality/", {"service": value}).status_code == 404, value
    assert client.get("/equality/", {"service": "1\x00"}).status_code in (400, 404)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.PROVIDER_ADMIN, Role.ASSESSOR])
def test_only_commissioners_see_equality_figures(client, role, region_referrals):
    client.force_login(UserFactory(role=role))

    assert client.get("/equality/").status_code == 404


def test_every_characteristic_has_a_table(region_referrals):
    referrals = Referral.objects.filter(pdu__region__code="L")
    for characteristic in EqualityMonitoring._meta.get_fields():
        name = getattr(characteristic, "name", "")
        if name in figures.CHARACTERISTICS:
            table = figures.equality_table(referrals=referrals, characteristic=name)
            assert table.published.grand_total == 111


# Linked tables --------------------------------------------------------------------------------


def _synthetic_counts(seed: int, characteristics: list[str]) -> dict:
    """{characteristic: {service: {group: [count per stage]}}} for a few small services,
    each person in one group of every characteristic."""
    generator = random.Random(seed)
    people = [
        (service, generator.randrange(len(figures.STAGES)))
        for service in range(1, generator.randint(2, 4) + 1)
        for _ in range(generator.randint(4, 40))
    ]
    counts = {}
    for characteristic in characteristics:
        groups = [key for key, _ in figures.characteristic_groups(characteristic)]
        by_service: dict = {}
        for service, stage in people:
            table = by_service.setdefault(service, {g: [0] * len(figures.STAGES) for g in groups})
            table[generator.choice(groups[:3])][stage] += 1
        counts[characteristic] = by_service
    return counts


@pytest.mark.parametrize("seed", range(6))
def test_the_region_and_its_services_tables_give_nothing_away_together(seed):
    counts = _synthetic_counts(seed, ["sex", "disability"])

    published = figures.equality_suppressed(counts, with_services=True)

    grids = {place: table.grid for place, table in published.items()}
    assert recovered_from_linked(grids, figures.REGION) == {}
    # One whole row per scope, withheld alike in every characteristic's table.
    for (_, scope), table in published.items():
        assert table.grid[-1] == published["sex", scope].grid[-1]


def test_the_report_tables_share_their_whole_row_across_characteristics():
    counts = _synthetic_counts(3, list(CHARACTERISTICS))

    published = figures.equality_suppressed(counts, with_services=False)

    assert {table.grid[-1] for table in published.values()} == {
        published[CHARACTERISTICS[0], figures.REGION].grid[-1]
    }
    grids = {place: table.grid for place, table in published.items()}
    assert recovered_from_linked(grids, figures.REGION) == {}


def _published_counts(page: str) -> tuple[tuple[int | None, ...], ...]:
    """The counts table of an equality page as published: [c] is None."""
    table = page[page.index('data-testid="equality-counts"') :]
    table = table[: table.index("</table>")]
    rows = []
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table, re.S):
        cells = re.findall(r'<td class="govuk-table__cell[^"]*">(.*?)</td>', row)
        if cells:
            rows.append(tuple(None if c == "[c]" else int(c.replace(",", "")) for c in cells))
    return tuple(rows)


@pytest.fixture
def two_services(practitioner):
    """Two services referred to from the region: a White referral declined three times by
    housing support, ten times by mentoring, so thirteen in the region."""
    housing = make_service("Housing support")
    mentoring = make_service("Mentoring", slugs=("mentoring",))
    for service, white_declined in [(housing, 3), (mentoring, 10)]:
        _referrals(service, practitioner, white_declined, stage="declined", ethnicity="white")
        _referrals(service, practitioner, 20, stage="accepted", ethnicity="white")
        _referrals(service, practitioner, 10, stage="declined", ethnicity="black")
        _referrals(service, practitioner, 20, stage="accepted", ethnicity="black")
    return housing, mentoring


def test_the_region_less_the_other_services_no_longer_gives_a_service_figure_away(
    client, commissioner, two_services
):
    housing, mentoring = two_services
    region = Referral.objects.filter(pdu__region__code="L")
    scopes = {figures.REGION: None, housing.pk: housing.pk, mentoring.pk: mentoring.pk}

    # Before: each table suppressed alone, the region's 13 less mentoring's 10 is 3.
    alone = {}
    for characteristic in CHARACTERISTICS:
        for scope, pk in scopes.items():
            referrals = region if pk is None else region.filter(service_id=pk)
            counts = figures.equality_counts(referrals=referrals, characteristic=characteristic)
            groups = figures.characteristic_groups(characteristic)
            alone[characteristic, scope] = suppression.suppress(
                [counts[key] for key, _ in groups]
            ).grid
    white = [key for key, _ in figures.characteristic_groups("ethnicity")].index("white")
    declined = figures.STAGE_KEYS.index("declined")
    before = recovered_from_linked(alone, figures.REGION)
    assert before[("ethnicity", housing.pk, white, declined)] == 3

    # Now: every page the commissioner can open, read as published.
    client.force_login(commissioner)
    pages = {}
    for characteristic in CHARACTERISTICS:
        for scope, pk in scopes.items():
            query = {"characteristic": characteristic}
            if pk is not None:
                query["service"] = pk
            response = client.get("/equality/", query)
            assert response.status_code == 200
            pages[characteristic, scope] = _published_counts(response.content.decode())
    assert pages["ethnicity", housing.pk][white][declined] is None
    assert recovered_from_linked(pages, figures.REGION) == {}
    assert all(
        value is None or value == 0 or value >= 5
        for grid in pages.values()
        for row in grid
        for value in row
    )
