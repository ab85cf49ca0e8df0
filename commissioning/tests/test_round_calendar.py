"""A round's steps follow its calendar, are confirmed on their own page and are kept on its
history; lots and criteria change only while the round is being designed."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from commissioning import services
from commissioning.models import Criterion, FundingRound, Lot, RoundStep
from commissioning.tests.factories import add_lot, apply, auth
from notifications.models import Notification
from partnership.errors import StateConflict
from partnership.models import Region, Role
from partnership.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
DEC_4 = datetime(2026, 12, 4, 10, tzinfo=LONDON)
JAN_5 = datetime(2027, 1, 5, 9, tzinfo=LONDON)
JAN_10 = datetime(2027, 1, 10, 9, tzinfo=LONDON)
FEB_6 = datetime(2027, 2, 6, 9, tzinfo=LONDON)


def _calendar_round(commissioner, *, status="consultation") -> FundingRound:
    """Set to open on 5 January and close on 5 February, made on 4 December."""
    with time_machine.travel(DEC_4, tick=False):
        funding_round = services.round_create(
            by=commissioner,
            data={
                "title": "Winter wellbeing grants",
                "mechanism": "grant",
                "budget": 300_000,
                "opens_on": date(2027, 1, 5),
                "closes_at": datetime(2027, 2, 5, 12, tzinfo=LONDON),
            },
            regions=Region.objects.filter(code="L"),
        )
        add_lot(funding_round, commissioner, "Housing", 100_000)
        services.criterion_add(
            funding_round=funding_round, by=commissioner, name="Quality", weight=100
        )
        if status != "draft":
            services.round_transition(
                funding_round=funding_round, by=commissioner, action="consult"
            )
    return funding_round


def _step_url(funding_round, step):
    return f"/funding-rounds/{funding_round.public_id}/steps/{step}/"


@pytest.fixture
def commissioner():
    return UserFactory(role=Role.COMMISSIONER)


def test_a_round_does_not_open_before_its_opening_date_in_the_service(commissioner):
    funding_round = _calendar_round(commissioner)
    with time_machine.travel(DEC_4, tick=False), pytest.raises(StateConflict) as refused:
        services.round_transition(funding_round=funding_round, by=commissioner, action="open")
    assert "opens on 5 January 2027" in refused.value.message
    funding_round.refresh_from_db()
    assert funding_round.status == FundingRound.Status.CONSULTATION
    with time_machine.travel(JAN_5, tick=False):
        services.round_transition(funding_round=funding_round, by=commissioner, action="open")
    funding_round.refresh_from_db()
    assert funding_round.status == FundingRound.Status.OPEN
    assert funding_round.steps.first().step == "open"


def test_opening_early_is_a_409_problem_in_the_api_and_a_refusal_on_the_page(client, commissioner):
    funding_round = _calendar_round(commissioner)
    headers = auth(commissioner)
    with time_machine.travel(DEC_4, tick=False):
        response = client.post(
            f"/api/v1/funding-rounds/{funding_round.public_id}/open/",
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 409
        assert response["Content-Type"].startswith("application/problem+json")
        assert "opens on 5 January 2027" in response.content.decode()
        client.force_login(commissioner)
        page = client.get(_step_url(funding_round, "open"))
        assert page.status_code == 200
        text = page.content.decode()
        assert "You cannot open for applications yet" in text
        assert "opens on 5 January 2027" in text and "Open for applications</button>" not in text
        posted = client.post(_step_url(funding_round, "open"))
        assert posted.status_code == 409
    funding_round.refresh_from_db()
    assert funding_round.status == FundingRound.Status.CONSULTATION
    assert not RoundStep.objects.filter(funding_round=funding_round, step="open").exists()


def test_consultation_does_not_start_before_its_date(commissioner):
    funding_round = _calendar_round(commissioner, status="draft")
    FundingRound.objects.filter(pk=funding_round.pk).update(
        consultation_opens_on=date(2026, 12, 10)
    )
    funding_round.refresh_from_db()
    with time_machine.travel(DEC_4, tick=False), pytest.raises(StateConflict) as refused:
        services.round_transition(funding_round=funding_round, by=commissioner, action="consult")
    assert "Consultation starts on 10 December 2026" in refused.value.message


def _opened(commissioner) -> FundingRound:
    funding_round = _calendar_round(commissioner)
    with time_machine.travel(JAN_5, tick=False):
        services.round_transition(funding_round=funding_round, by=commissioner, action="open")
    return funding_round


def test_closing_applications_early_needs_a_reason_which_is_on_the_history(client, commissioner):
    funding_round = _opened(commissioner)
    with time_machine.travel(JAN_10, tick=False):
        with pytest.raises(StateConflict) as refused:
            services.round_transition(
                funding_round=funding_round, by=commissioner, action="close_applications"
            )
        assert "Applications close on 5 February 2027" in refused.value.message
        response = client.post(
            f"/api/v1/funding-rounds/{funding_round.public_id}/close_applications/",
            content_type="application/json",
            **auth(commissioner),
        )
        assert response.status_code == 409 and "give the reason" in response.content.decode()
        client.force_login(commissioner)
        page = client.get(_step_url(funding_round, "close_applications")).content.decode()
        assert "Why are you closing applications early?" in page
        no_reason = client.post(_step_url(funding_round, "close_applications"), {"reason": " "})
        assert no_reason.status_code == 200
        assert "Give the reason for closing applications before the closing date" in (
            no_reason.content.decode()
        )
        funding_round.refresh_from_db()
        assert funding_round.status == FundingRound.Status.OPEN
        done = client.post(
            _step_url(funding_round, "close_applications"),
            {"reason": "The service must start before the spring"},
        )
        assert done.status_code == 302
    funding_round.refresh_from_db()
    assert funding_round.status == FundingRound.Status.ASSESSMENT
    step = funding_round.steps.get(step="close_applications")
    assert step.early and step.reason == "The service must start before the spring"
    assert step.by == commissioner
    page = client.get(f"/funding-rounds/{funding_round.public_id}/").content.decode()
    assert 'data-testid="round-history"' in page
    assert "Reason: The service must start before the spring" in page


def test_closing_applications_on_time_asks_no_reason(client, commissioner):
    funding_round = _opened(commissioner)
    with time_machine.travel(FEB_6, tick=False):
        client.force_login(commissioner)
        page = client.get(_step_url(funding_round, "close_applications")).content.decode()
        assert "Why are you closing applications early?" not in page
        assert client.post(_step_url(funding_round, "close_applications")).status_code == 302
    step = funding_round.steps.get(step="close_applications")
    assert not step.early and step.reason == ""


@pytest.mark.parametrize("method", ["get", "head"])
def test_a_confirmation_page_writes_nothing_on_get_or_head(client, commissioner, method):
    funding_round = _opened(commissioner)
    with time_machine.travel(FEB_6, tick=False):
        client.force_login(commissioner)
        response = getattr(client, method)(_step_url(funding_round, "close_applications"))
    assert response.status_code == 200
    funding_round.refresh_from_db()
    assert funding_round.status == FundingRound.Status.OPEN
    assert not funding_round.steps.filter(step="close_applications").exists()


def test_confirming_awards_says_whom_it_will_notify_and_then_does(client, commissioner):
    funding_round = _opened(commissioner)
    lot = funding_round.lots.get()
    with time_machine.travel(JAN_10, tick=False):
        won, winner = apply(lot, income=50_000)
        lost, loser = apply(lot, income=60_000)
    with time_machine.travel(FEB_6, tick=False):
        services.round_transition(
            funding_round=funding_round, by=commissioner, action="close_applications"
        )
        for application, successful in [(won, True), (lost, False)]:
            services.application_decide(
                application=application, by=commissioner, successful=successful, feedback="Ok"
            )
        client.force_login(commissioner)
        page = client.get(_step_url(funding_round, "award")).content.decode()
        assert "This cannot be undone" in page
        assert 'data-testid="step-notice"' in page
        assert won.organisation.name in page and lost.organisation.name in page
        assert "Awards for Winter wellbeing grants are confirmed" in page
        assert not Notification.objects.filter(kind="round_awarded").exists()
        assert client.post(_step_url(funding_round, "award")).status_code == 302
    told = set(
        Notification.objects.filter(kind="round_awarded").values_list("recipient", flat=True)
    )
    assert told == {winner.pk, loser.pk}


def test_a_step_the_state_refuses_is_404_to_anyone_but_the_lead(client, commissioner):
    funding_round = _opened(commissioner)
    client.force_login(UserFactory(role=Role.PROVIDER_ADMIN))
    assert client.get(_step_url(funding_round, "close_applications")).status_code == 404
    client.force_login(commissioner)
    assert client.get(_step_url(funding_round, "no_such_step")).status_code == 404


# Terms, lots and criteria ----------------------------------------------------------------


def test_an_open_rounds_terms_are_shown_read_only(client, commissioner):
    funding_round = _opened(commissioner)
    client.force_login(commissioner)
    page = client.get(f"/funding-rounds/{funding_round.public_id}/edit/").content.decode()
    assert 'data-testid="round-terms"' in page and 'name="title"' not in page
    assert "terms can only change before it opens" in page


def test_lots_and_criteria_change_and_go_while_the_round_is_designed(client, commissioner):
    funding_round = _calendar_round(commissioner)
    lot = funding_round.lots.get()
    criterion = funding_round.criteria.get()
    client.force_login(commissioner)
    base = f"/funding-rounds/{funding_round.public_id}"
    edited = client.post(
        f"{base}/lots/{lot.pk}/edit/",
        {
            "title": "Housing, changed",
            "category": lot.category.pk,
            "pdus": [p.pk for p in lot.pdus.all()],
            "budget": "90000",
            "expected_monthly_referrals": "12",
            "income_ceiling": "",
        },
    )
    assert edited.status_code == 302, edited.content.decode()
    lot.refresh_from_db()
    assert lot.title == "Housing, changed" and lot.budget == 90_000
    assert (
        client.post(
            f"{base}/criteria/{criterion.pk}/edit/", {"name": "Delivery", "weight": "80"}
        ).status_code
        == 302
    )
    criterion.refresh_from_db()
    assert (criterion.name, criterion.weight) == ("Delivery", 80)
    # Removing asks first: GET and HEAD remove nothing.
    for method in (client.get, client.head):
        assert method(f"{base}/lots/{lot.pk}/remove/").status_code == 200
        assert method(f"{base}/criteria/{criterion.pk}/remove/").status_code == 200
    assert Lot.objects.filter(pk=lot.pk).exists()
    assert Criterion.objects.filter(pk=criterion.pk).exists()
    assert client.post(f"{base}/lots/{lot.pk}/remove/").status_code == 302
    assert client.post(f"{base}/criteria/{criterion.pk}/remove/").status_code == 302
    assert not Lot.objects.filter(pk=lot.pk).exists()
    assert not Criterion.objects.filter(pk=criterion.pk).exists()


def test_lots_and_criteria_of_an_open_round_do_not_change(client, commissioner):
    funding_round = _opened(commissioner)
    lot = funding_round.lots.get()
    criterion = funding_round.criteria.get()
    client.force_login(commissioner)
    base = f"/funding-rounds/{funding_round.public_id}"
    page = client.get(f"{base}/lots/{lot.pk}/edit/").content.decode()
    assert "Lots can only change before the round opens" in page and 'name="title"' not in page
    assert client.post(f"{base}/lots/{lot.pk}/remove/").status_code == 409
    assert client.post(f"{base}/criteria/{criterion.pk}/remove/").status_code == 409
    assert (
        client.post(
            f"{base}/criteria/{criterion.pk}/edit/", {"name": "Other", "weight": "10"}
        ).status_code
        == 409
    )
    with pytest.raises(StateConflict):
        services.lot_remove(lot=lot, by=commissioner)
    with pytest.raises(StateConflict):
        services.criterion_update(criterion=criterion, by=commissioner, name="X", weight=5)
    assert Lot.objects.filter(pk=lot.pk).exists()
    criterion.refresh_from_db()
    assert criterion.name == "Quality"
    # Nor a lot of another round through this round's address.
    other = _calendar_round(commissioner)
    other_lot = other.lots.get()
    assert client.get(f"{base}/lots/{other_lot.pk}/edit/").status_code == 404
