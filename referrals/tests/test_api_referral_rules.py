"""The referral's rules (`referrals.validation`) hold in the API as on the pages: each
refusal is a 400 problem document naming the field, in the page's words, and changes
nothing."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service
from referrals import services, validation
from referrals.models import Referral, ReferralEvent, RiskInformation, Status
from referrals.tests.factories import referral_in

pytestmark = pytest.mark.django_db


def _auth(user):
    _, raw = issue_token(user, scope="write")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _url(referral, suffix=""):
    return f"/api/v1/referrals/{referral.public_id}/{suffix}"


def _snapshot(referral):
    return (
        Referral.objects.filter(pk=referral.pk).values().get(),
        RiskInformation.objects.filter(referral=referral).values().get(),
        ReferralEvent.objects.filter(referral=referral).count(),
    )


@pytest.fixture
def draft():
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service(minimum_age=21)
    referral, _ = services.referral_start(practitioner=practitioner, service=service, crn="X654321")
    return referral


def _today():
    return timezone.localdate()


def _iso(day: date) -> str:
    return day.isoformat()


# Each case: what is sent, and {field: the message it gets}.
REFERRAL_CASES = {
    "born today": (
        lambda: {"date_of_birth": _iso(_today())},
        {"date_of_birth": "Date of birth must be in the past"},
    ),
    "too young for the service": (
        lambda: {"date_of_birth": _iso(_today().replace(year=_today().year - 20))},
        {"date_of_birth": "The person must be at least 21 years old for this service"},
    ),
    "a phone number of letters": (
        lambda: {"phone": "call me"},
        {"phone": validation.PHONE_MESSAGE},
    ),
    "a sentence already ended": (
        lambda: {"sentence_type": "Licence", "sentence_end_date": _iso(_today())},
        {"sentence_end_date": "Sentence end date must be in the future"},
    ),
    "in custody without a prison or release date": (
        lambda: {"setting": "custody"},
        {
            "prison": "Enter the prison the person is in",
            "expected_release_date": "Enter the expected release date",
        },
    ),
    "in custody without a release date": (
        lambda: {"setting": "custody", "prison": "HMP Leeds"},
        {"expected_release_date": "Enter the expected release date"},
    ),
    "a prison for a person in the community": (
        lambda: {"prison": "HMP Leeds"},
        {"prison": "Only give a prison for a person in custody"},
    ),
    "a release date for a person in the community": (
        lambda: {
            "setting": "community",
            "expected_release_date": _iso(_today() + timedelta(days=90)),
        },
        {"expected_release_date": "Only give an expected release date for a person in custody"},
    ),
}


@pytest.mark.parametrize("case", REFERRAL_CASES)
def test_a_referral_change_the_pages_refuse_is_a_400_naming_the_field(client, draft, case):
    body, expected = REFERRAL_CASES[case]
    before = _snapshot(draft)
    response = client.patch(
        _url(draft), body(), content_type="application/json", **_auth(draft.practitioner)
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400
    assert problem["errors"] == {field: [message] for field, message in expected.items()}
    assert _snapshot(draft) == before


def test_a_date_of_birth_to_come_is_refused_by_field(client, draft):
    before = _snapshot(draft)
    for born in (_today() + timedelta(days=1), date(2150, 1, 1)):
        response = client.patch(
            _url(draft),
            {"date_of_birth": _iso(born)},
            content_type="application/json",
            **_auth(draft.practitioner),
        )
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert list(response.json()["errors"]) == ["date_of_birth"]
    assert _snapshot(draft) == before


def test_a_risk_assessment_dated_tomorrow_is_a_400_naming_the_field(client, draft):
    before = _snapshot(draft)
    response = client.put(
        _url(draft, "risk/"),
        {"last_assessed_on": _iso(_today() + timedelta(days=1))},
        content_type="application/json",
        **_auth(draft.practitioner),
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {
        "last_assessed_on": ["Date of the last risk assessment must be today or in the past"]
    }
    assert _snapshot(draft) == before
    today = client.put(
        _url(draft, "risk/"),
        {"last_assessed_on": _iso(_today())},
        content_type="application/json",
        **_auth(draft.practitioner),
    )
    assert today.status_code == 200 and today.json()["last_assessed_on"] == _iso(_today())


def test_every_problem_comes_at_once(client, draft):
    response = client.patch(
        _url(draft),
        {"phone": "call me", "date_of_birth": _iso(_today()), "setting": "custody"},
        content_type="application/json",
        **_auth(draft.practitioner),
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "phone",
        "date_of_birth",
        "prison",
        "expected_release_date",
    }


def test_what_the_rules_allow_is_saved_and_leaving_custody_clears_its_answers(client, draft):
    auth = _auth(draft.practitioner)
    release = _today() + timedelta(days=90)
    answer = client.patch(
        _url(draft),
        {
            "setting": "custody",
            "prison": "HMP Leeds",
            "expected_release_date": _iso(release),
            "phone": "+44 808 157 0192",
            "date_of_birth": _iso(_today().replace(year=_today().year - 22)),
            "sentence_end_date": _iso(_today() + timedelta(days=1)),
        },
        content_type="application/json",
        **auth,
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["prison"] == "HMP Leeds"
    # A change that does not touch the custody answers leaves them.
    assert client.patch(_url(draft), {"rar_days": 5}, content_type="application/json", **auth)
    draft.refresh_from_db()
    assert (draft.prison, draft.expected_release_date) == ("HMP Leeds", release)
    # The answer that hides the questions clears them, as the page does.
    answer = client.patch(
        _url(draft), {"setting": "community"}, content_type="application/json", **auth
    )
    assert answer.status_code == 200
    assert (answer.json()["prison"], answer.json()["expected_release_date"]) == ("", None)


def test_a_sentence_end_date_already_saved_or_on_a_sent_referral_may_be_past(client):
    referral = referral_in(Status.DRAFT)
    past = _today() - timedelta(days=3)
    Referral.objects.filter(pk=referral.pk).update(sentence_end_date=past)
    auth = _auth(referral.practitioner)
    unchanged = client.patch(
        _url(referral),
        {"sentence_type": "Licence", "sentence_end_date": _iso(past)},
        content_type="application/json",
        **auth,
    )
    assert unchanged.status_code == 200
    services.referral_send(referral=Referral.objects.get(pk=referral.pk), by=referral.practitioner)
    corrected = client.patch(
        _url(referral),
        {"sentence_end_date": _iso(past - timedelta(days=1)), "amendment_reason": "Typo"},
        content_type="application/json",
        **auth,
    )
    assert corrected.status_code == 200
    assert corrected.json()["sentence_end_date"] == _iso(past - timedelta(days=1))
