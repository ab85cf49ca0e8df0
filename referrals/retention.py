"""Retention: closed referrals are anonymised `REFERRAL_RETENTION_YEARS` after they closed.

A referral closes when it is completed, declined or withdrawn; it closed at the time of
the timeline event that moved it into that status (or, for rows with no timeline, when it
was decided or last changed). Anonymising removes everything that identifies the person
or describes their risk: their details and the free text about them on the referral, its
risk information, risk documents (rows and files), the notes of sessions, concerns, the
end-of-service report and the timeline, the audit history of the referral and its risk
information, and the text of notifications about it. What stays is what the figures rest
on: the service, PDU and practitioner, status, dates, coded reasons, complexity level,
desired outcomes and their results, sessions' dates and attendance.

Abandoned drafts go too: a draft untouched (no change to it, its risk information or its
documents) for `DRAFT_STALE_DAYS` is flagged to its practitioner, in the portal and by
email, once; `DRAFT_DELETE_AFTER_NOTICE_DAYS` after the notice, still untouched, it is
deleted with its risk information, documents (rows and files) and audit history. A draft
whose risk was read has rows in the append-only access log that must keep pointing at it:
that draft keeps an empty row, anonymised as above, and is no longer listed.

Runs are idempotent (an anonymised referral is marked and never picked again), work in
batches of set-based updates, each batch in its own transaction with its rows locked
(`skip_locked`, so two runs never work on the same referral), and are recorded as a
`RetentionRun`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pghistory
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notification_send
from referrals import documents
from referrals.models import (
    CLOSED_STATUSES,
    AccessLog,
    Concern,
    DraftExpiryNotice,
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

logger = logging.getLogger(__name__)

BATCH_SIZE = 500

# The referral's fields about the person, and the values they take once anonymised.
REFERRAL_FIELDS_CLEARED = {
    "crn": "",
    "first_name": "",
    "last_name": "",
    "date_of_birth": None,
    "sex": "",
    "phone": "",
    "address": "",
    "prison": "",
    "expected_release_date": None,
    "sentence_type": "",
    "sentence_end_date": None,
    "rar_days": None,
    "reason": "",
    "accessibility_needs": "",
    "interpreter_language": "",
    "availability": "",
    "return_reason": "",
    "closing_note": "",
    "prefilled": {},
    "entered_by_hand_reason": "",
    # Chosen by the client system, so it may carry anything.
    "idempotency_key": "",
}
RISK_FIELDS_CLEARED = {
    "rosh_children": "",
    "rosh_public": "",
    "rosh_known_adult": "",
    "rosh_staff": "",
    "summary": "",
    "risk_to_self": "",
    "staff_safety": "",
    "last_assessed_on": None,
    "prefilled": {},
}
NOTIFICATION_TITLE_CLEARED = "A referral's details were removed after the retention period"
DRAFT_NOTICE_KIND = "draft_expiry"
DRAFT_NOTIFICATION_TITLE_DELETED = "A draft referral was deleted after it was left untouched"


@dataclass
class RetentionSummary:
    """What a run did (or, for a dry run, would do)."""

    closed_before: datetime
    retention_years: int
    dry_run: bool = False
    run: RetentionRun | None = None
    referrals_anonymised: int = 0
    documents_deleted: int = 0
    history_events_deleted: int = 0
    # A dry run's count of referrals due, and of their risk documents.
    referrals_due: int = 0
    documents_due: int = 0
    drafts_flagged: int = 0
    drafts_deleted: int = 0
    # A dry run's counts of drafts due a notice, and due deletion.
    drafts_due_notice: int = 0
    drafts_due_deletion: int = 0
    # False when the run stopped at its deadline with referrals or drafts still due.
    finished: bool = True
    batches: list[int] = field(default_factory=list)


def years_before(moment: datetime, years: int) -> datetime:
    """The same calendar day and time `years` earlier, in London (29 February → 28th)."""
    local = timezone.localtime(moment)
    try:
        return local.replace(year=local.year - years)
    except ValueError:
        return local.replace(year=local.year - years, day=28)


def retention_cutoff(*, now: datetime | None = None, years: int | None = None) -> datetime:
    """Referrals that closed before this instant are due for anonymising."""
    years = settings.REFERRAL_RETENTION_YEARS if years is None else years
    if years < 1:
        # A mistyped setting must never anonymise every closed referral at once.
        raise ImproperlyConfigured("REFERRAL_RETENTION_YEARS must be 1 or more")
    return years_before(now or timezone.now(), years)


def referrals_due(*, closed_before: datetime) -> QuerySet[Referral]:
    """Closed, not yet anonymised referrals that closed before `closed_before`."""
    closing_event = (
        ReferralEvent.objects.filter(referral=OuterRef("pk"), to_status=OuterRef("status"))
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        Referral.objects.filter(
            status__in=CLOSED_STATUSES,
            anonymised_at__isnull=True,
            # A referral closes after it starts: a cheap first cut before the timeline.
            created_at__lt=closed_before,
        )
        .annotate(closed_at=Coalesce(Subquery(closing_event), F("decided_at"), F("updated_at")))
        .filter(closed_at__lt=closed_before)
    )


def _remove_files(storage_names: list[str]) -> None:
    """Delete the files from the private storage, each on its own: one that fails is
    logged (a bucket's errors are not OSErrors) and the rest still go."""
    for storage_name in storage_names:
        try:
            documents.remove(storage_name)
        except Exception as exc:
            logger.warning(
                "A risk document file could not be removed (%s); its row is gone",
                type(exc).__name__,
            )


def _anonymise(referrals: list[tuple[int, object]], *, now: datetime) -> tuple[int, int]:
    """Anonymise these referrals (ids and public ids); returns (documents, history events)
    deleted. Runs inside the caller's transaction, with the referrals locked."""
    ids = [pk for pk, _ in referrals]

    document_rows = RiskDocument.objects.filter(referral_id__in=ids)
    storage_names = list(document_rows.values_list("storage_name", flat=True))
    documents_deleted, _ = document_rows.delete()
    # Files go once the rows are gone for good; a rollback keeps both.
    transaction.on_commit(lambda: _remove_files(storage_names))

    # The history goes before the updates below, so that what remains of it is the
    # anonymised row that those updates record.
    history_deleted, _ = ReferralHistory.objects.filter(pgh_obj_id__in=ids).delete()
    risk_history_deleted, _ = RiskInformationHistory.objects.filter(referral_id__in=ids).delete()

    Referral.objects.filter(pk__in=ids).update(**REFERRAL_FIELDS_CLEARED, anonymised_at=now)
    RiskInformation.objects.filter(referral_id__in=ids).update(**RISK_FIELDS_CLEARED)
    Session.objects.filter(referral_id__in=ids).exclude(engagement_notes="").update(
        engagement_notes=""
    )
    Concern.objects.filter(referral_id__in=ids).update(what_happened="", actions_taken="")
    EndOfServiceReport.objects.filter(referral_id__in=ids).update(summary="")
    OutcomeResult.objects.filter(report__referral_id__in=ids).exclude(comment="").update(comment="")
    ReferralEvent.objects.filter(referral_id__in=ids).exclude(note="").update(note="")
    Notification.objects.filter(
        link__in=[f"/referrals/{public_id}/" for _, public_id in referrals]
    ).update(title=NOTIFICATION_TITLE_CLEARED, body="")
    return documents_deleted, history_deleted + risk_history_deleted


def _draft_touched_at():
    """When a draft was last changed: the referral, its risk information, a document
    added, or an event on its timeline (a document removed), whichever is latest."""
    latest_document = (
        RiskDocument.objects.filter(referral=OuterRef("pk"))
        .order_by("-uploaded_at")
        .values("uploaded_at")[:1]
    )
    latest_event = (
        ReferralEvent.objects.filter(referral=OuterRef("pk")).order_by("-at").values("at")[:1]
    )
    # Greatest skips nulls on PostgreSQL: a draft without documents is judged on the rest.
    return Greatest(
        F("updated_at"), F("risk__updated_at"), Subquery(latest_document), Subquery(latest_event)
    )


def _drafts() -> QuerySet[Referral]:
    return Referral.objects.filter(status=Status.DRAFT, anonymised_at__isnull=True)


def drafts_due_notice(*, now: datetime) -> QuerySet[Referral]:
    """Drafts untouched for DRAFT_STALE_DAYS whose practitioner has not been told since
    the last change."""
    stale_before = now - timedelta(days=settings.DRAFT_STALE_DAYS)
    return (
        # The referral's own last change is a cheap first cut before the related rows.
        _drafts()
        .filter(updated_at__lt=stale_before)
        .annotate(touched_at=_draft_touched_at())
        .filter(touched_at__lt=stale_before)
        .filter(Q(expiry_notice__isnull=True) | Q(expiry_notice__sent_at__lt=F("touched_at")))
    )


def drafts_due_deletion(*, now: datetime) -> QuerySet[Referral]:
    """Drafts flagged DRAFT_DELETE_AFTER_NOTICE_DAYS ago or more, untouched since."""
    noticed_before = now - timedelta(days=settings.DRAFT_DELETE_AFTER_NOTICE_DAYS)
    return (
        _drafts()
        .filter(expiry_notice__sent_at__lte=noticed_before)
        .annotate(touched_at=_draft_touched_at())
        .filter(touched_at__lt=F("expiry_notice__sent_at"))
    )


def _drafts_flag(drafts: list[Referral], *, now: datetime) -> None:
    """Record the notice and tell each draft's practitioner when it will be deleted."""
    deleted_on = timezone.localtime(
        now + timedelta(days=settings.DRAFT_DELETE_AFTER_NOTICE_DAYS)
    ).date()
    for draft in drafts:
        DraftExpiryNotice.objects.update_or_create(referral=draft, defaults={"sent_at": now})
        notification_send(
            recipients=[draft.practitioner],
            kind=DRAFT_NOTICE_KIND,
            title=f"Draft referral {draft.reference} will be deleted on {deleted_on:%-d %B %Y}",
            body=(
                f"No one has changed this draft for {settings.DRAFT_STALE_DAYS} days. "
                f"Unless it is changed, it will be deleted on {deleted_on:%-d %B %Y}, with "
                "the person's details, risk information and documents in it. To keep it, "
                "change it or send it."
            ),
            link=f"/referrals/{draft.public_id}/",
            # Once per untouched spell: a retried run tells no one twice.
            dedupe_key=f"{DRAFT_NOTICE_KIND}:{draft.public_id}:{int(draft.touched_at.timestamp())}",
        )


def _drafts_delete(drafts: list[tuple[int, object]], *, now: datetime) -> tuple[int, int]:
    """Delete these drafts with their risk information, documents (rows, then files once
    committed) and audit history; returns (documents, history events) deleted. A draft
    the access log points at is anonymised instead. Runs inside the caller's
    transaction, with the drafts locked."""
    logged = set(
        AccessLog.objects.filter(referral_id__in=[pk for pk, _ in drafts]).values_list(
            "referral_id", flat=True
        )
    )
    kept = [draft for draft in drafts if draft[0] in logged]
    documents_deleted, history_deleted = _anonymise(kept, now=now) if kept else (0, 0)
    DraftExpiryNotice.objects.filter(referral_id__in=[pk for pk, _ in kept]).delete()

    gone = [draft for draft in drafts if draft[0] not in logged]
    ids = [pk for pk, _ in gone]
    if not ids:
        return documents_deleted, history_deleted
    document_rows = RiskDocument.objects.filter(referral_id__in=ids)
    storage_names = list(document_rows.values_list("storage_name", flat=True))
    removed, _ = document_rows.delete()
    documents_deleted += removed
    transaction.on_commit(lambda: _remove_files(storage_names))
    history_deleted += ReferralHistory.objects.filter(pgh_obj_id__in=ids).delete()[0]
    history_deleted += RiskInformationHistory.objects.filter(referral_id__in=ids).delete()[0]
    Notification.objects.filter(
        link__in=[f"/referrals/{public_id}/" for _, public_id in gone]
    ).update(title=DRAFT_NOTIFICATION_TITLE_DELETED, body="", link="")
    Referral.objects.filter(pk__in=ids).delete()
    return documents_deleted, history_deleted


def _drafts_expire(
    summary: RetentionSummary,
    *,
    run: RetentionRun,
    now: datetime,
    batch_size: int,
    deadline: float | None,
    say: Callable[[str], None],
) -> None:
    """Flag stale drafts, then delete those flagged long enough ago, batch by batch."""
    for due, step in ((drafts_due_notice, "flag"), (drafts_due_deletion, "delete")):
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                summary.finished = summary.finished and not due(now=now).exists()
                break
            with transaction.atomic():
                locked = (
                    due(now=now).select_for_update(skip_locked=True, of=("self",)).order_by("pk")
                )
                if step == "flag":
                    batch = list(locked.select_related("practitioner")[:batch_size])
                    if not batch:
                        break
                    _drafts_flag(batch, now=now)
                    RetentionRun.objects.filter(pk=run.pk).update(
                        drafts_flagged=F("drafts_flagged") + len(batch)
                    )
                    summary.drafts_flagged += len(batch)
                else:
                    batch = list(locked.values_list("pk", "public_id")[:batch_size])
                    if not batch:
                        break
                    documents_deleted, history_deleted = _drafts_delete(batch, now=now)
                    RetentionRun.objects.filter(pk=run.pk).update(
                        drafts_deleted=F("drafts_deleted") + len(batch),
                        documents_deleted=F("documents_deleted") + documents_deleted,
                        history_events_deleted=F("history_events_deleted") + history_deleted,
                    )
                    summary.drafts_deleted += len(batch)
                    summary.documents_deleted += documents_deleted
                    summary.history_events_deleted += history_deleted
            say(
                f"{summary.drafts_flagged} untouched drafts flagged, "
                f"{summary.drafts_deleted} deleted"
            )


def retention_apply(
    *,
    trigger: str,
    dry_run: bool = False,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    deadline: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> RetentionSummary:
    """Anonymise every closed referral past the retention period, in batches.

    Then flag untouched drafts to their practitioners and delete those flagged long
    enough ago (see the module's docstring). `deadline` is a `time.monotonic()` value
    after which no new batch starts (the summary then says `finished=False`). A dry run
    counts what is due and changes nothing.
    """
    now = now or timezone.now()
    years = settings.REFERRAL_RETENTION_YEARS
    closed_before = retention_cutoff(now=now, years=years)
    summary = RetentionSummary(closed_before=closed_before, retention_years=years, dry_run=dry_run)
    say = progress or (lambda message: None)

    if dry_run:
        due = referrals_due(closed_before=closed_before)
        summary.referrals_due = due.count()
        summary.documents_due = RiskDocument.objects.filter(
            referral_id__in=due.values("pk")
        ).count()
        summary.drafts_due_notice = drafts_due_notice(now=now).count()
        summary.drafts_due_deletion = drafts_due_deletion(now=now).count()
        return summary

    run = RetentionRun.objects.create(
        trigger=trigger, retention_years=years, closed_before=closed_before, started_at=now
    )
    summary.run = run
    with pghistory.context(retention_run=run.pk):
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                summary.finished = not referrals_due(closed_before=closed_before).exists()
                break
            with transaction.atomic():
                batch = list(
                    referrals_due(closed_before=closed_before)
                    .select_for_update(skip_locked=True, of=("self",))
                    .order_by("pk")
                    .values_list("pk", "public_id")[:batch_size]
                )
                if not batch:
                    break
                documents_deleted, history_deleted = _anonymise(batch, now=now)
                RetentionRun.objects.filter(pk=run.pk).update(
                    referrals_anonymised=F("referrals_anonymised") + len(batch),
                    documents_deleted=F("documents_deleted") + documents_deleted,
                    history_events_deleted=F("history_events_deleted") + history_deleted,
                )
            summary.referrals_anonymised += len(batch)
            summary.documents_deleted += documents_deleted
            summary.history_events_deleted += history_deleted
            summary.batches.append(len(batch))
            say(
                f"{summary.referrals_anonymised} referrals anonymised, "
                f"{summary.documents_deleted} risk documents deleted"
            )
        _drafts_expire(summary, run=run, now=now, batch_size=batch_size, deadline=deadline, say=say)
    RetentionRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    run.refresh_from_db()
    logger.info(
        "Retention run %s: %d referrals anonymised, %d untouched drafts flagged and %d "
        "deleted, %d risk documents and %d history events deleted",
        run.pk,
        summary.referrals_anonymised,
        summary.drafts_flagged,
        summary.drafts_deleted,
        summary.documents_deleted,
        summary.history_events_deleted,
    )
    return summary
