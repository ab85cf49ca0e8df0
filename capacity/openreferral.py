"""Capacity in the Open Referral feed: each service's room this month as HSDS 3.1's
`service_capacity`, given to the feed (`providers.openreferral`) when the app is ready."""

from __future__ import annotations

from django.db.models import Max, Q
from django.db.models.functions import Greatest, TruncHour

from capacity.utilisation import utilisation_by_service
from partnership.months import month_bounds, month_start
from providers.models import Service
from providers.openreferral import CAPACITY_UNIT, derived_id, hsds_timestamp
from referrals.models import Referral


def service_capacities(services: list[Service]) -> dict[int, dict]:
    """Each service's capacity this month as an HSDS 3.1 `service_capacity`, by service id:
    referrals it can still take (`available`) of the month's `maximum` (contracted by an
    agreement funding it, else declared), `updated` when those last changed (to the hour,
    so that no one referral's time is published)."""
    if not services:
        return {}
    ids = [service.pk for service in services]
    start = month_start()
    month_began, _ = month_bounds(start)
    latest = dict(
        Referral.objects.filter(service_id__in=ids)
        .filter(Q(sent_at__gte=month_began) | Q(decided_at__gte=month_began))
        .order_by()
        .values("service_id")
        .annotate(latest=TruncHour(Greatest(Max("sent_at"), Max("decided_at"))))
        .values_list("service_id", "latest")
    )
    rows = {row.service_id: row for row in utilisation_by_service(services=ids, ordered=False)}
    documents = {}
    for service in services:
        row = rows.get(service.pk)
        if row is None:
            continue
        updated = max(
            moment for moment in (service.updated_at, month_began, latest.get(service.pk)) if moment
        )
        wait = (
            f" Expect to wait about {service.current_wait_days} days to start."
            if service.current_wait_days
            else " No wait to start."
        )
        documents[service.pk] = {
            "id": derived_id("service_capacity", service.pk),
            "service_id": str(service.public_id),
            "unit": CAPACITY_UNIT,
            "available": max(row.capacity - row.sent, 0),
            "maximum": row.capacity,
            "description": f"Referrals it can take in {start:%B %Y}, of the "
            f"{row.capacity} a month it is {'contracted' if row.funded else 'able'} to take.{wait}",
            "updated": hsds_timestamp(updated),
        }
    return documents
