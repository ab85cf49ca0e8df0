"""Abandoned drafts: flagged to their practitioner after DRAFT_STALE_DAYS untouched, deleted
DRAFT_DELETE_AFTER_NOTICE_DAYS after the notice unless changed since, by the retention runs."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from notifications.models import Notification
from partnership.models import Role
from partnership.tests.factories import UserFactory
from referrals import documents, retention, selectors, services
from referrals.models import (
    AccessLog,
    DraftExpiryNotice,
    Referral,
    ReferralEvent,
    ReferralHistory,
    RetentionRun,
    RiskDocument,
    RiskInformation,
    RiskInformationHistory,
    Status,
)
from referrals.tasks import referral_retention_apply
from referrals.tests.factories import referral_in

pytestmark = pytest.mark.django_db

# In UTC, so that adding days is adding hours across the clocks going forward.
STARTED = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def expiry_settings(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.DRAFT_STALE_DAYS = 90
    settings.DRAFT_DELETE_AFTER_NOTICE_DAYS = 30


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what waits for the commit (emails, the removal of files) at the end of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def draft_with_a_document(*, at: datetime = STARTED) -> Referral:
    with time_machine.travel(at, tick=False):
        draft = referral_in(Status.DRAFT)
        services.document_add(
            referral=draft, by=draft.practitioner, name="oasys-summary.pdf", content=PDF
        )
    return draft


def run_at(moment: datetime, **kwargs) -> retention.RetentionSummary:
    with time_machine.travel(moment, tick=False):
        return retention.retention_apply(trigger="schedule", **kwargs)


def notices_to(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=retention.DRAFT_NOTICE_KIND))


def test_data_protection_a_draft_untouched_for_90_days_is_flagged_once(committed, mailoutbox):
    draft = draft_with_a_document()
    practitioner = draft.practitioner

    early = run_at(STARTED + timedelta(days=89, hours=23))
    assert early.drafts_flagged == 0 and not notices_to(practitioner)

    with committed():
        flagged = run_at(STARTED + timedelta(days=90, hours=1))
    assert flagged.drafts_flagged == 1
    assert RetentionRun.objects.get(pk=flagged.run.pk).drafts_flagged == 1
    (notice,) = notices_to(practitioner)
    assert notice.title == f"Draft referral {draft.reference} will be deleted on 4 May 2027"
    assert notice.link == f"/referrals/{draft.public_id}/"
    assert "Jordan" not in notice.title + notice.body and draft.crn not in notice.body
    assert notice.email_status in (
        Notification.EmailStatus.PENDING,
        Notification.EmailStatus.SENT,
    )

    again = run_at(STARTED + timedelta(days=91))
    assert again.drafts_flagged == 0
    assert len(notices_to(practitioner)) == 1


def test_data_protection_a_flagged_draft_is_deleted_30_days_after_the_notice(committed):
    draft = draft_with_a_document()
    storage_name = RiskDocument.objects.get(referral=draft).storage_name
    assert documents.exists(storage_name)
    assert ReferralHistory.objects.filter(pgh_obj_id=draft.pk).exists()
    noticed_at = STARTED + timedelta(days=90, hours=1)
    run_at(noticed_at)

    kept = run_at(noticed_at + timedelta(days=29, hours=23))
    assert kept.drafts_deleted == 0 and Referral.objects.filter(pk=draft.pk).exists()

    with committed():
        deleted = run_at(noticed_at + timedelta(days=30))
    assert deleted.drafts_deleted == 1 and deleted.documents_deleted == 1
    run = RetentionRun.objects.get(pk=deleted.run.pk)
    assert (run.drafts_deleted, run.documents_deleted) == (1, 1)
    assert run.history_events_deleted >= 2
    assert not Referral.objects.filter(pk=draft.pk).exists()
    assert not RiskInformation.objects.filter(referral_id=draft.pk).exists()
    assert not RiskDocument.objects.filter(referral_id=draft.pk).exists()
    assert not documents.exists(storage_name)
    assert not ReferralEvent.objects.filter(referral_id=draft.pk).exists()
    assert not ReferralHistory.objects.filter(pgh_obj_id=draft.pk).exists()
    assert not RiskInformationHistory.objects.filter(referral_id=draft.pk).exists()
    assert not DraftExpiryNotice.objects.exists()
    # The notice no longer leads to a page that is gone.
    (notice,) = notices_to(draft.practitioner)
    assert notice.link == "" and notice.title == retention.DRAFT_NOTIFICATION_TITLE_DELETED


def _edit_the_referral(draft):
    services.referral_update(referral=draft, by=draft.practitioner, data={"phone": "07700 900999"})


def _edit_the_risk(draft):
    services.risk_update(referral=draft, by=draft.practitioner, data={"summary": "Updated."})


def _add_a_document(draft):
    services.document_add(referral=draft, by=draft.practitioner, name="more.pdf", content=PDF)


def _remove_a_document(draft):
    services.document_remove(document=draft.documents.get(), by=draft.practitioner)


@pytest.mark.parametrize(
    "touch", [_edit_the_referral, _edit_the_risk, _add_a_document, _remove_a_document]
)
def test_data_protection_any_edit_after_the_notice_keeps_the_draft(touch):
    draft = draft_with_a_document()
    noticed_at = STARTED + timedelta(days=90, hours=1)
    run_at(noticed_at)

    edited_at = noticed_at + timedelta(days=10)
    with time_machine.travel(edited_at, tick=False):
        touch(Referral.objects.get(pk=draft.pk))

    kept = run_at(noticed_at + timedelta(days=31))
    assert kept.drafts_deleted == 0 and kept.drafts_flagged == 0
    assert Referral.objects.filter(pk=draft.pk).exists()

    # Left alone again, it is flagged again, and only then deleted.
    again = run_at(edited_at + timedelta(days=90, hours=1))
    assert again.drafts_flagged == 1
    assert len(notices_to(draft.practitioner)) == 2
    assert run_at(edited_at + timedelta(days=119)).drafts_deleted == 0
    assert run_at(edited_at + timedelta(days=121)).drafts_deleted == 1
    assert not Referral.objects.filter(pk=draft.pk).exists()


def test_data_protection_a_draft_whose_risk_was_read_keeps_only_an_empty_unlisted_row(
    committed,
):
    draft = draft_with_a_document()
    with time_machine.travel(STARTED, tick=False):
        services.risk_read(referral=draft, by=draft.practitioner, channel="page", why="editing")
    with time_machine.travel(STARTED + timedelta(days=100), tick=False):
        other_draft = referral_in(Status.DRAFT, practitioner=draft.practitioner)
    run_at(STARTED + timedelta(days=90, hours=1))
    with committed():
        summary = run_at(STARTED + timedelta(days=121))

    assert summary.drafts_deleted == 1
    shell = Referral.objects.get(pk=draft.pk)
    assert shell.anonymised_at is not None
    assert (shell.crn, shell.first_name, shell.last_name, shell.address) == ("", "", "", "")
    assert RiskInformation.objects.get(referral=shell).summary == ""
    assert not RiskDocument.objects.filter(referral=shell).exists()
    assert AccessLog.objects.filter(referral=shell).exists()  # the audit trail stands
    listed = selectors.referral_list_visible_to(user=draft.practitioner)
    assert list(listed.values_list("pk", flat=True)) == [other_draft.pk]
    rows = selectors.referral_rows_visible_to(user=draft.practitioner)[0:10]
    assert [row["id"] for row in rows] == [other_draft.pk]
    # It is never picked again; the other draft, left alone since, is.
    assert run_at(STARTED + timedelta(days=400)).drafts_flagged == 1
    assert not DraftExpiryNotice.objects.filter(referral=shell).exists()
    assert DraftExpiryNotice.objects.filter(referral=other_draft).exists()


def test_data_protection_sent_referrals_and_recent_drafts_are_untouched():
    with time_machine.travel(STARTED, tick=False):
        sent = referral_in(Status.SENT)
    recent = draft_with_a_document(at=STARTED + timedelta(days=60))
    summary = run_at(STARTED + timedelta(days=149))
    assert (summary.drafts_flagged, summary.drafts_deleted) == (0, 0)
    assert Referral.objects.filter(pk__in=[sent.pk, recent.pk]).count() == 2
    assert not Notification.objects.filter(kind=retention.DRAFT_NOTICE_KIND).exists()


def test_data_protection_a_dry_run_counts_drafts_and_changes_nothing():
    draft = draft_with_a_document()
    out = StringIO()
    with time_machine.travel(STARTED + timedelta(days=95), tick=False):
        call_command("apply_retention", "--dry-run", stdout=out)
    assert "Untouched drafts: 1 due a notice to their practitioner, 0 due deletion." in (
        out.getvalue()
    )
    assert "nothing was changed" in out.getvalue()
    assert not DraftExpiryNotice.objects.exists() and not notices_to(draft.practitioner)
    assert not RetentionRun.objects.exists()

    run_at(STARTED + timedelta(days=95))
    out = StringIO()
    with time_machine.travel(STARTED + timedelta(days=126), tick=False):
        call_command("apply_retention", "--dry-run", stdout=out)
    assert "Untouched drafts: 0 due a notice to their practitioner, 1 due deletion." in (
        out.getvalue()
    )
    assert Referral.objects.filter(pk=draft.pk).exists()


def test_data_protection_the_daily_task_and_the_admin_show_the_draft_counts(client):
    draft_with_a_document()
    with time_machine.travel(STARTED + timedelta(days=95), tick=False):
        result = referral_retention_apply.apply().get()
    assert result["drafts_flagged"] == 1 and result["drafts_deleted"] == 0

    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    page = client.get("/django-admin/referrals/retentionrun/").content.decode()
    assert "Drafts flagged" in page and "Drafts deleted" in page
