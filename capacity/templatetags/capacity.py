"""How busy services are this month, for the directory's pages (without providers
importing capacity): the indicator, and alternatives with room; and for the alert pages,
an alert's figures and the count of alerts nobody has acknowledged."""

from __future__ import annotations

from django import template

from capacity import selectors, utilisation
from partnership.models import Role

register = template.Library()

TAG_CLASSES = {
    utilisation.HAS_ROOM: "govuk-tag--green",
    utilisation.BUSY: "govuk-tag--yellow",
    utilisation.OVER: "govuk-tag--red",
}
ALTERNATIVES = 5


def _state(indicator: str) -> dict:
    return {
        "key": indicator,
        "label": utilisation.INDICATOR_LABELS[indicator],
        "tag_class": TAG_CLASSES[indicator],
    }


@register.simple_tag
def capacity_states(services) -> dict:
    """Each listed service's indicator this month, by id, in one query."""
    services = list(services)
    if not services:
        return {}
    return {
        pk: _state(indicator) for pk, indicator in utilisation.capacity_indicators(services).items()
    }


@register.filter
def state_for(states: dict, pk):
    return states.get(pk)


@register.simple_tag
def capacity_state(service) -> dict | None:
    return capacity_states([service]).get(service.pk)


@register.inclusion_tag("capacity/_alternatives.html")
def capacity_alternatives(service, user, state):
    """For a practitioner on an over-capacity service: services of the same kind covering
    their PDU that have room this month."""
    if not state or state["key"] != utilisation.OVER or user.role != Role.PRACTITIONER:
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
        for row in utilisation.utilisation_by_service(services=candidates)
        if row.indicator == utilisation.HAS_ROOM
    ]
    rows.sort(key=lambda row: (row.percent or 0, row.service_name))
    return {"alternatives": rows[:ALTERNATIVES], "pdu": user.pdu}


FIGURE_LABELS = {
    "sent": "Referrals sent this month",
    "accepted": "Accepted this month",
    "active": "Active caseload",
    "caseload": "Active caseload",
    "capacity": "Capacity a month",
    "percent": "Capacity used",
    "forecast": "Forecast referrals by the month's end",
    "forecast_percent": "Forecast share of capacity",
}


@register.filter
def figure_rows(figures) -> list[tuple[str, str]]:
    """An alert's figures as (label, value) rows, in a stable order, percentages marked."""
    rows = []
    for key, value in (figures or {}).items():
        label = FIGURE_LABELS.get(key) or key.replace("_", " ").capitalize()
        shown = f"{value}%" if key.endswith("percent") and value is not None else value
        rows.append((label, "Not known" if shown is None else shown))
    return rows


@register.inclusion_tag("capacity/_alert_count.html", takes_context=True)
def open_alerts(context):
    """The home page's count of alerts not yet acknowledged, for those with an alert centre."""
    return {"count": selectors.alert_open_count(user=context["user"])}
