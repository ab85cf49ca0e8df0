"""The API as a contract: a client generated from the served schema with
`openapi-python-client`, as a provider's case-management supplier would make one, runs the
referral's whole life across roles, with no request written by hand."""

from __future__ import annotations

import importlib
import io
import subprocess
import sys

import httpx
import pytest
from django.utils import timezone

from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service
from referrals.tests.factories import provider_admin_for, trained_caseworker_for

pytestmark = pytest.mark.slow

PACKAGE = "partnership_api_client"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def generated(live_server, committed_db, tmp_path):
    """The client package, generated from the live server's schema and imported."""
    schema = httpx.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_bytes(schema.content)
    # No formatting afterwards: the generator's default runs ruff from PATH.
    (tmp_path / "config.yaml").write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(tmp_path / "schema.json"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
            "--config",
            str(tmp_path / "config.yaml"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield live_server.url
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def operation(name: str):
    """An operation module of the generated client, as `referrals.referrals_send_create`."""
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def model(name: str):
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def ok(response, status: int = 200):
    """The parsed body of a response of the expected status."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.parsed


def test_a_generated_client_runs_the_referral_lifecycle(generated):
    service = make_service("Housing first", slugs=("accommodation",), pdus=("Manchester North",))
    practitioner = UserFactory(role=Role.PRACTITIONER, pdu=Pdu.objects.get(name="Manchester North"))
    admin = provider_admin_for(service)
    caseworker = trained_caseworker_for(service)
    client_module = importlib.import_module(PACKAGE)

    def client_for(user):
        _, raw = issue_token(user, scope="write")
        return client_module.AuthenticatedClient(
            base_url=generated, token=raw, raise_on_unexpected_status=True
        )

    as_practitioner, as_admin, as_caseworker = map(client_for, (practitioner, admin, caseworker))

    # The practitioner finds what the service takes, and starts a referral.
    offered = ok(
        operation("services.services_retrieve").sync_detailed(service.pk, client=as_practitioner)
    )
    level = next(option.id for option in offered.complexity_levels)
    outcomes = [option.id for option in offered.desired_outcomes[:2]]
    created = ok(
        operation("referrals.referrals_create").sync_detailed(
            client=as_practitioner,
            body=model("ReferralCreateRequest").from_dict(
                {"service": service.pk, "crn": "X246810"}
            ),
            idempotency_key="lifecycle-1",
        ),
        201,
    )
    referral_id = created.id
    assert created.status.value == "draft" and created.service.name == "Housing first"

    changed = operation("referrals.referrals_partial_update").sync_detailed(
        referral_id,
        client=as_practitioner,
        body=model("PatchedReferralUpdateRequest").from_dict(
            {
                "first_name": "Sam",
                "last_name": "Jones",
                "sex": "male",
                "date_of_birth": "1990-04-01",
                "consent_basis": "consent",
                "reason": "Needs a stable place to live after release to keep to his order.",
                "complexity_level": level,
                "desired_outcomes": outcomes,
            }
        ),
    )
    assert ok(changed).first_name == "Sam"
    assert changed.headers["ETag"]
    ok(
        operation("referrals.referrals_risk_update").sync_detailed(
            referral_id,
            client=as_practitioner,
            body=model("RiskRequest").from_dict(
                {
                    "rosh_children": "low",
                    "rosh_public": "medium",
                    "rosh_known_adult": "low",
                    "rosh_staff": "low",
                    "summary": "Low risk to staff in the community.",
                }
            ),
        )
    )
    file_type = importlib.import_module(f"{PACKAGE}.types").File
    uploaded = ok(
        operation("referrals.referrals_documents_create").sync_detailed(
            referral_id,
            client=as_practitioner,
            body=model("RiskDocumentUploadRequest")(
                file=file_type(
                    payload=io.BytesIO(PDF), file_name="risk.pdf", mime_type="application/pdf"
                )
            ),
        ),
        201,
    )
    # Sent only if no one has changed it since it was read.
    read = operation("referrals.referrals_retrieve").sync_detailed(
        referral_id, client=as_practitioner
    )
    sent = ok(
        operation("referrals.referrals_send_create").sync_detailed(
            referral_id, client=as_practitioner, if_match=read.headers["ETag"]
        )
    )
    assert sent.status.value == "sent"

    # The provider accepts it and assigns it to someone trained to read its risk.
    assert (
        ok(
            operation("referrals.referrals_accept_create").sync_detailed(
                referral_id, client=as_admin
            )
        ).status.value
        == "accepted"
    )
    staff = ok(operation("staff.staff_list").sync_detailed(client=as_admin)).results
    trained = next(member for member in staff if member.has_current_risk_training)
    assert trained.id == caseworker.pk
    assigned = ok(
        operation("referrals.referrals_assign_create").sync_detailed(
            referral_id,
            client=as_admin,
            body=model("AssignRequest").from_dict({"caseworker": trained.id}),
        )
    )
    assert assigned.assigned_to == caseworker.full_name

    # The caseworker works with the person and raises an urgent concern.
    held_on = timezone.localdate().isoformat()
    ok(
        operation("referrals.referrals_sessions_create").sync_detailed(
            referral_id,
            client=as_caseworker,
            body=model("SessionRequest").from_dict(
                {
                    "kind": "first_contact",
                    "held_on": held_on,
                    "mode": "in_person",
                    "attendance": "attended",
                    "engagement_notes": "Engaged well.",
                }
            ),
        ),
        201,
    )
    assert (
        ok(
            operation("referrals.referrals_risk_retrieve").sync_detailed(
                referral_id, client=as_caseworker
            )
        ).rosh_public.value
        == "medium"
    )
    ok(
        operation("referrals.referrals_concerns_create").sync_detailed(
            referral_id,
            client=as_caseworker,
            body=model("ConcernRequest").from_dict(
                {
                    "urgency": "urgent",
                    "what_happened": "Said he had been threatened at his address.",
                    "actions_taken": "Told the police.",
                }
            ),
        ),
        201,
    )

    # The practitioner acknowledges it.
    concerns = ok(
        operation("referrals.referrals_concerns_list").sync_detailed(
            referral_id, client=as_practitioner
        )
    )
    assert concerns.count == 1
    acknowledged = ok(
        operation("referrals.referrals_concerns_acknowledge_create").sync_detailed(
            referral_id, concerns.results[0].id, client=as_practitioner
        )
    )
    assert acknowledged.acknowledged_at is not None

    # The caseworker ends the service with its report, which the practitioner reads.
    ok(
        operation("referrals.referrals_end_of_service_report_create").sync_detailed(
            referral_id,
            client=as_caseworker,
            body=model("EndOfServiceReportRequest").from_dict(
                {
                    "closing_reason": "completed",
                    "summary": "Settled in his own tenancy.",
                    "outcomes": [
                        {"desired_outcome": outcome, "result": "achieved"} for outcome in outcomes
                    ],
                }
            ),
        ),
        201,
    )
    report = ok(
        operation("referrals.referrals_end_of_service_report_retrieve").sync_detailed(
            referral_id, client=as_practitioner
        )
    )
    assert report.summary == "Settled in his own tenancy."
    final = ok(
        operation("referrals.referrals_retrieve").sync_detailed(referral_id, client=as_practitioner)
    )
    assert final.status.value == "completed"
    download = operation("referrals.referrals_documents_download_retrieve").sync_detailed(
        referral_id, uploaded.id, client=as_practitioner
    )
    assert download.status_code == 200 and download.content == PDF
