"""How busy services are this month, for the directory's pages (without providers
importing commissioning): the indicator, and alternatives with room."""

from __future__ import annotations

from django import template

from commissioning import capacity
from partnership.models import Role

register = template.Library()

TAG_CLASSES = {
    capacity.HAS_ROOM: "govuk-tag--green",
    capacity.BUSY: "govuk-tag--yellow",
    capacity.OVER: "govuk-tag--red",
}
ALTERNATIVES = 5


def _state(indicator: str) -> dict:
    return {
        "key": indicator,
        "label": capacity.INDICATOR_LABELS[indicator],
        "tag_class": TAG_CLASSES[indicator],
    }


@register.simple_tag
def capacity_states(services) -> dict:
    """Each listed service's indicator this month, by id, in one query."""
    services = list(services)
    if not services:
        return {}
    return {
        pk: _state(indicator) for pk, indicator in capacity.capacity_indicators(services).items()
    }


@register.filter
def state_for(states: dict, pk):
    return states.get(pk)


@register.simple_tag
def capacity_state(service) -> dict | None:
    return capacity_states([service]).get(service.pk)


@register.inclusion_tag("commissioning/_alternatives.html")
def capacity_alternatives(service, user, state):
    """For a practitioner on an over-capacity service: services of the same kind covering
    their PDU that have room this month."""
    if not state or state["key"] != capacity.OVER or user.role != Role.PRACTITIONER:
        return {"alternatives": []}
    from providers.models import Service

    candidates = (
        Service.objects.filter(
            status=Service.Status.ACTIVE,
            categories__in=service.categories.all(),
            pdus=user.pdu_id,
        )
        .exclude(pk=service.pk)
        .distinct()
    )
    rows = [
        row
        for row in capacity.utilisation_by_service(services=candidates)
        if row.indicator == capacity.HAS_ROOM
    ]
    rows.sort(key=lambda row: (row.percent or 0, row.service_name))
    return {"alternatives": rows[:ALTERNATIVES], "pdu": user.pdu}
