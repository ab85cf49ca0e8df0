"""The referrals API: access matrix, actions and errors, idempotency, risk documents."""

import io
import json
import zipfile
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service
from referrals import services
from referrals.models import AccessLog, Referral, RiskDocument, Status
from referrals.tests.factories import (
    provider_admin_for,
    referral_in,
    sent_on,
    trained_caseworker_for,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def headers(user, scope="write"):
    _, raw = issue_token(user, scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def url(referral, suffix=""):
    return f"/api/v1/referrals/{referral.public_id}/{suffix}"


@pytest.fixture
def sent():
    return referral_in(Status.SENT)


@pytest.fixture
def people(sent):
    other_pdu = Pdu.objects.exclude(pk=sent.pdu_id).first()
    trained = trained_caseworker_for(sent.service)
    return {
        "referrer": sent.practitioner,
        "same_pdu": UserFactory(role=Role.PRACTITIONER, pdu=sent.pdu),
        "other_pdu": UserFactory(role=Role.PRACTITIONER, pdu=other_pdu),
        "trained": trained,
        "untrained": UserFactory(role=Role.CASEWORKER, organisation=sent.service.organisation),
        "other_provider": UserFactory(role=Role.PROVIDER_ADMIN),
        "commissioner": UserFactory(role=Role.COMMISSIONER),
        "assessor": UserFactory(role=Role.ASSESSOR),
    }


@pytest.mark.parametrize(
    ("who", "sees_referral", "sees_risk"),
    [
        ("referrer", True, True),
        ("same_pdu", True, True),
        ("trained", True, True),
        ("untrained", True, False),
        ("other_pdu", False, False),
        ("other_provider", False, False),
        ("commissioner", False, False),
        ("assessor", False, False),
    ],
)
def test_the_access_matrix(client, sent, people, who, sees_referral, sees_risk):
    services.document_add(referral=sent, by=sent.practitioner, name="oasys.pdf", content=PDF)
    user = people[who]
    auth = headers(user)
    listed = [r["id"] for r in client.get("/api/v1/referrals/", **auth).json()["results"]]
    assert (str(sent.public_id) in listed) is sees_referral
    assert client.get(url(sent), **auth).status_code == (200 if sees_referral else 404)
    risk = client.get(url(sent, "risk/"), **auth)
    assert risk.status_code == (200 if sees_risk else 404)
    assert client.get(url(sent, "documents/"), **auth).status_code == (200 if sees_risk else 404)
    logged = AccessLog.objects.filter(user=user)
    if sees_risk:
        # The risk read and the document list (it names a document): reads, both logged.
        assert sorted(logged.values_list("what", "outcome")) == [
            ("risk_documents", "granted"),
            ("risk_information", "granted"),
        ]
    elif sees_referral:
        # Only the request for the risk itself is a refused read; the list is just a 404.
        assert list(logged.values_list("what", "outcome")) == [("risk_information", "denied")]
    else:
        assert not logged.exists()  # a referral they cannot see is never reached


def test_a_commissioner_never_sees_a_person(client, sent):
    body = client.get("/api/v1/referrals/", **headers(UserFactory(role=Role.COMMISSIONER))).json()
    assert body["results"] == []


def test_create_with_an_idempotency_key_makes_one_referral(client):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service()
    auth = {**headers(practitioner), "HTTP_IDEMPOTENCY_KEY": "abc-123"}
    first = client.post(
        "/api/v1/referrals/",
        {"service": service.pk, "crn": "X654321"},
        content_type="application/json",
        **auth,
    )
    again = client.post(
        "/api/v1/referrals/",
        {"service": service.pk, "crn": "X654321"},
        content_type="application/json",
        **auth,
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Referral.objects.count() == 1


def test_a_bad_crn_is_a_400_by_field(client):
    response = client.post(
        "/api/v1/referrals/",
        {"service": make_service().pk, "crn": "123"},
        content_type="application/json",
        **headers(UserFactory(role=Role.PRACTITIONER)),
    )
    assert response.status_code == 400
    assert "X123456" in response.json()["errors"]["crn"][0]


def test_sending_an_incomplete_referral_lists_what_is_missing(client):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    auth = headers(practitioner)
    created = client.post(
        "/api/v1/referrals/",
        {"service": make_service().pk, "crn": "X777777"},
        content_type="application/json",
        **auth,
    ).json()
    response = client.post(f"/api/v1/referrals/{created['id']}/send/", **auth)
    assert response.status_code == 400
    body = response.json()
    # Keyed by the field to fill in, each with a code a client can act on.
    assert body["errors"]["first_name"] == ["Enter the person's first and last names"]
    assert body["codes"]["sex"] == ["required"]
    assert body["codes"]["reason"] == ["required"]
    assert body["codes"]["risk.rosh_children"] == ["required"]
    assert "person" not in body["errors"] and "risk" not in body["errors"]
    assert Referral.objects.get().status == Status.DRAFT


def test_sending_twice_leaves_one_sent_referral(client, sent):
    auth = headers(sent.practitioner)
    assert client.post(url(sent, "send/"), **auth).status_code == 200
    assert Referral.objects.filter(status=Status.SENT).count() == 1
    assert sent.events.filter(kind="send").count() == 1


def test_an_invalid_transition_is_409(client, sent):
    admin = provider_admin_for(sent.service)
    auth = headers(admin)
    assert client.post(url(sent, "accept/"), **auth).status_code == 200
    response = client.post(
        url(sent, "decline/"), {"reason": "no_capacity"}, content_type="application/json", **auth
    )
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"


def test_a_practitioner_cannot_accept_and_a_provider_cannot_send(client, sent):
    assert client.post(url(sent, "accept/"), **headers(sent.practitioner)).status_code == 403
    assert (
        client.post(url(sent, "send/"), **headers(provider_admin_for(sent.service))).status_code
        == 403
    )


def test_return_amend_resend_accept_assign(client, sent):
    admin = provider_admin_for(sent.service)
    caseworker = UserFactory(role=Role.CASEWORKER, organisation=sent.service.organisation)
    provider, practitioner = headers(admin), headers(sent.practitioner)
    returned = client.post(
        url(sent, "return/"),
        {"reason": "Add the sentence"},
        content_type="application/json",
        **provider,
    )
    assert returned.json()["status"] == "returned"
    patched = client.patch(
        url(sent),
        {"sentence_type": "Community order"},
        content_type="application/json",
        **practitioner,
    )
    assert patched.status_code == 200
    assert client.post(url(sent, "send/"), **practitioner).json()["status"] == "sent"
    assert client.post(url(sent, "accept/"), **provider).json()["status"] == "accepted"
    assigned = client.post(
        url(sent, "assign/"),
        {"caseworker": caseworker.pk},
        content_type="application/json",
        **provider,
    )
    assert assigned.json()["assigned_to"] == caseworker.full_name
    events = client.get(url(sent, "events/"), **practitioner).json()["results"]
    kinds = [e["kind"] for e in events]
    # A returned referral is amended freely; the timeline shows the round trip.
    assert kinds[-4:] == ["return", "send", "accept", "assign"]


class TestDocuments:
    def upload(self, client, referral, name, content, user=None):
        auth = headers(user or referral.practitioner)
        return client.post(url(referral, "documents/"), {"file": _named(name, content)}, **auth)

    def test_a_pdf_and_a_docx_come_back_byte_identical_to_authorised_users(
        self, client, sent, people
    ):
        for name, content in [("assessment.pdf", PDF), ("plan.docx", docx_bytes())]:
            response = self.upload(client, sent, name, content)
            assert response.status_code == 201, response.json()
            document_id = response.json()["id"]
            for who in ("referrer", "trained"):
                download = client.get(
                    url(sent, f"documents/{document_id}/download/"), **headers(people[who])
                )
                assert download.status_code == 200
                assert download.getvalue() == content
                assert download["Content-Disposition"].startswith("attachment")
                assert download["X-Content-Type-Options"] == "nosniff"
                assert "no-store" in download["Cache-Control"]
            refused = client.get(
                url(sent, f"documents/{document_id}/download/"), **headers(people["untrained"])
            )
            assert refused.status_code == 404
        assert (
            AccessLog.objects.filter(what__startswith="risk_document:", outcome="granted").count()
            == 4
        )

    def test_an_executable_renamed_pdf_is_refused_and_nothing_stored(
        self, client, sent, settings, tmp_path
    ):
        settings.PRIVATE_MEDIA_ROOT = tmp_path
        response = self.upload(client, sent, "report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200)
        assert response.status_code == 400
        assert (
            "PDF, Word (DOCX), OpenDocument text (ODT), JPEG or PNG"
            in response.json()["errors"]["file"][0]
        )
        assert not RiskDocument.objects.exists()
        assert not [path for path in tmp_path.rglob("*") if path.is_file()]

    def test_a_file_over_the_limit_is_413(self, client, sent, settings):
        settings.RISK_DOCUMENT_MAX_BYTES = 1024
        response = self.upload(client, sent, "big.pdf", PDF + b"0" * 2048)
        assert response.status_code == 413
        assert not RiskDocument.objects.exists()

    def test_too_many_files_are_refused(self, client, sent, settings):
        settings.RISK_DOCUMENTS_PER_REFERRAL = 2
        assert self.upload(client, sent, "a.pdf", PDF).status_code == 201
        assert self.upload(client, sent, "b.pdf", PDF).status_code == 201
        response = self.upload(client, sent, "c.pdf", PDF)
        assert response.status_code == 400
        assert "at most 2 risk documents" in response.json()["errors"]["file"][0]
        assert RiskDocument.objects.count() == 2


def _named(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_the_list_runs_a_fixed_number_of_queries(client):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service()
    for _ in range(6):
        referral_in(Status.SENT, practitioner=practitioner, service=service)
    auth = headers(practitioner)
    # The first request on a connection also prepares its statements (partnership.prepared).
    client.get("/api/v1/referrals/", **auth)

    def queries(size):
        with CaptureQueriesContext(connection) as ctx:
            assert (
                len(client.get(f"/api/v1/referrals/?page_size={size}", **auth).json()["results"])
                == size
            )
        return len(ctx)

    # A page that is not the last counts the whole list: one query, whatever its size.
    assert queries(2) == queries(5)


def test_sessions_concerns_and_the_report_through_the_api(client):
    referral = sent_on(referral_in(Status.ACCEPTED), date(2026, 11, 16))
    staff = headers(provider_admin_for(referral.service))
    session = client.post(
        url(referral, "sessions/"),
        {
            "kind": "first_contact",
            "held_on": "2026-11-20",
            "mode": "phone",
            "attendance": "attended",
        },
        content_type="application/json",
        **staff,
    )
    assert session.status_code == 201, session.json()
    concern = client.post(
        url(referral, "concerns/"),
        {"urgency": "urgent", "what_happened": "Threats made."},
        content_type="application/json",
        **staff,
    )
    assert concern.status_code == 201
    outcome = referral.desired_outcomes.first()
    body = {
        "closing_reason": "completed",
        "summary": "Housed.",
        "outcomes": [{"desired_outcome": outcome.pk, "result": "achieved"}],
    }
    assert (
        client.post(
            url(referral, "end-of-service-report/"), body, content_type="application/json", **staff
        ).status_code
        == 201
    )
    again = client.post(
        url(referral, "end-of-service-report/"), body, content_type="application/json", **staff
    )
    assert again.status_code == 409
    practitioner = headers(referral.practitioner)
    assert (
        client.get(url(referral, "end-of-service-report/"), **practitioner).json()["outcomes"][0][
            "result"
        ]
        == "achieved"
    )
    assert client.get(url(referral), **practitioner).json()["status"] == "completed"


def test_only_the_providers_staff_add_sessions_and_reports_before_acceptance_are_409(client):
    referral = sent_on(referral_in(Status.ACCEPTED), date(2026, 11, 16))
    body = {"kind": "session", "held_on": "2026-11-20", "mode": "phone", "attendance": "attended"}
    # The practitioner sees the referral but may not record the provider's work: 403.
    assert (
        client.post(
            url(referral, "sessions/"),
            body,
            content_type="application/json",
            **headers(referral.practitioner),
        ).status_code
        == 403
    )
    # Another organisation's caseworker does not see it at all: 404.
    assert (
        client.post(
            url(referral, "sessions/"),
            body,
            content_type="application/json",
            **headers(UserFactory(role=Role.CASEWORKER)),
        ).status_code
        == 404
    )
    sent = referral_in(Status.SENT)
    report = {"closing_reason": "completed", "summary": "x", "outcomes": []}
    response = client.post(
        url(sent, "end-of-service-report/"),
        report,
        content_type="application/json",
        **headers(provider_admin_for(sent.service)),
    )
    assert response.status_code == 409


def test_the_lean_representation_equals_the_generic_one(client):
    """The list builds each referral's JSON directly; it must say exactly what DRF's
    field-by-field representation says, outcomes, dates and assignment included."""
    from rest_framework import serializers as drf

    from partnership.models import ComplexityLevel
    from referrals.api.serializers import ReferralSerializer

    referral = referral_in(Status.SENT)
    category = referral.service.categories.first()
    referral.desired_outcomes.set(category.desired_outcomes.all()[:2])
    referral.complexity_level = ComplexityLevel.objects.filter(category=category).first()
    referral.assigned_to = trained_caseworker_for(referral.service)
    referral.save()
    unassigned = referral_in(Status.SENT, practitioner=referral.practitioner)
    auth = headers(referral.practitioner)

    listed = {row["id"]: row for row in client.get("/api/v1/referrals/", **auth).json()["results"]}
    for each in (referral, unassigned):
        each = Referral.objects.get(pk=each.pk)
        generic = drf.ModelSerializer.to_representation(ReferralSerializer(), each)
        assert listed[str(each.public_id)] == client.get(url(each), **auth).json()
        assert listed[str(each.public_id)] == json.loads(json.dumps(generic, default=str))
    assert listed[str(referral.public_id)]["desired_outcomes"]
    assert listed[str(referral.public_id)]["assigned_to"] == referral.assigned_to.full_name


def test_a_session_sent_without_a_kind_is_recorded_as_a_session(client):
    referral = sent_on(referral_in(Status.ACCEPTED), date(2026, 11, 16))
    response = client.post(
        url(referral, "sessions/"),
        {"held_on": "2026-11-20", "mode": "phone", "attendance": "attended"},
        content_type="application/json",
        **headers(provider_admin_for(referral.service)),
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "session"


def test_referrals_and_their_nested_lists_are_what_the_schema_documents(client):
    from tests.fuzz.schema import assert_conforms

    # A draft: the person's sex, consent basis and any decision are still empty.
    draft, _ = services.referral_start(
        practitioner=UserFactory(role=Role.PRACTITIONER), service=make_service(), crn="X123456"
    )
    auth = headers(draft.practitioner)
    detail = client.get(url(draft), **auth)
    assert detail.json()["sex"] == "" and detail.json()["decline_reason"] == ""
    assert_conforms(detail, method="GET", path="/api/v1/referrals/{public_id}/")
    listed = client.get("/api/v1/referrals/", **auth)
    assert_conforms(listed, method="GET", path="/api/v1/referrals/")
    # The nested lists come in pages like the others; the created event changes no status.
    for nested in ("events", "documents", "sessions", "concerns"):
        response = client.get(url(draft, f"{nested}/"), **auth)
        assert isinstance(response.json()["results"], list), nested
        assert_conforms(response, method="GET", path=f"/api/v1/referrals/{{public_id}}/{nested}/")
    assert client.get(url(draft, "events/"), **auth).json()["results"][0]["to_status"] == ""


def test_a_download_and_a_refused_upload_are_what_the_schema_documents(
    client, sent, settings, tmp_path
):
    from tests.fuzz.schema import assert_conforms

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    auth = headers(sent.practitioner)
    uploaded = client.post(url(sent, "documents/"), {"file": _named("risk.pdf", PDF)}, **auth)
    download = client.get(url(sent, f"documents/{uploaded.json()['id']}/download/"), **auth)
    assert download["Content-Type"] == "application/pdf"
    assert_conforms(
        download,
        method="GET",
        path="/api/v1/referrals/{public_id}/documents/{document_id}/download/",
    )
    settings.RISK_DOCUMENT_MAX_BYTES = 1024
    too_large = client.post(
        url(sent, "documents/"), {"file": _named("big.pdf", PDF + b"0" * 2048)}, **auth
    )
    assert too_large.status_code == 413
    assert_conforms(too_large, method="POST", path="/api/v1/referrals/{public_id}/documents/")


def test_a_document_id_shaped_like_a_uuid_but_not_one_is_a_404(client, sent):
    auth = headers(sent.practitioner)
    not_a_uuid = "-" * 36  # what the route takes: 36 hex digits and dashes
    download = client.get(url(sent, f"documents/{not_a_uuid}/download/"), **auth)
    assert download.status_code == 404
    assert download["Content-Type"] == "application/problem+json"
    assert client.delete(url(sent, f"documents/{not_a_uuid}/"), **auth).status_code == 404
