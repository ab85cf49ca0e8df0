"""How busy services are this month, for the directory's pages (without providers
importing capacity): the indicator, and alternatives with room; and for the alert pages,
an alert's figures and the count of alerts nobody has acknowledged."""

from __future__ import annotations

from datetime import date

from django import template
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from capacity import selectors, utilisation
from capacity.rules import is_offered_alternatives
from partnership.templatetags.figures import number

register = template.Library()

TAG_CLASSES = {
    utilisation.HAS_ROOM: "govuk-tag--green",
    utilisation.BUSY: "govuk-tag--yellow",
    utilisation.OVER: "govuk-tag--red",
}
ALTERNATIVES = 5
ALTERNATIVES_SECONDS = 5 * 60


def _state(row: utilisation.ServiceUtilisation) -> dict:
    """The directory's indicator for a service's month, and what can be said of the month's
    end: nothing while it is too early in the month to forecast."""
    indicator = row.indicator
    if row.too_early_to_forecast:
        forecast = "Too early in the month to forecast"
    elif row.forecast_percent is None:
        forecast = ""
    else:
        forecast = f"On course for {number(round(row.forecast_percent))}% of capacity this month"
    return {
        "key": indicator,
        "label": utilisation.INDICATOR_LABELS[indicator],
        "tag_class": TAG_CLASSES[indicator],
        "forecast": forecast,
    }


@register.simple_tag
def capacity_states(services) -> dict:
    """Each listed service's indicator this month, by id, in one query."""
    services = list(services)
    if not services:
        return {}
    return {
        row.service_id: _state(row) for row in utilisation.utilisation_by_service(services=services)
    }


@register.simple_tag
def capacity_indicator(state: dict | None) -> SafeString | str:
    """How busy the service is this month, as a tag, with its forecast when there is one:
    written here, not by an included template, as the directory shows it on every result."""
    if not state:
        return ""
    tag = format_html(
        '<strong class="govuk-tag {}" data-testid="capacity-indicator">{}</strong>',
        state["tag_class"],
        state["label"],
    )
    if not state["forecast"]:
        return tag
    return format_html(
        '{} <span class="govuk-body-s" data-testid="capacity-forecast">{}</span>',
        tag,
        state["forecast"],
    )


@register.simple_tag
def with_capacity_states(rows) -> list[tuple]:
    """Each listed service's row (a dict with its `id`) paired with its indicator this
    month, in one query: a list reads both in its loop, without a lookup a row."""
    states = capacity_states([row["id"] for row in rows])
    return [(row, states.get(row["id"])) for row in rows]


@register.filter
def state_for(states: dict, pk):
    return states.get(pk)


@register.simple_tag
def capacity_state(service) -> dict | None:
    return capacity_states([service]).get(service.pk)


@register.inclusion_tag("capacity/_alternatives.html")
def capacity_alternatives(service, user, state):
    """For a practitioner on an over-capacity service: services of the same kind covering
    their PDU that have room this month. Which have room is kept for a few minutes for the
    service and PDU: finding them weighs every such service's month (a couple of hundred at
    national scale), and it changes far more slowly than an over-capacity service is viewed.
    What is shown of them is read on every view, through the directory's rule, so a service
    closed or renamed since is never listed as it was."""
    if not state or state["key"] != utilisation.OVER or not is_offered_alternatives(user):
        return {"alternatives": []}
    from providers.models import Service
    from providers.selectors import service_list_visible_to

    key = f"capacity-alternatives:{service.pk}:{user.pdu_id}:{timezone.localdate():%Y-%m}"
    ids = cache.get_or_set(key, lambda: _with_room(service, user.pdu_id), ALTERNATIVES_SECONDS)
    shown = {
        row["service_id"]: row
        for row in service_list_visible_to(user=user)
        .filter(pk__in=ids, status=Service.Status.ACTIVE)
        .values(
            service_id=F("pk"), service_name=F("name"), organisation_name=F("organisation__name")
        )
    }
    return {"alternatives": [shown[pk] for pk in ids if pk in shown], "pdu": user.pdu}


def _with_room(service, pdu_id) -> list[int]:
    """The ids of the services with most room this month of `service`'s kind covering the
    PDU, most room first."""
    from providers.models import Service

    candidates = (
        Service.objects.filter(
            status=Service.Status.ACTIVE,
            categories__in=service.categories.all(),
            pdus=pdu_id,
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
    return [row.service_id for row in rows[:ALTERNATIVES]]


FIGURE_LABELS = {
    "period": "Month",
    "sent": "Referrals sent this month",
    "accepted": "Accepted this month",
    "active": "Active caseload",
    "caseload": "Active caseload",
    "capacity": "Capacity a month",
    "capacity_source": "Where the capacity comes from",
    "percent": "Capacity used",
    "forecast": "Forecast referrals by the month's end",
    "forecast_percent": "Forecast share of capacity",
    "elapsed_percent": "Share of the month gone",
    "funded": "Funded by an agreement",
    "wait_days": "Declared wait to start",
    "previous_period": "Previous month",
    "previous_sent": "Referrals sent in the previous month",
    "previous_capacity": "Capacity in the previous month",
    "previous_percent": "Capacity used in the previous month",
    "milestone": "Next milestone",
    "date": "Date",
    "days_until": "Days until then",
}
CAPACITY_SOURCES = {
    "contracted": "Contracted by a funding agreement",
    "declared": "Declared by the provider (no agreement funds it)",
}
MILESTONES = {"break_clause": "A break clause", "end": "The agreement ends"}
# Shown by other rows, or only there to say how to read them.
HIDDEN_FIGURES = {"too_early_to_forecast", "milestones"}
TOO_EARLY = "Too early in the month to forecast"


def _month_text(code: str) -> str:
    try:
        return f"{date.fromisoformat(f'{code}-01'):%B %Y}"
    except (TypeError, ValueError):
        return str(code)


def figure_text(key: str, value, figures: dict) -> str:
    """One figure as a person reads it: "No" not False, "1,322%" not 1322.4, "November
    2026" not 2026-11, and no forecast while it is too early in the month."""
    if key.startswith("forecast") and (value is None or figures.get("too_early_to_forecast")):
        return TOO_EARLY
    if value is None:
        return "Not known"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key in {"period", "previous_period"}:
        return _month_text(value)
    if key == "capacity_source":
        return CAPACITY_SOURCES.get(value, str(value))
    if key == "milestone":
        return MILESTONES.get(value, str(value))
    if key == "date":
        try:
            day = date.fromisoformat(value)
        except (TypeError, ValueError):
            return str(value)
        return f"{day.day} {day:%B %Y}"
    if key == "wait_days":
        return f"{number(value)} day{'' if value == 1 else 's'}"
    if key == "days_until":
        return f"{number(value)} day{'' if value == 1 else 's'}"
    if key.endswith("percent"):
        return f"{number(round(float(value)))}%"
    if isinstance(value, int | float):
        return number(round(value) if key == "forecast" else value)
    return str(value)


@register.filter
def figure_rows(figures) -> list[tuple[str, str]]:
    """An alert's figures as (label, sentence-ready value) rows, in a stable order."""
    figures = figures or {}
    return [
        (
            FIGURE_LABELS.get(key) or key.replace("_", " ").capitalize(),
            figure_text(key, value, figures),
        )
        for key, value in figures.items()
        if key not in HIDDEN_FIGURES
    ]


@register.inclusion_tag("capacity/_alert_count.html", takes_context=True)
def open_alerts(context):
    """The home page's count of alerts not yet acknowledged, for those with an alert centre."""
    return {"count": selectors.alert_open_count(user=context["user"])}
