"""The referral page: who referred and how to reach them, when the provider's decision is
due, the print view, the notice that risk reads are recorded, and risk documents
downloaded under a safe version of their name."""

from datetime import date, datetime, time
from urllib.parse import unquote

import pytest
from django.utils import timezone
from django.utils.html import escape

from partnership.models import Role
from partnership.tests.factories import UserFactory
from referrals import services
from referrals.models import AccessLog, Referral, Status
from referrals.reminders import decision_due_on
from referrals.tests.factories import provider_admin_for, referral_in, trained_caseworker_for

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def main_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode().split('id="main-content"')[1].split("</main>")[0]


def test_the_page_shows_the_referring_practitioners_contact_details(client):
    referral = referral_in(Status.SENT)
    practitioner = referral.practitioner
    practitioner.phone = "0161 496 0001"
    practitioner.save(update_fields=["phone"])
    client.force_login(trained_caseworker_for(referral.service))
    page = main_of(client.get(f"/referrals/{referral.public_id}/"))
    block = page[page.index('data-testid="practitioner"') :]
    block = block[: block.index("</dl>")]
    for shown in (
        escape(practitioner.full_name),
        referral.pdu.name,
        f'href="mailto:{practitioner.email}"',
        "0161 496 0001",
    ):
        assert shown in block


def test_a_practitioner_without_a_phone_number_says_so(client):
    referral = referral_in(Status.SENT)
    client.force_login(provider_admin_for(referral.service))
    page = main_of(client.get(f"/referrals/{referral.public_id}/"))
    assert "Not given" in page[page.index('data-testid="practitioner"') :]


class TestTheDecisionDeadline:
    def test_a_sent_referral_shows_when_the_decision_is_due(self, client):
        referral = referral_in(Status.SENT)
        client.force_login(provider_admin_for(referral.service))
        page = main_of(client.get(f"/referrals/{referral.public_id}/"))
        due = decision_due_on(referral)
        assert f"decision is due by <strong>{due.day} {due:%B %Y}</strong>" in page
        assert "Overdue" not in page

    def test_a_late_decision_is_flagged_overdue(self, client):
        referral = referral_in(Status.SENT)
        sent = timezone.make_aware(datetime.combine(date(2026, 3, 2), time(9)))
        Referral.objects.filter(pk=referral.pk).update(sent_at=sent)
        client.force_login(referral.practitioner)
        page = main_of(client.get(f"/referrals/{referral.public_id}/"))
        due = decision_due_on(Referral.objects.get(pk=referral.pk))
        assert due < timezone.localdate()
        assert 'govuk-tag--red">Overdue</strong>' in page
        assert f"{due.day} {due:%B %Y}" in page

    def test_once_decided_no_deadline_is_shown(self, client):
        referral = referral_in(Status.ACCEPTED)
        client.force_login(provider_admin_for(referral.service))
        page = main_of(client.get(f"/referrals/{referral.public_id}/"))
        assert 'data-testid="decision-due"' not in page


def test_the_print_button_waits_for_script_and_the_script_carries_the_nonce(client):
    referral = referral_in(Status.SENT)
    client.force_login(referral.practitioner)
    response = client.get(f"/referrals/{referral.public_id}/")
    page = response.content.decode()
    assert "data-print-page hidden>Print this page</button>" in page
    script = page[page.rindex('<script type="module"') :]
    assert "window.print()" in script
    nonce = script.split('nonce="')[1].split('"')[0]
    assert nonce and f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_the_stylesheet_prints_the_content_alone(client):
    from pathlib import Path

    from django.conf import settings

    scss = (Path(settings.BASE_DIR) / "assets" / "scss" / "application.scss").read_text()
    printed = scss[scss.index("@media print") :]
    for hidden in (
        ".moj-header",
        ".govuk-phase-banner",
        ".govuk-footer",
        ".govuk-button",
        ".govuk-summary-list__actions",
        ".govuk-summary-card__actions",
    ):
        assert hidden in printed


class TestRiskReadsAreRecorded:
    def test_those_who_read_risk_are_told_reads_are_recorded(self, client):
        referral = referral_in(Status.SENT)
        client.force_login(trained_caseworker_for(referral.service))
        page = main_of(client.get(f"/referrals/{referral.public_id}/"))
        notice = page.index('data-testid="risk-audited"')
        assert "it is recorded with your name and the time" in page[notice:]
        # Beside the risk information itself.
        assert page.index('id="risk"') < notice < page.index('data-testid="risk"')

    def test_no_notice_where_no_risk_is_shown(self, client):
        referral = referral_in(Status.SENT)
        untrained = UserFactory(role=Role.CASEWORKER, organisation=referral.service.organisation)
        client.force_login(untrained)
        page = main_of(client.get(f"/referrals/{referral.public_id}/"))
        assert 'data-testid="risk-audited"' not in page


@pytest.mark.parametrize(
    ("uploaded", "ascii_name", "utf8_name"),
    [
        ("../../etc/Évaluation\r\nrisque.pdf", "Evaluationrisque.pdf", "Évaluationrisque.pdf"),
        ('C:\\Users\\pp\\risk "v2".pdf', "risk _v2.pdf", "risk _v2_.pdf"),
        ("oasys.PDF", "oasys.pdf", "oasys.pdf"),
    ],
)
def test_a_downloaded_document_keeps_a_safe_version_of_its_name(
    client, uploaded, ascii_name, utf8_name
):
    referral = referral_in(Status.DRAFT)
    document = services.document_add(
        referral=referral, by=referral.practitioner, name=uploaded, content=PDF
    )
    client.force_login(referral.practitioner)
    response = client.get(f"/referrals/{referral.public_id}/documents/{document.public_id}/")
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert header.startswith("attachment; ")
    assert f'filename="{ascii_name}"' in header
    assert unquote(header.split("filename*=UTF-8''")[1]) == utf8_name
    assert "\r" not in header and "\n" not in header and "/" not in unquote(header)
    assert b"".join(response.streaming_content) == PDF
    assert AccessLog.objects.filter(user=referral.practitioner, outcome="granted").exists()
