"""Timeline entries that carry risk information (why risk was changed, a risk document's
name) are risk information: hidden from whoever may not read risk, and logged when read."""

import pytest

from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token
from referrals import services
from referrals.models import AccessLog, Status
from referrals.tests.factories import referral_in, trained_caseworker_for

pytestmark = pytest.mark.django_db

REASON = "Threatened violence towards a housing officer on 2 December"
FILE_NAME = "mappa-violence-assessment.pdf"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def amended():
    """A sent referral whose risk was amended with a reason and given a document."""
    referral = referral_in(Status.SENT)
    practitioner = referral.practitioner
    services.risk_update(
        referral=referral,
        by=practitioner,
        data={"summary": "Violence towards staff"},
        amendment_reason=REASON,
    )
    services.document_add(referral=referral, by=practitioner, name=FILE_NAME, content=PDF)
    return referral


def _untrained(referral):
    return UserFactory(role=Role.CASEWORKER, organisation=referral.service.organisation)


def _events_api(client, user, referral):
    token = issue_token(user)[1]
    response = client.get(
        f"/api/v1/referrals/{referral.public_id}/events/", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    return response


def test_timeline_risk_notes_hidden_from_untrained_caseworker_page(client, amended):
    client.force_login(_untrained(amended))
    response = client.get(f"/referrals/{amended.public_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sent" in html  # the rest of the timeline is there
    assert REASON not in html
    assert FILE_NAME not in html
    assert "Risk information amended" not in html


def test_timeline_risk_notes_hidden_from_untrained_caseworker_api(client, amended):
    untrained = _untrained(amended)
    before = AccessLog.objects.count()
    response = _events_api(client, untrained, amended)
    kinds = [event["kind"] for event in response.json()["results"]]
    assert "send" in kinds
    assert not {"risk_amended", "document_added"} & set(kinds)
    assert REASON not in response.content.decode()
    assert FILE_NAME not in response.content.decode()
    # Nothing of risk was asked for or shown: the log records reads, not this.
    assert AccessLog.objects.count() == before


def test_timeline_risk_notes_shown_and_logged_for_trained_caseworker(client, amended):
    trained = trained_caseworker_for(amended.service)
    response = _events_api(client, trained, amended)
    body = response.content.decode()
    assert REASON in body and FILE_NAME in body
    row = AccessLog.objects.filter(user=trained, what="timeline").get()
    assert row.outcome == AccessLog.Outcome.GRANTED
    assert row.crn == amended.crn


def test_timeline_risk_notes_shown_on_page_for_referring_practitioner(client, amended):
    client.force_login(amended.practitioner)
    html = client.get(f"/referrals/{amended.public_id}/").content.decode()
    assert REASON in html and FILE_NAME in html
    assert AccessLog.objects.filter(
        user=amended.practitioner, outcome=AccessLog.Outcome.GRANTED
    ).exists()


def test_timeline_risk_free_timeline_writes_no_log_row(client):
    referral = referral_in(Status.SENT)
    trained = trained_caseworker_for(referral.service)
    _events_api(client, trained, referral)
    assert not AccessLog.objects.filter(user=trained).exists()
