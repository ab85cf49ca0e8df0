"""Reminders when a referral misses a timeliness target, escalating to the provider admin
and then the commissioner; each sent once per referral, stage and level."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from notifications.selectors import commissioners_for_regions, staff_of_organisation
from notifications.services import notification_send
from partnership.models import User
from partnership.working_days import add_working_days
from referrals.models import Referral, Reminder, Session, Status

logger = logging.getLogger(__name__)

LEVELS = [Reminder.Level.PROVIDER, Reminder.Level.PROVIDER_ADMIN, Reminder.Level.COMMISSIONER]


TARGETS = {
    Reminder.Stage.DECISION: lambda: settings.REFERRAL_DECISION_WORKING_DAYS,
    Reminder.Stage.FIRST_CONTACT: lambda: settings.REFERRAL_FIRST_CONTACT_WORKING_DAYS,
    Reminder.Stage.REPORT: lambda: settings.REFERRAL_REPORT_WORKING_DAYS,
}


def decision_due_on(referral: Referral) -> date | None:
    """The day the provider's decision on a sent referral is due: the decision target in
    working days from sending. None for a referral not yet sent."""
    if referral.sent_at is None:
        return None
    started = timezone.localtime(referral.sent_at).date()
    return add_working_days(started, TARGETS[Reminder.Stage.DECISION]())


def _candidates():
    """Referrals that may be late, with the day their clock started, found in the database:
    awaiting a decision (since sending), accepted with no contact (since sending), or in
    progress with no session since the last one (the report is due after the last session)."""
    related = ("service__organisation", "pdu__region", "assigned_to")
    no_session = ~Exists(Session.objects.filter(referral=OuterRef("pk")))
    awaiting = Referral.objects.filter(status=Status.SENT, sent_at__isnull=False)
    for referral in awaiting.select_related(*related):
        yield referral, Reminder.Stage.DECISION, timezone.localtime(referral.sent_at).date()
    accepted = Referral.objects.filter(status=Status.ACCEPTED, sent_at__isnull=False).filter(
        no_session
    )
    for referral in accepted.select_related(*related):
        yield referral, Reminder.Stage.FIRST_CONTACT, timezone.localtime(referral.sent_at).date()
    in_progress = Referral.objects.filter(status=Status.IN_PROGRESS).annotate(
        last_session=Max("sessions__held_on")
    )
    for referral in in_progress.select_related(*related):
        yield referral, Reminder.Stage.REPORT, referral.last_session


def _recipients(referral: Referral, level: str) -> list[User]:
    organisation_id = referral.service.organisation_id
    if level == Reminder.Level.PROVIDER:
        if referral.assigned_to_id:
            return [referral.assigned_to]
        return list(staff_of_organisation(organisation_id))
    if level == Reminder.Level.PROVIDER_ADMIN:
        return list(staff_of_organisation(organisation_id, admins_only=True))
    return list(commissioners_for_regions([referral.pdu.region_id]))


def reminders_send(*, today: date | None = None) -> int:
    """Send every reminder now due that has not been sent; safe to run twice or at once."""
    today = today or timezone.localdate()
    sent = 0
    for referral, stage, started in _candidates():
        due = add_working_days(started, TARGETS[stage]())
        for level, extra_days in zip(
            LEVELS, settings.REMINDER_ESCALATION_WORKING_DAYS, strict=False
        ):
            if today <= add_working_days(due, extra_days):
                break
            try:
                with transaction.atomic():
                    # The unique constraint is what makes this once-only, even across workers.
                    Reminder.objects.create(referral=referral, stage=stage, level=level, due_on=due)
                    notification_send(
                        recipients=_recipients(referral, level),
                        kind=f"reminder_{stage}",
                        title=f"Referral {referral.reference}: {Reminder.Stage(stage).label.lower()} overdue",
                        body=f"It was due by {due:%d %B %Y}.",
                        link=f"/referrals/{referral.public_id}/",
                        dedupe_key=f"reminder-{referral.pk}-{stage}-{level}",
                    )
            except IntegrityError:
                continue
            sent += 1
    logger.info("Sent %s referral reminders", sent)
    return sent
