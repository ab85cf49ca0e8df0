"""Writes to capacity that people make: acknowledging an alert. The monitoring's own writes
(raising, escalating and resolving alerts) are in `capacity.alerts`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from capacity.models import Alert
from partnership.models import User


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User) -> Alert:
    """Someone has seen the alert and is acting on it. It stays unresolved (a re-run still
    escalates or resolves it); acknowledging twice changes nothing."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == Alert.Status.RESOLVED:
        raise ValidationError(
            {"status": ["This alert is resolved: there is nothing to acknowledge"]}
        )
    if alert.status == Alert.Status.OPEN:
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = by
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return alert
