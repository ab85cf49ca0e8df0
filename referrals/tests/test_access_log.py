"""The risk access log records reads, not probes: a GRANTED row only for a response that
carries risk information, a DENIED row only when someone asked for it and was refused."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token
from referrals import rules, services
from referrals.models import AccessLog, Status
from referrals.tests.factories import referral_in, trained_caseworker_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


@pytest.fixture
def sent():
    referral = referral_in(Status.SENT)
    trained_caseworker_for(referral.service)  # signs the agreement
    return referral


def api(client, user, method, path, **kwargs):
    _, raw = issue_token(user, scope="write")
    return getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {raw}", **kwargs)


def untrained_at(referral):
    return UserFactory(role=Role.CASEWORKER, organisation=referral.service.organisation)


def rows(user):
    return list(AccessLog.objects.filter(user=user).values_list("what", "outcome"))


def test_get_risk_refused_writes_one_denied_row(client, sent):
    untrained = untrained_at(sent)
    response = api(client, untrained, "get", f"/api/v1/referrals/{sent.public_id}/risk/")
    assert response.status_code == 404
    assert rows(untrained) == [("risk_information", "denied")]
    assert "no current risk training" in AccessLog.objects.get(user=untrained).why


def test_a_document_upload_writes_no_read_row(client, sent):
    practitioner = sent.practitioner
    response = api(
        client,
        practitioner,
        "post",
        f"/api/v1/referrals/{sent.public_id}/documents/",
        data={"file": SimpleUploadedFile("oasys.pdf", PDF)},
    )
    assert response.status_code == 201
    client.force_login(practitioner)
    page = client.post(
        f"/referrals/{sent.public_id}/tasks/documents/",
        {"file": SimpleUploadedFile("plan.pdf", PDF)},
    )
    assert page.status_code == 302
    assert sent.documents.count() == 2
    assert rows(practitioner) == []


def test_an_upload_by_someone_who_cannot_read_risk_is_a_404_and_writes_nothing(client, sent):
    untrained = untrained_at(sent)
    response = api(
        client,
        untrained,
        "post",
        f"/api/v1/referrals/{sent.public_id}/documents/",
        data={"file": SimpleUploadedFile("oasys.pdf", PDF)},
    )
    assert response.status_code == 404
    assert not sent.documents.exists() and rows(untrained) == []


def test_deleting_a_document_writes_no_read_row_and_staff_who_read_it_may_not(client, sent):
    document = services.document_add(
        referral=sent, by=sent.practitioner, name="oasys.pdf", content=PDF
    )
    path = f"/api/v1/referrals/{sent.public_id}/documents/{document.public_id}/"
    trained = trained_caseworker_for(sent.service)
    assert api(client, trained, "delete", path).status_code == 403
    assert api(client, untrained_at(sent), "delete", path).status_code == 404
    assert api(client, sent.practitioner, "delete", path).status_code == 204
    assert not AccessLog.objects.exists()


def test_listing_documents_logs_a_read_only_when_it_names_one(client, sent):
    path = f"/api/v1/referrals/{sent.public_id}/documents/"
    practitioner, untrained = sent.practitioner, untrained_at(sent)
    assert api(client, practitioner, "get", path).json()["results"] == []
    assert api(client, untrained, "get", path).status_code == 404
    assert not AccessLog.objects.exists()
    services.document_add(referral=sent, by=practitioner, name="oasys.pdf", content=PDF)
    assert len(api(client, practitioner, "get", path).json()["results"]) == 1
    assert rows(practitioner) == [("risk_documents", "granted")]


def test_a_put_of_risk_logs_the_read_its_response_carries_and_refusals_write_nothing(client, sent):
    path = f"/api/v1/referrals/{sent.public_id}/risk/"
    body = {"summary": "Threats to staff.", "amendment_reason": "New information from police"}
    untrained, trained = untrained_at(sent), trained_caseworker_for(sent.service)
    refused = api(client, untrained, "put", path, data=body, content_type="application/json")
    assert refused.status_code == 404
    forbidden = api(client, trained, "put", path, data=body, content_type="application/json")
    assert forbidden.status_code == 403
    assert not AccessLog.objects.exists()
    saved = api(client, sent.practitioner, "put", path, data=body, content_type="application/json")
    assert saved.status_code == 200
    assert saved.json()["summary"] == "Threats to staff."  # the risk as saved, not as it was
    assert rows(sent.practitioner) == [("risk_information", "granted")]


def test_a_refused_download_in_the_page_is_a_404_and_a_denied_row(client, sent):
    document = services.document_add(
        referral=sent, by=sent.practitioner, name="oasys.pdf", content=PDF
    )
    untrained = untrained_at(sent)
    client.force_login(untrained)
    response = client.get(f"/referrals/{sent.public_id}/documents/{document.public_id}/")
    assert response.status_code == 404
    assert rows(untrained) == [(f"risk_document:{document.public_id}", "denied")]


def test_the_risk_section_logs_the_page_it_shows_not_the_change_it_saves(client):
    draft = referral_in(Status.DRAFT)
    client.force_login(draft.practitioner)
    path = f"/referrals/{draft.public_id}/tasks/risk/"
    assert client.get(path).status_code == 200
    assert rows(draft.practitioner) == [("risk_information", "granted")]
    saved = client.post(
        path,
        {
            "rosh_children": "low",
            "rosh_public": "high",
            "rosh_known_adult": "low",
            "rosh_staff": "low",
            "summary": "Changed.",
        },
    )
    assert saved.status_code == 302
    assert len(rows(draft.practitioner)) == 1


def test_the_timeline_computes_the_refusal_once(client, sent):
    trained = trained_caseworker_for(sent.service)
    services.risk_update(
        referral=sent,
        by=sent.practitioner,
        data={"summary": "Changed"},
        amendment_reason="New information from police",
    )
    with mock.patch.object(rules, "risk_denial", wraps=rules.risk_denial) as denial:
        events = services.timeline_read(referral=sent, by=trained, channel="api", why="test")
    assert denial.call_count == 1
    assert "risk_amended" in {event.kind for event in events}
    assert rows(trained) == [("timeline", "granted")]
