"""The alert centre: commissioners see their regions' alerts, providers' admins their
organisation's; either can acknowledge one to say it is being dealt with."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from capacity import selectors, services
from capacity.forms import AcknowledgeForm
from capacity.models import Alert
from capacity.rules import alert_actions_for, has_alert_centre
from partnership import lists
from partnership.errors import StateConflict
from partnership.forms import apply_validation_error
from partnership.links import ANY_PUBLIC_ID, address_maker

RECENT_DAYS = 30
SHOW = {
    "current": "Needing attention",
    "open": "Not yet acknowledged",
    "resolved": f"Resolved in the last {RECENT_DAYS} days",
}


RULES = dict(Alert.Rule.choices)
SEVERITIES = dict(Alert.Severity.choices)
STATUSES = dict(Alert.Status.choices)


def alert_tag(alert: Alert) -> SafeString:
    """The tag an alert wears on the list and its page: grey "Resolved" once resolved, else
    its severity, in red or orange."""
    if alert.status == Alert.Status.RESOLVED:
        colour, text = "grey", "Resolved"
    else:
        colour = "red" if alert.severity == Alert.Severity.RED else "orange"
        text = SEVERITIES.get(alert.severity, alert.severity)
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, text)


def _alert_rows(alerts) -> list[dict]:
    """The list's rows, each cell's text made here rather than by a `{% url %}`, an
    include and display lookups in the template a row."""
    address = address_maker("capacity:alert", stand_in=ANY_PUBLIC_ID)
    return [
        {
            "path": address(alert.public_id),
            "title": f"{RULES.get(alert.rule, alert.rule)}: {alert.subject_name}",
            "organisation_name": alert.organisation.name,
            "period": alert.period,
            "tag": alert_tag(alert),
            "status": STATUSES.get(alert.status, alert.status),
        }
        for alert in alerts
    ]


def _alerts(request: HttpRequest):
    if not has_alert_centre(request.user):
        raise Http404("The alert centre is for commissioners and providers' admins")
    return selectors.alert_list_visible_to(user=request.user)


def filtered(alerts, params) -> tuple:
    """The alerts the filters ask for, and the filters as understood (unknown values are
    ignored rather than failing the page)."""
    show = params.get("show") if params.get("show") in SHOW else "current"
    if show == "current":
        alerts = alerts.exclude(status=Alert.Status.RESOLVED)
    elif show == "open":
        alerts = alerts.filter(status=Alert.Status.OPEN)
    else:
        alerts = alerts.filter(
            status=Alert.Status.RESOLVED,
            resolved_at__gte=timezone.now() - timedelta(days=RECENT_DAYS),
        )
    rule = params.get("rule") if params.get("rule") in Alert.Rule.values else ""
    severity = params.get("severity") if params.get("severity") in Alert.Severity.values else ""
    if rule:
        alerts = alerts.filter(rule=rule)
    if severity:
        alerts = alerts.filter(severity=severity)
    return alerts, {"show": show, "rule": rule, "severity": severity}


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    alerts, chosen = filtered(_alerts(request), request.GET)
    # Counted to a limit: a region's current alerts can run to thousands.
    count = lists.capped_count(alerts)
    page = lists.capped_page(
        alerts.order_by("-severity", "-opened_at", "-id"),
        count=count,
        per_page=50,
        number=request.GET.get("page"),
    )
    query = "&".join(f"{key}={value}" for key, value in chosen.items() if value)
    return render(
        request,
        "capacity/alerts.html",
        {
            "page": page,
            "alerts": _alert_rows(page.object_list),
            "count": count,
            "beyond_limit": count > lists.COUNT_LIMIT,
            "chosen": chosen,
            "query": query,
            "show_choices": SHOW.items(),
            "rule_choices": Alert.Rule.choices,
            "severity_choices": Alert.Severity.choices,
        },
    )


def _alert_page(request: HttpRequest, alert: Alert, form: AcknowledgeForm, status: int = 200):
    return render(
        request,
        "capacity/alert.html",
        {
            "alert": alert,
            "tag": alert_tag(alert),
            "actions": alert_actions_for(request.user, alert),
            "form": form,
        },
        status=status,
    )


@login_required
def alert_detail(request: HttpRequest, public_id) -> HttpResponse:
    alert = get_object_or_404(_alerts(request), public_id=public_id)
    return _alert_page(request, alert, AcknowledgeForm())


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, public_id) -> HttpResponse:
    """Acknowledging takes a note of what is being done; without one the page comes back
    with an error summary and the alert is unchanged."""
    alert = get_object_or_404(_alerts(request), public_id=public_id)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _alert_page(request, alert, form, status=400)
    try:
        services.alert_acknowledge(alert=alert, by=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return _alert_page(request, alert, form, status=400)
    except StateConflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The alert is acknowledged")
    return redirect("capacity:alert", public_id=alert.public_id)
