"""Webhook and domain-event delivery: ids in, one service call, retries with backoff."""

from celery import shared_task
from django.db import DatabaseError, InterfaceError

from integrations import services


@shared_task(bind=True, acks_late=True, max_retries=None)
def webhook_delivery_send(self, delivery_id: int) -> bool:
    """One attempt at a delivery; a failure is retried after the service's backoff (the
    number of attempts is bounded by `WEBHOOK_MAX_ATTEMPTS` in the service)."""
    try:
        return services.delivery_attempt(delivery_id=delivery_id)
    except services.DeliveryFailed as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc
    except (DatabaseError, InterfaceError) as exc:
        raise self.retry(exc=exc, countdown=min(5 * 2**self.request.retries, 300)) from exc


@shared_task(acks_late=True)
def webhook_deliveries_sweep() -> int:
    """Give new changes their feed positions, and queue every delivery that is due."""
    services.change_positions_assign()
    due = services.deliveries_due()
    for delivery_id in due:
        webhook_delivery_send.delay(delivery_id)
    return len(due)
