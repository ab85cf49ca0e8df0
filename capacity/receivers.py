"""What capacity does when referrals announces a change in demand (`referrals.signals`), and
when a service's or an agreement's capacity changes."""

from __future__ import annotations

import logging

from django.db import transaction

from capacity.tasks import capacity_alerts_for_service
from notifications.models import PendingTask
from notifications.services import pending_task_record, pending_task_send

logger = logging.getLogger(__name__)


def capacity_recompute_on_demand_change(sender, *, service_id: int, period: str, **kwargs) -> None:
    """Have the service's month looked at again once the change commits. The task is
    recorded in the change's own transaction (the outbox), so that a broker outage delays the
    recompute but cannot lose it: `notifications.tasks.pending_tasks_send` sends it later."""
    pending_task = pending_task_record(
        task_name=capacity_alerts_for_service.name, args=[service_id, period]
    )
    transaction.on_commit(lambda: _recompute_send(pending_task))


def _recompute_send(pending_task: PendingTask) -> None:
    """Queue the recompute; a broker outage is logged and never fails the referral."""
    try:
        pending_task_send(pending_task=pending_task)
    except Exception as exc:  # noqa: BLE001 - any broker failure; the referral stands
        logger.warning(
            "Capacity recompute for service %s not queued (%s); it is kept and sent when the broker answers",
            pending_task.args[0],
            type(exc).__name__,
        )


def kept_capacity_drop(sender, **kwargs) -> None:
    """A service or an agreement changed (its capacity, status, PDUs, categories, dates or
    lines): the capacity the monitoring run kept for this month may no longer hold, so it
    is dropped, in the change's own transaction, and counted on each read until the next
    run keeps it again (`utilisation.keep_demand_months`). A run counting while the change
    commits may keep the figure from before it, until the run after."""
    from capacity.models import DemandMonth

    if kwargs.get("raw") or kwargs.get("action", "").startswith("pre_"):
        return  # loading fixtures; or a change to PDUs or categories about to be made
    DemandMonth.objects.filter(in_progress=True).delete()
