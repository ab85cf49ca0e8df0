"""Writes to capacity that people make: acknowledging an alert. The monitoring's own writes
(raising, escalating and resolving alerts) are in `capacity.alerts`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from capacity import rules
from capacity.models import Alert
from partnership.models import User

NOTE_REQUIRED = "Enter what is being done about the alert"
NOTE_MAX_LENGTH = 2000


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, note: str) -> Alert:
    """Someone has seen the alert and is acting on it: `note` says what is being done, and
    the others who see the alert read it there. It stays unresolved (a re-run still
    escalates or resolves it); acknowledging twice changes nothing."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == Alert.Status.ACKNOWLEDGED:
        return alert  # a second acknowledgement changes nothing
    rules.require(by, "acknowledge", alert)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [NOTE_REQUIRED]})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": [f"The note must be {NOTE_MAX_LENGTH:,} characters or fewer"]}
        )
    alert.status = Alert.Status.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = by
    alert.acknowledgement_note = note
    alert.save(
        update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledgement_note"]
    )
    return alert
