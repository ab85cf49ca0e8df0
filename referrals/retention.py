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
from datetime import datetime

import pghistory
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from partnership.models import Notification
from referrals import documents
from referrals.models import (
    CLOSED_STATUSES,
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
}
NOTIFICATION_TITLE_CLEARED = "A referral's details were removed after the retention period"


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
    # False when the run stopped at its deadline with referrals still due.
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
    for storage_name in storage_names:
        try:
            documents.remove(storage_name)
        except OSError as exc:
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

    `deadline` is a `time.monotonic()` value after which no new batch starts (the summary
    then says `finished=False`). A dry run counts what is due and changes nothing.
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
    RetentionRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    run.refresh_from_db()
    logger.info(
        "Retention run %s: %d referrals anonymised, %d risk documents and %d history events deleted",
        run.pk,
        summary.referrals_anonymised,
        summary.documents_deleted,
        summary.history_events_deleted,
    )
    return summary
