"""Gap and partnership surveys: a commissioner schedules one for their regions; the people it
is addressed to are invited, reminded once and answer it once; the results, and practitioners'
confidence in a service, are shown only where five or more answered."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError
from django.utils import timezone

from intelligence import figures, services
from intelligence.models import ServiceConfidence, Survey, SurveyResponse
from intelligence.tasks import survey_invitations_send, survey_notifications_sweep
from notifications.models import Notification
from partnership.errors import NotPermitted, StateConflict
from partnership.models import Pdu, Region, Role
from partnership.tests.factories import CommissioningBodyFactory, UserFactory, issue_token
from providers.tests.factories import OrganisationFactory, make_service

pytestmark = pytest.mark.django_db


def _today():
    return timezone.localdate()


def _schedule(commissioner, audience="practitioners", *, opens_in=0, days=14, title="Gaps"):
    return services.survey_schedule(
        by=commissioner,
        title=title,
        audience=audience,
        regions=list(commissioner.commissioning_body.regions.all()),
        opens_on=_today() + timedelta(days=opens_in),
        closes_on=_today() + timedelta(days=opens_in + days),
    )


def _practitioners(count, pdu="Manchester North"):
    return [
        UserFactory(role=Role.PRACTITIONER, pdu=Pdu.objects.get(name=pdu)) for _ in range(count)
    ]


def _answer(survey, who, **answers):
    return services.survey_answer(
        by=who,
        survey=survey,
        answers={"finding": 3, "gaps": ["accommodation"], **answers},
        confidence=answers.pop("confidence", None),
    )


# Scheduling --------------------------------------------------------------------------------


def test_a_commissioner_schedules_a_survey_for_their_regions_on_the_page(client, commissioner):
    client.force_login(commissioner)
    region = Region.objects.get(code="L")
    opens = _today() + timedelta(days=2)
    closes = opens + timedelta(days=14)

    response = client.post(
        "/surveys/new/",
        {
            "title": "Gaps in provision",
            "audience": "practitioners",
            "regions": [region.pk],
            "opens_on_0": opens.day,
            "opens_on_1": opens.month,
            "opens_on_2": opens.year,
            "closes_on_0": closes.day,
            "closes_on_1": closes.month,
            "closes_on_2": closes.year,
        },
    )

    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/surveys/{survey.public_id}/"
    assert list(survey.regions.all()) == [region]
    assert survey.status == Survey.Status.SCHEDULED
    assert survey.commissioning_body == commissioner.commissioning_body


def test_the_schedule_form_shows_its_errors_and_offers_only_the_bodys_regions(client, commissioner):
    client.force_login(commissioner)
    london = Region.objects.get(code="J")

    page = client.post(
        "/surveys/new/",
        {"title": "", "regions": [london.pk], "closes_on_0": "31", "closes_on_1": "2"},
    )

    body = page.content.decode()
    assert page.status_code == 200
    assert "govuk-error-summary" in body
    assert "Enter a title" in body
    assert "Select who the survey is for" in body
    assert "Select one or more of your regions" in body
    assert "Closing date must include a year" in body
    assert not Survey.objects.exists()


def test_a_survey_cannot_close_before_it_opens(client, commissioner):
    with pytest.raises(Exception, match="on or after"):
        services.survey_schedule(
            by=commissioner,
            title="Backwards",
            audience="practitioners",
            regions=list(commissioner.commissioning_body.regions.all()),
            opens_on=_today() + timedelta(days=5),
            closes_on=_today() + timedelta(days=1),
        )


def test_only_commissioners_schedule_and_only_for_their_own_regions(commissioner, practitioner):
    with pytest.raises(NotPermitted):
        services.survey_schedule(
            by=practitioner,
            title="Not mine",
            audience="practitioners",
            regions=[Region.objects.get(code="L")],
            opens_on=_today(),
            closes_on=_today(),
        )
    with pytest.raises(Exception, match="your regions"):
        services.survey_schedule(
            by=commissioner,
            title="Not ours",
            audience="practitioners",
            regions=[Region.objects.get(code="J")],
            opens_on=_today(),
            closes_on=_today(),
        )


# Scope --------------------------------------------------------------------------------------


def test_a_commissioner_sees_only_their_bodys_surveys(client, commissioner):
    ours = _schedule(commissioner, title="Ours")
    london = UserFactory(
        role=Role.COMMISSIONER,
        commissioning_body=CommissioningBodyFactory(regions=[Region.objects.get(code="J")]),
    )
    theirs = _schedule(london, title="Theirs")
    client.force_login(commissioner)

    listed = client.get("/surveys/").content.decode()

    assert "Ours" in listed and "Theirs" not in listed
    assert client.get(f"/surveys/{ours.public_id}/").status_code == 200
    assert client.get(f"/surveys/{theirs.public_id}/").status_code == 404
    assert client.post(f"/surveys/{theirs.public_id}/close/").status_code == 404


def test_a_survey_is_answered_only_by_those_it_is_addressed_to(client, commissioner):
    to_practitioners = _schedule(commissioner, "practitioners")
    to_staff = _schedule(commissioner, "provider_staff")
    ours = make_service("Housing support").organisation
    staff = UserFactory(role=Role.CASEWORKER, organisation=ours)
    elsewhere = UserFactory(role=Role.PRACTITIONER, pdu=Pdu.objects.get(name="Lambeth"))
    (here,) = _practitioners(1)

    def status(user, survey):
        client.force_login(user)
        return client.get(f"/surveys/{survey.public_id}/answer/").status_code

    assert status(here, to_practitioners) == 200
    assert status(here, to_staff) == 404
    assert status(staff, to_staff) == 200
    assert status(staff, to_practitioners) == 404
    assert status(elsewhere, to_practitioners) == 404
    assert status(commissioner, to_practitioners) == 404
    # A provider whose organisation works elsewhere is not asked.
    other_staff = UserFactory(role=Role.CASEWORKER, organisation=OrganisationFactory())
    assert status(other_staff, to_staff) == 404


def test_a_scheduled_survey_is_not_shown_before_it_opens(client, commissioner):
    survey = _schedule(commissioner, opens_in=3)
    (here,) = _practitioners(1)
    client.force_login(here)

    assert client.get(f"/surveys/{survey.public_id}/answer/").status_code == 404
    assert survey.title not in client.get("/surveys/for-you/").content.decode()


# Once per person -------------------------------------------------------------------------------


def test_a_person_answers_once_and_a_second_answer_changes_nothing(client, commissioner):
    survey = _schedule(commissioner)
    (here,) = _practitioners(1)
    client.force_login(here)
    url = f"/surveys/{survey.public_id}/answer/"

    first = client.post(url, {"finding": "4", "gaps": ["accommodation"], "wish": "A hostel"})
    second = client.post(
        url, {"finding": "1", "gaps": ["finance-benefit-debt"], "wish": "Changed my mind"}
    )

    assert first.status_code == 302
    assert first["Location"] == f"/surveys/{survey.public_id}/answered/"
    assert second.status_code == 200
    assert "You have already answered this survey" in second.content.decode()
    response = SurveyResponse.objects.get()
    assert response.answers["finding"] == 4
    assert response.answers["wish"] == "A hostel"
    assert response.region.code == "L" and response.pdu.name == "Manchester North"
    with pytest.raises(StateConflict, match="already answered"):
        _answer(survey, here)


def test_the_database_itself_refuses_a_second_response(commissioner):
    survey = _schedule(commissioner)
    (here,) = _practitioners(1)
    _answer(survey, here)

    with pytest.raises(IntegrityError):
        SurveyResponse.objects.create(
            survey=survey, respondent=here, region=Region.objects.get(code="L")
        )


def test_a_closed_survey_takes_no_answers(client, commissioner):
    survey = _schedule(commissioner)
    (here,) = _practitioners(1)
    client.force_login(commissioner)
    client.post(f"/surveys/{survey.public_id}/close/")
    survey.refresh_from_db()

    assert survey.status == Survey.Status.CLOSED
    client.force_login(here)
    page = client.post(f"/surveys/{survey.public_id}/answer/", {"finding": "4"})
    assert "This survey is closed" in page.content.decode()
    with pytest.raises(StateConflict):
        _answer(survey, here)
    assert not SurveyResponse.objects.exists()


def test_a_required_rating_left_out_is_an_error_on_the_page(client, commissioner):
    survey = _schedule(commissioner)
    (here,) = _practitioners(1)
    client.force_login(here)

    page = client.post(f"/surveys/{survey.public_id}/answer/", {"wish": "Something"})

    assert page.status_code == 200
    assert "govuk-error-summary" in page.content.decode()
    assert not SurveyResponse.objects.exists()


# Invitations and the reminder --------------------------------------------------------------------


def test_invitations_go_once_on_the_opening_day_and_one_reminder_to_those_yet_to_answer(
    commissioner, django_capture_on_commit_callbacks
):
    survey = _schedule(commissioner, opens_in=1, days=10)
    answers_early, waits = _practitioners(2)
    lambeth = UserFactory(role=Role.PRACTITIONER, pdu=Pdu.objects.get(name="Lambeth"))

    assert survey_notifications_sweep() == {"invited": 0, "reminded": 0}  # not open yet
    Survey.objects.filter(pk=survey.pk).update(opens_on=_today(), closes_on=_today() + timedelta(9))
    survey_notifications_sweep()
    survey_notifications_sweep()  # a second run tells nobody again

    invited = Notification.objects.filter(kind="survey_invitation")
    assert set(invited.values_list("recipient_id", flat=True)) == {answers_early.pk, waits.pk}
    assert not invited.filter(recipient=lambeth).exists()
    assert invited.first().link == f"/surveys/{survey.public_id}/answer/"

    _answer(survey, answers_early)
    survey_notifications_sweep()
    assert not Notification.objects.filter(kind="survey_reminder").exists()  # not yet due

    Survey.objects.filter(pk=survey.pk).update(
        closes_on=_today() + timedelta(days=2),
        invitations_sent_at=timezone.now() - timedelta(days=7),
    )
    survey_notifications_sweep()
    survey_notifications_sweep()
    reminded = Notification.objects.filter(kind="survey_reminder")
    assert list(reminded.values_list("recipient_id", flat=True)) == [waits.pk]


def test_a_short_survey_is_not_reminded_in_the_run_that_invites_to_it(
    commissioner, django_capture_on_commit_callbacks
):
    """Open for three days, it is in its reminder days from the start: the run that sends
    its invitations sends no reminder with them; the next day's run sends the one."""
    survey = _schedule(commissioner, opens_in=1, days=2)
    (waits,) = _practitioners(1)
    Survey.objects.filter(pk=survey.pk).update(opens_on=_today(), closes_on=_today() + timedelta(2))

    assert survey_notifications_sweep() == {"invited": 1, "reminded": 0}
    assert not Notification.objects.filter(kind="survey_reminder").exists()

    # The next morning.
    Survey.objects.filter(pk=survey.pk).update(
        invitations_sent_at=timezone.now() - timedelta(days=1)
    )
    assert survey_notifications_sweep() == {"invited": 0, "reminded": 1}
    assert list(
        Notification.objects.filter(kind="survey_reminder").values_list("recipient", flat=True)
    ) == [waits.pk]


def test_a_survey_opening_today_queues_its_invitations_as_it_is_scheduled(
    commissioner, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(survey_invitations_send, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        survey = _schedule(commissioner)
        later = _schedule(commissioner, opens_in=2, title="Later")

    delay.assert_called_once_with(survey.pk)
    assert later.invitations_sent_at is None


# Results and suppression ------------------------------------------------------------------------


def test_results_below_five_in_any_cut_are_withheld(client, commissioner):
    survey = _schedule(commissioner)
    for who in _practitioners(6):
        _answer(
            survey,
            who,
            gaps=["accommodation"],
            finding=4,
            wish_category="accommodation",
            wish="A hostel for people leaving custody",
        )
    for who in _practitioners(5, pdu="Manchester South"):
        _answer(
            survey, who, gaps=["mentoring"], finding=3, wish_category="mentoring", wish="A mentor"
        )
    for who in _practitioners(2, pdu="Manchester South"):
        _answer(
            survey,
            who,
            gaps=["finance-benefit-debt"],
            finding=2,
            wish_category="finance-benefit-debt",
            wish="Debt advice",
        )

    results = figures.survey_results(survey=survey)

    assert results["responses"]["total"] == 13
    gaps = {row["category"]: row for row in results["gaps"][0]["rows"]}
    assert gaps["accommodation"]["total"] == 6
    assert gaps["finance-benefit-debt"]["total"] is None  # two mentions: withheld
    # and, since the region's total is shown, the next smallest with it
    assert gaps["mentoring"]["total"] is None
    assert results["gaps"][0]["grand_total"] == 13
    finding = results["ratings"][0]
    assert finding["all"]["counts"][3] == 6 and finding["all"]["counts"][1] is None
    assert finding["all"]["average"] is None  # it would give the withheld figures away
    groups = {group["category"]: group for group in results["free_text"][0]["groups"]}
    assert groups["accommodation"]["answers"] == ["A hostel for people leaving custody"] * 6
    assert (
        groups["finance-benefit-debt"]["answers"] is None
        and groups["finance-benefit-debt"]["count"] is None
    )

    client.force_login(commissioner)
    page = client.get(f"/surveys/{survey.public_id}/").content.decode()
    assert "A hostel for people leaving custody" in page
    assert "Debt advice" not in page
    assert 'data-testid="free-text-withheld"' in page


def test_with_fewer_than_five_answers_nothing_is_shown(client, commissioner):
    survey = _schedule(commissioner)
    for who in _practitioners(4):
        _answer(survey, who, wish="Something only I would say")

    results = figures.survey_results(survey=survey)

    assert results["responses"]["total"] is None
    client.force_login(commissioner)
    page = client.get(f"/surveys/{survey.public_id}/").content.decode()
    assert "Something only I would say" not in page


def test_survey_results_for_a_period_and_regions_are_plain_suppressed_figures(commissioner):
    survey = _schedule(commissioner)
    for who in _practitioners(5):
        _answer(survey, who, finding=5)
    _schedule(commissioner, opens_in=60, title="Later")

    found = figures.survey_results_for(
        Region.objects.filter(code="L"), _today() - timedelta(days=30), _today()
    )
    none_in_london = figures.survey_results_for(
        Region.objects.filter(code="J"), _today() - timedelta(days=30), _today()
    )

    assert [result["title"] for result in found] == ["Gaps"]
    assert found[0]["ratings"][0]["all"]["average"] == 5.0
    assert none_in_london == []


# Confidence in a service --------------------------------------------------------------------------


def test_practitioners_confidence_shows_on_the_service_page_from_five_ratings(client, commissioner):
    service = make_service("Housing support")
    survey = _schedule(commissioner)
    raters = _practitioners(5)
    for who in raters[:4]:
        _answer(survey, who, confidence={service.pk: 4})
    (viewer,) = _practitioners(1)
    client.force_login(viewer)
    url = f"/services/{service.pk}/"

    assert 'data-testid="service-confidence-suppressed"' in client.get(url).content.decode()

    _answer(survey, raters[4], confidence={service.pk: 2})
    page = client.get(url).content.decode()
    assert 'data-testid="service-confidence"' in page
    assert "3.6 out of 5" in page


def test_confidence_is_given_only_in_services_of_the_practitioners_pdu(commissioner):
    elsewhere = make_service("London housing", pdus=("Lambeth",))
    survey = _schedule(commissioner)
    (here,) = _practitioners(1)

    with pytest.raises(Exception, match="Rate only the services listed"):
        _answer(survey, here, confidence={elsewhere.pk: 5})
    assert not ServiceConfidence.objects.exists()


# API ----------------------------------------------------------------------------------------------


def test_the_api_gives_a_commissioner_their_surveys_with_suppressed_results(client, commissioner):
    survey = _schedule(commissioner)
    for who in _practitioners(5):
        _answer(survey, who, finding=4)
    _, token = issue_token(commissioner)
    _, practitioner_token = issue_token(_practitioners(1)[0])

    listed = client.get("/api/v1/surveys/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    detail = client.get(
        f"/api/v1/surveys/{survey.public_id}/", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    as_practitioner = client.get(
        f"/api/v1/surveys/{survey.public_id}/", HTTP_AUTHORIZATION=f"Bearer {practitioner_token}"
    )

    assert [item["id"] for item in listed["results"]] == [str(survey.public_id)]
    assert listed["results"][0]["responses"] == 5
    assert detail["results"]["ratings"][0]["all"]["counts"] == [0, 0, 0, 5, 0]
    assert as_practitioner.status_code == 404


def test_the_api_list_of_surveys_takes_the_same_queries_however_many(client, commissioner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, token = issue_token(commissioner)
    _schedule(commissioner, title="First")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/surveys/", HTTP_AUTHORIZATION=f"Bearer {token}")
            assert response.status_code == 200
        return len(captured)

    queries()  # the token's first use is recorded once
    one = queries()
    for number in range(3):
        _schedule(commissioner, title=f"More {number}")
    assert queries() == one
