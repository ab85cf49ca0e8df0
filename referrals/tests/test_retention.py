"""Retention: closed referrals are anonymised six years after they closed, and nothing else."""

import time
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.forms.models import model_to_dict

from notifications.models import Notification
from partnership.celery import app
from referrals import documents, retention, services
from referrals.models import (
    AccessLog,
    Concern,
    EndOfServiceReport,
    OutcomeResult,
    Referral,
    ReferralEvent,
    ReferralHistory,
    RetentionRun,
    RiskDocument,
    RiskInformation,
    RiskInformationHistory,
    Session,
    Status,
)
from referrals.tasks import referral_retention_apply
from referrals.tests.factories import COMPLETE_PERSON, provider_admin_for, referral_in, sent_on

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2032, 6, 15, 12, 0, tzinfo=LONDON)
SIX_YEARS_AND_A_DAY_AGO = datetime(2026, 6, 14, 12, 0, tzinfo=LONDON)
FIVE_YEARS_364_DAYS_AGO = datetime(2026, 6, 16, 12, 0, tzinfo=LONDON)
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.REFERRAL_RETENTION_YEARS = 6


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what waits for the commit (the removal of files) at the end of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def completed_with_everything(*, closed_at: datetime) -> Referral:
    """A referral with a risk document, a changed risk summary, a missed session, a concern,
    a read of its risk and an end-of-service report, completed at `closed_at`."""
    with time_machine.travel(closed_at - timedelta(days=60), tick=False):
        referral = sent_on(referral_in(Status.ACCEPTED), (closed_at - timedelta(days=62)).date())
        practitioner, staff = referral.practitioner, provider_admin_for(referral.service)
        services.document_add(
            referral=referral, by=practitioner, name="oasys-summary.pdf", content=PDF
        )
        services.risk_update(
            referral=referral,
            by=practitioner,
            data={"summary": "Threatened a neighbour in March."},
            amendment_reason="New incident reported by the police",
        )
        services.session_record(
            referral=referral,
            by=staff,
            kind="first_contact",
            held_on=(closed_at - timedelta(days=61)).date(),
            mode="in_person",
            attendance="did_not_attend",
            engagement_notes="Jordan said his brother would drive him next time.",
        )
        services.concern_raise(
            referral=referral,
            by=staff,
            urgency="urgent",
            what_happened="Jordan arrived drunk and shouted at reception.",
            actions_taken="Called his probation practitioner.",
        )
        services.risk_read(referral=referral, by=practitioner, channel="web", why="review")
    with time_machine.travel(closed_at, tick=False):
        services.report_send(
            referral=referral,
            by=staff,
            closing_reason="completed",
            summary="Jordan now lives at 4 Acacia Road and has kept his tenancy.",
            outcomes={
                o.pk: ("achieved", "Moved in with his aunt.")
                for o in referral.desired_outcomes.all()
            },
        )
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED
    return referral


def declined_with_a_document(*, created_at: datetime, closed_at: datetime) -> Referral:
    with time_machine.travel(created_at, tick=False):
        referral = referral_in(Status.SENT)
        services.document_add(
            referral=referral, by=referral.practitioner, name="risk.pdf", content=PDF
        )
    with time_machine.travel(closed_at, tick=False):
        return services.referral_decline(
            referral=referral, by=provider_admin_for(referral.service), reason="no_capacity"
        )


def everything_about(referral: Referral) -> dict:
    """Every stored value that retention could touch, to compare before and after."""
    referral.refresh_from_db()
    return {
        "referral": model_to_dict(referral, exclude=["desired_outcomes"]),
        "anonymised_at": referral.anonymised_at,
        "risk": model_to_dict(RiskInformation.objects.get(referral=referral)),
        "documents": list(RiskDocument.objects.filter(referral=referral).values()),
        "files": sorted(documents.private_storage().listdir(documents.FOLDER)[1]),
        "sessions": list(Session.objects.filter(referral=referral).values()),
        "concerns": list(Concern.objects.filter(referral=referral).values()),
        "reports": list(EndOfServiceReport.objects.filter(referral=referral).values()),
        "outcomes": list(OutcomeResult.objects.filter(report__referral=referral).values()),
        "events": list(ReferralEvent.objects.filter(referral=referral).values()),
        "history": list(ReferralHistory.objects.filter(pgh_obj=referral).values()),
        "risk_history": list(RiskInformationHistory.objects.filter(referral=referral).values()),
        "notifications": list(
            Notification.objects.filter(link=f"/referrals/{referral.public_id}/").values()
        ),
    }


def test_a_referral_closed_six_years_and_a_day_ago_is_anonymised_and_its_documents_deleted(
    committed,
):
    referral = completed_with_everything(closed_at=SIX_YEARS_AND_A_DAY_AGO)
    document = RiskDocument.objects.get(referral=referral)
    kept = {
        "status": referral.status,
        "service": referral.service_id,
        "pdu": referral.pdu_id,
        "practitioner": referral.practitioner_id,
        "created_at": referral.created_at,
        "sent_at": referral.sent_at,
        "decided_at": referral.decided_at,
        "complexity_level": referral.complexity_level_id,
        "consent_basis": referral.consent_basis,
        "reference": referral.reference,
    }
    outcomes = list(referral.desired_outcomes.values_list("pk", flat=True))
    results = list(OutcomeResult.objects.filter(report__referral=referral).values("result"))
    sessions = list(Session.objects.filter(referral=referral).values("held_on", "attendance"))
    assert documents.exists(document.storage_name)
    missed = Notification.objects.get(kind="session_missed")
    assert referral.reference in missed.title
    assert COMPLETE_PERSON["first_name"] not in missed.title  # no names in email subjects

    with time_machine.travel(NOW, tick=False), committed():
        summary = retention.retention_apply(trigger="command")

    assert (summary.referrals_anonymised, summary.documents_deleted) == (1, 1)
    referral.refresh_from_db()
    assert referral.anonymised_at == NOW
    for name, blank in retention.REFERRAL_FIELDS_CLEARED.items():
        assert getattr(referral, name) == blank, name
    # What the figures rest on stays.
    assert {
        "status": referral.status,
        "service": referral.service_id,
        "pdu": referral.pdu_id,
        "practitioner": referral.practitioner_id,
        "created_at": referral.created_at,
        "sent_at": referral.sent_at,
        "decided_at": referral.decided_at,
        "complexity_level": referral.complexity_level_id,
        "consent_basis": referral.consent_basis,
        "reference": referral.reference,
    } == kept
    assert list(referral.desired_outcomes.values_list("pk", flat=True)) == outcomes
    assert list(OutcomeResult.objects.filter(report__referral=referral).values("result")) == results
    assert (
        list(Session.objects.filter(referral=referral).values("held_on", "attendance")) == sessions
    )

    risk = RiskInformation.objects.get(referral=referral)
    for name, blank in retention.RISK_FIELDS_CLEARED.items():
        assert getattr(risk, name) == blank, name
    assert not RiskDocument.objects.filter(referral=referral).exists()
    assert not documents.exists(document.storage_name)
    assert not Session.objects.filter(referral=referral).exclude(engagement_notes="").exists()
    assert Concern.objects.get(referral=referral).what_happened == ""
    assert Concern.objects.get(referral=referral).actions_taken == ""
    assert EndOfServiceReport.objects.get(referral=referral).summary == ""
    assert not OutcomeResult.objects.filter(report__referral=referral).exclude(comment="").exists()
    assert not ReferralEvent.objects.filter(referral=referral).exclude(note="").exists()
    missed.refresh_from_db()
    assert (missed.title, missed.body) == (retention.NOTIFICATION_TITLE_CLEARED, "")
    # The access log stays as it is: the database refuses changes to it.
    assert AccessLog.objects.filter(referral=referral).count() == 1

    run = RetentionRun.objects.get()
    assert (run.trigger, run.retention_years, run.referrals_anonymised, run.documents_deleted) == (
        "command",
        6,
        1,
        1,
    )
    assert run.history_events_deleted >= 4 and run.finished_at is not None


def test_the_audit_history_keeps_nothing_of_an_anonymised_referral():
    referral = completed_with_everything(closed_at=SIX_YEARS_AND_A_DAY_AGO)
    assert ReferralHistory.objects.filter(pgh_obj=referral, first_name="Jordan").exists()
    assert RiskInformationHistory.objects.filter(
        referral=referral, summary__contains="neighbour"
    ).exists()

    with time_machine.travel(NOW, tick=False):
        retention.retention_apply(trigger="command")

    # What remains is the anonymising change itself, by the retention run.
    (event,) = ReferralHistory.objects.filter(pgh_obj=referral)
    assert (event.crn, event.first_name, event.last_name, event.address) == ("", "", "", "")
    assert event.date_of_birth is None and event.anonymised_at == NOW
    assert event.pgh_context.metadata["retention_run"] == RetentionRun.objects.get().pk
    (risk_event,) = RiskInformationHistory.objects.filter(referral=referral)
    assert (risk_event.summary, risk_event.staff_safety, risk_event.rosh_public) == ("", "", "")
    history_text = str(list(ReferralHistory.objects.values())) + str(
        list(RiskInformationHistory.objects.values())
    )
    for personal in [COMPLETE_PERSON["last_name"], COMPLETE_PERSON["phone"], "neighbour"]:
        assert personal not in history_text


def test_closed_five_years_364_days_ago_or_open_is_untouched_and_closing_time_counts():
    # Started seven years ago, but closed less than six years ago: not yet due.
    recent = declined_with_a_document(
        created_at=NOW - timedelta(days=7 * 365), closed_at=FIVE_YEARS_364_DAYS_AGO
    )
    with time_machine.travel(NOW - timedelta(days=10 * 365), tick=False):
        still_open = referral_in(Status.ACCEPTED)
        services.document_add(
            referral=still_open, by=still_open.practitioner, name="risk.pdf", content=PDF
        )
    before = {r.pk: everything_about(r) for r in (recent, still_open)}

    with time_machine.travel(NOW, tick=False):
        summary = retention.retention_apply(trigger="command")

    assert summary.referrals_anonymised == 0
    assert {r.pk: everything_about(r) for r in (recent, still_open)} == before
    assert everything_about(recent)["documents"] and everything_about(still_open)["documents"]

    # A day later the declined one is due; the open one never is.
    with time_machine.travel(NOW + timedelta(days=1, minutes=1), tick=False):
        assert retention.retention_apply(trigger="command").referrals_anonymised == 1
    assert Referral.objects.get(pk=recent.pk).anonymised_at is not None
    assert everything_about(still_open) == before[still_open.pk]


def test_running_twice_changes_nothing_the_second_time(committed):
    referral = completed_with_everything(closed_at=SIX_YEARS_AND_A_DAY_AGO)
    withdrawn = referral_in(Status.WITHDRAWN)
    with time_machine.travel(NOW, tick=False):
        with committed():
            retention.retention_apply(trigger="command")
        after_first = [everything_about(referral), everything_about(withdrawn)]
        assert not after_first[0]["files"]
        with committed():
            second = retention.retention_apply(trigger="command")

    assert [everything_about(referral), everything_about(withdrawn)] == after_first
    assert (second.referrals_anonymised, second.documents_deleted) == (0, 0)
    assert second.history_events_deleted == 0


def test_batches_are_set_based_and_a_deadline_stops_before_the_next_batch():
    declined = [
        declined_with_a_document(created_at=datetime(2020, 1, 6, tzinfo=LONDON), closed_at=day)
        for day in [datetime(2020, 1, 7, tzinfo=LONDON), datetime(2020, 1, 8, tzinfo=LONDON)]
    ]
    with time_machine.travel(NOW, tick=False):
        stopped = retention.retention_apply(trigger="schedule", deadline=time.monotonic() - 1)
        assert (stopped.referrals_anonymised, stopped.finished) == (0, False)
        done = retention.retention_apply(trigger="schedule", batch_size=1)
    assert done.batches == [1, 1] and done.finished
    assert all(Referral.objects.get(pk=r.pk).crn == "" for r in declined)


def test_a_dry_run_counts_and_changes_nothing_and_the_command_shows_progress():
    referral = completed_with_everything(closed_at=SIX_YEARS_AND_A_DAY_AGO)
    before = everything_about(referral)
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("apply_retention", "--dry-run", stdout=out)
    assert "1 referrals and 1 risk documents are due; nothing was changed" in out.getvalue()
    assert everything_about(referral) == before
    assert not RetentionRun.objects.exists()

    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("apply_retention", stdout=out)
    assert "1 referrals anonymised, 1 risk documents deleted" in out.getvalue()
    assert Referral.objects.get(pk=referral.pk).anonymised_at == NOW
    (event,) = ReferralHistory.objects.filter(pgh_obj=referral)
    assert event.pgh_context.metadata["command"] == "apply_retention"


def test_beat_runs_the_task_daily_and_the_task_records_itself_in_the_history():
    (entry,) = [
        e
        for e in app.conf.beat_schedule.values()
        if e["task"] == "referrals.tasks.referral_retention_apply"
    ]
    assert entry["schedule"] == crontab(hour=2, minute=30)

    referral = completed_with_everything(closed_at=SIX_YEARS_AND_A_DAY_AGO)
    with time_machine.travel(NOW, tick=False):
        result = referral_retention_apply.apply().get()
    assert result["referrals_anonymised"] == 1
    assert RetentionRun.objects.get().trigger == "schedule"
    (event,) = ReferralHistory.objects.filter(pgh_obj=referral)
    assert event.pgh_context.metadata["task"] == "referrals.tasks.referral_retention_apply"


def test_the_referral_page_says_when_the_details_were_removed(client):
    referral = completed_with_everything(closed_at=SIX_YEARS_AND_A_DAY_AGO)
    with time_machine.travel(NOW, tick=False):
        retention.retention_apply(trigger="command")
    client.force_login(referral.practitioner)
    page = client.get(f"/referrals/{referral.public_id}/").content.decode()
    assert "details were removed on 15 June 2032" in page
    assert COMPLETE_PERSON["phone"] not in page and COMPLETE_PERSON["address"] not in page


def test_a_retention_period_under_a_year_is_refused(settings):
    referral = referral_in(Status.WITHDRAWN)
    settings.REFERRAL_RETENTION_YEARS = 0
    with pytest.raises(ImproperlyConfigured):
        retention.retention_apply(trigger="command")
    assert Referral.objects.get(pk=referral.pk).anonymised_at is None
