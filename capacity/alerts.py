"""Capacity and agreement alerts: the rules, each alert's life and who hears of it.

The rules are pure functions of a month's figures (`service_findings`) or of an
agreement's dates (`agreement_findings`). Evaluating a subject (`service_alerts_update`,
`agreement_alerts_update`) reconciles what fires with the subject's unresolved alerts:
raise a new one, escalate amber to red, refresh its figures, or resolve it. Each subject is
evaluated under a transaction-scoped advisory lock, and a partial unique constraint allows
one unresolved alert per subject, rule and month, so concurrent or repeated runs never
duplicate an alert; notifications carry a dedupe key per alert and severity, so nobody
hears of the same alert at the same severity twice.

Who sees alerts and acknowledging them are in `capacity.selectors` and
`capacity.services`; who hears of them is `alert_recipients` here.

Thresholds are settings: CAPACITY_AMBER_PERCENT, CAPACITY_RED_PERCENT,
CAPACITY_HEADING_OVER_AFTER_FRACTION, CAPACITY_UNDER_USED_PERCENT,
CAPACITY_UNDER_USED_AFTER_FRACTION, CAPACITY_LONG_WAIT_DAYS,
AGREEMENT_BREAK_CLAUSE_WARNING_DAYS and AGREEMENT_END_WARNING_MONTHS.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from capacity.models import Alert
from capacity.utilisation import (
    ServiceUtilisation,
    keep_demand_months,
    utilisation_by_service,
    utilisation_for_service,
)
from commissioning.models import Agreement
from notifications.selectors import (
    commissioners_for_regions,
    staff_of_organisation,
    staff_of_organisations,
)
from notifications.services import Message, notification_send, notification_send_many
from partnership.models import Pdu, Region, User
from partnership.months import LONDON, add_months, month_elapsed, month_start
from providers.models import Organisation, Service

Rule = Alert.Rule
Severity = Alert.Severity

SERVICE_RULES = (
    Rule.OVER_CAPACITY,
    Rule.HEADING_OVER,
    Rule.UNDER_USED,
    Rule.LONG_WAIT,
    Rule.UNFUNDED_DEMAND,
)
# Rules that go to the organisation's provider admins as well as to commissioners (DESIGN).
PROVIDER_RULES = frozenset({Rule.OVER_CAPACITY, Rule.HEADING_OVER, Rule.UNDER_USED})
SEVERITY_RANK = {Severity.AMBER: 1, Severity.RED: 2}
WATCHED_AGREEMENT_STATUSES = (Agreement.Status.MOBILISING, Agreement.Status.LIVE)
NOTIFICATION_KIND = "capacity_alert"

# Advisory lock keys, pg_advisory_*lock(int4, int4): the monitor run, then each subject
# (and utilisation.DEMAND_KEEP_LOCK, 0x0CAD, for keeping the demand months).
MONITOR_LOCK = (0x0CA9, 0)
# Held shared by each subject's evaluation and exclusively by the run's set-based pass over
# every service, so the two never reconcile the same alerts at once.
RECONCILE_LOCK = (0x0CAC, 0)
SERVICE_LOCK_CLASS = 0x0CAA
AGREEMENT_LOCK_CLASS = 0x0CAB

RAISED, ESCALATED, UPDATED, UNCHANGED, RESOLVED = (
    "raised",
    "escalated",
    "updated",
    "unchanged",
    "resolved",
)


@dataclass(frozen=True)
class Finding:
    """A rule firing for a subject and month: what the alert should say and show."""

    rule: str
    severity: str
    period: date
    headline: str  # "Housing support is over capacity": the notification's title
    message: str
    figures: dict


@dataclass(frozen=True)
class AlertChange:
    """What one evaluation did to one alert."""

    alert: Alert
    change: str  # raised, escalated, updated, unchanged or resolved


@dataclass
class MonitorSummary:
    """Totals of a monitoring run, for the command's progress and the task's log."""

    period: date
    services_computed: int = 0
    services_checked: int = 0
    agreements_checked: int = 0
    demand_cells_kept: int = 0
    changes: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys([RAISED, ESCALATED, RESOLVED, UPDATED, UNCHANGED], 0)
    )

    def record(self, changes: Iterable[AlertChange]) -> None:
        for change in changes:
            self.changes[change.change] += 1

    def __str__(self) -> str:
        return (
            f"raised {self.changes[RAISED]}, escalated {self.changes[ESCALATED]}, "
            f"resolved {self.changes[RESOLVED]}"
        )


@dataclass(frozen=True)
class MonitorPlan:
    """Every service's month, computed in one pass, and the subjects worth a closer look."""

    period: date
    utilisation: list[ServiceUtilisation]
    service_ids: list[int]
    agreement_ids: list[int]

    @property
    def period_code(self) -> str:
        return f"{self.period:%Y-%m}"


# Rules ------------------------------------------------------------------------------------


def _month_name(period: date) -> str:
    return f"{period:%B %Y}"


def _day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _percent_text(percent: float | None) -> str:
    return "no capacity" if percent is None else f"{percent:.0f}%"


def _over_capacity(u: ServiceUtilisation) -> Finding | None:
    """Sent at or over capacity: amber from CAPACITY_AMBER_PERCENT, red from
    CAPACITY_RED_PERCENT. Any demand on a service with no capacity is red."""
    if not u.sent or (u.capacity and u.percent < settings.CAPACITY_AMBER_PERCENT):
        return None
    red = not u.capacity or u.percent >= settings.CAPACITY_RED_PERCENT
    return Finding(
        rule=Rule.OVER_CAPACITY,
        severity=Severity.RED if red else Severity.AMBER,
        period=u.period,
        headline=f"{u.service_name} is over capacity",
        message=(
            f"{u.service_name} has been sent {u.sent} referrals in {_month_name(u.period)} "
            f"against a capacity of {u.capacity} a month ({_percent_text(u.percent)})."
        ),
        figures=u.figures(),
    )


def _heading_over(u: ServiceUtilisation) -> Finding | None:
    """Not over yet, but the pace says it will be by the month's end. Too early in the
    month the pace is noise, so only after CAPACITY_HEADING_OVER_AFTER_FRACTION of it."""
    if (
        u.service_status != Service.Status.ACTIVE
        or not u.capacity
        or u.percent >= settings.CAPACITY_AMBER_PERCENT
        or u.elapsed < settings.CAPACITY_HEADING_OVER_AFTER_FRACTION
        or u.forecast_percent is None  # too early in the month to forecast
        or u.forecast_percent < settings.CAPACITY_AMBER_PERCENT
    ):
        return None
    return Finding(
        rule=Rule.HEADING_OVER,
        severity=Severity.AMBER,
        period=u.period,
        headline=f"{u.service_name} is heading over capacity",
        message=(
            f"At the pace so far {u.service_name} will be sent about {u.forecast:.0f} referrals "
            f"in {_month_name(u.period)} against a capacity of {u.capacity} "
            f"({_percent_text(u.forecast_percent)}); {u.sent} so far."
        ),
        figures=u.figures(),
    )


def judging_previous_month(elapsed: float) -> bool:
    """Before CAPACITY_UNDER_USED_AFTER_FRACTION of a month has passed its own pace is too
    thin to judge under-use, so the previous complete month is judged instead (else the
    first ten days of every month would be blind)."""
    return elapsed < settings.CAPACITY_UNDER_USED_AFTER_FRACTION


def _under_used(u: ServiceUtilisation) -> Finding | None:
    """Forecast under CAPACITY_UNDER_USED_PERCENT once CAPACITY_UNDER_USED_AFTER_FRACTION of
    the month has passed: practitioners could be steered to it. Earlier in the month, the
    previous complete month is judged: sent under CAPACITY_UNDER_USED_PERCENT of its capacity."""
    if u.service_status != Service.Status.ACTIVE or not u.capacity:
        return None
    if judging_previous_month(u.elapsed):
        previous = u.previous_percent
        if previous is None or previous >= settings.CAPACITY_UNDER_USED_PERCENT:
            return None
        last_month = add_months(u.period, -1)
        return Finding(
            rule=Rule.UNDER_USED,
            severity=Severity.AMBER,
            period=u.period,
            headline=f"{u.service_name} is under-used",
            message=(
                f"{u.service_name} was sent {u.previous_sent} referrals in "
                f"{_month_name(last_month)} against a capacity of {u.previous_capacity} "
                f"({_percent_text(previous)}). It is too early in {_month_name(u.period)} to "
                f"judge this month; {u.sent} so far."
            ),
            figures={
                **u.figures(),
                "previous_period": f"{last_month:%Y-%m}",
                "previous_sent": u.previous_sent,
                "previous_capacity": u.previous_capacity,
                "previous_percent": previous,
            },
        )
    if u.forecast_percent is None or u.forecast_percent >= settings.CAPACITY_UNDER_USED_PERCENT:
        return None
    return Finding(
        rule=Rule.UNDER_USED,
        severity=Severity.AMBER,
        period=u.period,
        headline=f"{u.service_name} is under-used",
        message=(
            f"{u.service_name} has been sent {u.sent} referrals so far in "
            f"{_month_name(u.period)} and is on course for about {u.forecast:.0f} against a "
            f"capacity of {u.capacity} ({_percent_text(u.forecast_percent)})."
        ),
        figures=u.figures(),
    )


def _long_wait(u: ServiceUtilisation) -> Finding | None:
    """The service declares a wait longer than CAPACITY_LONG_WAIT_DAYS."""
    if u.service_status != Service.Status.ACTIVE or u.wait_days <= settings.CAPACITY_LONG_WAIT_DAYS:
        return None
    return Finding(
        rule=Rule.LONG_WAIT,
        severity=Severity.AMBER,
        period=u.period,
        headline=f"{u.service_name} has a long wait",
        message=(
            f"{u.service_name} says people wait {u.wait_days} days to start, longer than "
            f"{settings.CAPACITY_LONG_WAIT_DAYS} days."
        ),
        figures=u.figures(),
    )


def _unfunded_demand(u: ServiceUtilisation) -> Finding | None:
    """Referrals this month to a service that no funding agreement covers."""
    if u.funded or not u.sent:
        return None
    return Finding(
        rule=Rule.UNFUNDED_DEMAND,
        severity=Severity.AMBER,
        period=u.period,
        headline=f"{u.service_name} has unfunded demand",
        message=(
            f"{u.service_name} has been sent {u.sent} referrals in {_month_name(u.period)} "
            f"but no live agreement funds it."
        ),
        figures=u.figures(),
    )


_SERVICE_RULE_CHECKS = (_over_capacity, _heading_over, _under_used, _long_wait, _unfunded_demand)


def service_findings(utilisation: ServiceUtilisation) -> list[Finding]:
    """The capacity rules that fire for a service's month. Pure: no queries."""
    return [finding for check in _SERVICE_RULE_CHECKS if (finding := check(utilisation))]


def agreement_milestones(
    *, break_clause_dates: Iterable[date], ends_on: date, today: date
) -> list[tuple[str, date]]:
    """The milestones now in view: break clauses within AGREEMENT_BREAK_CLAUSE_WARNING_DAYS
    and the end within AGREEMENT_END_WARNING_MONTHS, as ("break_clause" | "end", date)."""
    break_horizon = today + timedelta(days=settings.AGREEMENT_BREAK_CLAUSE_WARNING_DAYS)
    end_horizon = add_months(today, settings.AGREEMENT_END_WARNING_MONTHS)
    milestones = [
        ("break_clause", day) for day in break_clause_dates if today <= day <= break_horizon
    ]
    if today <= ends_on <= end_horizon:
        milestones.append(("end", ends_on))
    return sorted(milestones, key=lambda milestone: milestone[1])


def agreement_findings(*, agreement: Agreement, today: date) -> list[Finding]:
    """One milestone finding per month that has a milestone in view; the month is the
    milestone's, so each milestone raises one alert however often the rule runs."""
    if agreement.status not in WATCHED_AGREEMENT_STATUSES:
        return []
    by_month: dict[date, list[tuple[str, date]]] = {}
    for kind, day in agreement_milestones(
        break_clause_dates=agreement.break_clause_dates, ends_on=agreement.ends_on, today=today
    ):
        by_month.setdefault(day.replace(day=1), []).append((kind, day))
    return [_milestone_finding(agreement, month, items, today) for month, items in by_month.items()]


def _milestone_finding(
    agreement: Agreement, month: date, milestones: list[tuple[str, date]], today: date
) -> Finding:
    labels = {"break_clause": "a break clause", "end": "its end"}
    described = " and ".join(f"{labels[kind]} on {_day_text(day)}" for kind, day in milestones)
    first_kind, first_day = milestones[0]
    return Finding(
        rule=Rule.AGREEMENT_MILESTONE,
        severity=Severity.AMBER,
        period=month,
        headline=(
            f"A break clause is coming up: {agreement}"
            if first_kind == "break_clause"
            else f"An agreement ends on {_day_text(first_day)}: {agreement}"
        ),
        message=f"{agreement} reaches {described}.",
        figures={
            "milestones": [
                {"kind": kind, "date": day.isoformat(), "days_until": (day - today).days}
                for kind, day in milestones
            ],
            "milestone": first_kind,
            "date": first_day.isoformat(),
            "days_until": (first_day - today).days,
        },
    )


# Locks ------------------------------------------------------------------------------------


@contextlib.contextmanager
def monitor_lock() -> Iterator[bool]:
    """Hold the monitoring run's lock for the `with` block; yields False at once if another
    run holds it. A session lock, so a worker that dies releases it with its connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", MONITOR_LOCK)
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", MONITOR_LOCK)


def subject_lock_key(*, service_id: int | None = None, agreement_id: int | None = None):
    """The advisory lock key a subject's evaluation holds (tests hold it to pause one)."""
    if service_id is not None:
        return SERVICE_LOCK_CLASS, service_id & 0x7FFFFFFF
    return AGREEMENT_LOCK_CLASS, agreement_id & 0x7FFFFFFF


def _lock_subject(**subject: int) -> None:
    """Serialise evaluations of one subject until the transaction ends (and wait for the
    run's pass over every service, if one is reconciling)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", RECONCILE_LOCK)
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", subject_lock_key(**subject))


# Reconciling findings with alerts ---------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    """What an alert copies from its subject: the subject itself, the organisation and the
    regions (the last found only when an alert is raised)."""

    lookup: dict[str, int]
    organisation_id: int
    region_ids: Callable[[], list[int]]


def _service_region_ids(service_id: int, organisation_id: int) -> list[int]:
    """The regions of the service's PDUs, or the organisation's head office region."""
    regions = list(
        Pdu.objects.filter(services=service_id).values_list("region_id", flat=True).distinct()
    )
    if regions:
        return regions
    head_office = (
        Organisation.objects.filter(pk=organisation_id)
        .values_list("head_office_region_id", flat=True)
        .first()
    )
    return [head_office] if head_office else []


def _agreement_region_ids(agreement: Agreement) -> list[int]:
    """The regions of the agreement's lot (its PDUs) and of its round."""
    lot = agreement.lot
    return list(
        Region.objects.filter(Q(pdus__lots=lot) | Q(funding_rounds=lot.funding_round_id))
        .values_list("pk", flat=True)
        .distinct()
    )


def _reconcile(
    *, subject: _Subject, finding: Finding | None, alert: Alert | None
) -> AlertChange | None:
    if finding is None:
        return None if alert is None else _resolve(alert)
    if alert is None:
        alert, created = _open(subject, finding)
        if created:
            _notify(alert, finding)
            return AlertChange(alert, RAISED)
    if SEVERITY_RANK[finding.severity] > SEVERITY_RANK[alert.severity]:
        return _escalate(alert, finding)
    return _refresh(alert, finding)


def _open(subject: _Subject, finding: Finding) -> tuple[Alert, bool]:
    """The unresolved alert for the subject, rule and month, created if there is none. The
    partial unique constraint makes a concurrent create fail and fetch the winner's."""
    now = timezone.now()
    alert, created = (
        Alert.objects.select_for_update()
        .exclude(status=Alert.Status.RESOLVED)
        .get_or_create(
            **subject.lookup,
            rule=finding.rule,
            period=finding.period,
            defaults={
                "severity": finding.severity,
                "organisation_id": subject.organisation_id,
                "figures": finding.figures,
                "message": finding.message,
                "opened_at": now,
                "evaluated_at": now,
            },
        )
    )
    if created:
        alert.regions.set(subject.region_ids())
    return alert, created


def _escalate(alert: Alert, finding: Finding) -> AlertChange:
    """Raise the severity, reopen it if it was acknowledged, and tell people again."""
    now = timezone.now()
    alert.severity = finding.severity
    alert.status = Alert.Status.OPEN
    alert.escalated_at = now
    alert.evaluated_at = now
    alert.figures = finding.figures
    alert.message = finding.message
    alert.save(
        update_fields=["severity", "status", "escalated_at", "evaluated_at", "figures", "message"]
    )
    _notify(alert, finding)
    return AlertChange(alert, ESCALATED)


def _refresh(alert: Alert, finding: Finding) -> AlertChange:
    """Keep the figures current. A severity never drops while the alert is unresolved: the
    alert records the worst the month reached, and a fall below the rule resolves it."""
    if alert.figures == finding.figures and alert.message == finding.message:
        return AlertChange(alert, UNCHANGED)
    alert.figures = finding.figures
    alert.message = finding.message
    alert.evaluated_at = timezone.now()
    alert.save(update_fields=["figures", "message", "evaluated_at"])
    return AlertChange(alert, UPDATED)


def _resolve(alert: Alert) -> AlertChange:
    now = timezone.now()
    alert.status = Alert.Status.RESOLVED
    alert.resolved_at = now
    alert.evaluated_at = now
    alert.save(update_fields=["status", "resolved_at", "evaluated_at"])
    return AlertChange(alert, RESOLVED)


def alert_recipients(alert: Alert) -> QuerySet[User]:
    """Who hears of an alert: commissioners whose body covers one of its regions, and for
    the provider rules the organisation's provider admins."""
    hears = commissioners_for_regions(alert.regions.values("pk"))
    if alert.rule in PROVIDER_RULES:
        hears |= staff_of_organisation(alert.organisation_id, admins_only=True)
    return hears.order_by("pk")


def _notify(alert: Alert, finding: Finding) -> None:
    """Tell the recipients in the portal and by email, once per alert and severity."""
    notification_send(
        recipients=alert_recipients(alert),
        kind=NOTIFICATION_KIND,
        title=f"{alert.get_severity_display()} alert: {finding.headline}"[:200],
        body=finding.message,
        link=alert.portal_path,
        dedupe_key=f"alert-{alert.pk}-{alert.severity}",
    )


# Every service at once ---------------------------------------------------------------------


def _regions_of_services(services: dict[int, int]) -> dict[int, list[int]]:
    """`_service_region_ids` for many services (id to organisation id) in two queries."""
    regions: dict[int, set[int]] = {}
    for service_id, region_id in Pdu.objects.filter(services__in=list(services)).values_list(
        "services", "region_id"
    ):
        regions.setdefault(service_id, set()).add(region_id)
    homeless = {services[sid] for sid in services if sid not in regions}
    head_offices = dict(
        Organisation.objects.filter(pk__in=homeless, head_office_region__isnull=False).values_list(
            "pk", "head_office_region_id"
        )
    )
    return {
        sid: sorted(regions.get(sid) or ([head_offices[org]] if org in head_offices else []))
        for sid, org in services.items()
    }


def _recipients_of(alerts: list[Alert], regions: dict[int, list[int]]) -> dict[int, tuple]:
    """`alert_recipients` for many alerts (their regions given by alert id) in two queries."""
    by_region: dict[int, set[int]] = {}
    for user_id, region_id in commissioners_for_regions(
        {region for ids in regions.values() for region in ids}
    ).values_list("pk", "commissioning_body__regions"):
        by_region.setdefault(region_id, set()).add(user_id)
    admins: dict[int, set[int]] = {}
    providers = {alert.organisation_id for alert in alerts if alert.rule in PROVIDER_RULES}
    for user_id, organisation_id in staff_of_organisations(providers, admins_only=True).values_list(
        "pk", "organisation_id"
    ):
        admins.setdefault(organisation_id, set()).add(user_id)
    result = {}
    for alert in alerts:
        hears = set().union(*(by_region.get(region, ()) for region in regions[alert.pk]))
        if alert.rule in PROVIDER_RULES:
            hears |= admins.get(alert.organisation_id, set())
        result[alert.pk] = tuple(sorted(hears))
    return result


_ALERTS_SAVE_SQL = """
UPDATE {table} a
SET severity = v.severity, status = v.status, escalated_at = v.escalated_at,
    evaluated_at = v.evaluated_at, figures = v.figures::jsonb, message = v.message
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[],
            %s::text[], %s::text[])
     AS v(id, severity, status, escalated_at, evaluated_at, figures, message)
WHERE a.id = v.id
"""


def _alerts_save(alerts: list[Alert]) -> None:
    """Write many alerts' severity, status, times, figures and message in one statement
    (Django's `bulk_update` writes a CASE per field and row: seconds for a few thousand)."""
    if not alerts:
        return
    columns = zip(
        *(
            (
                alert.pk,
                alert.severity,
                alert.status,
                alert.escalated_at,
                alert.evaluated_at,
                json.dumps(alert.figures),
                alert.message,
            )
            for alert in alerts
        ),
        strict=True,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _ALERTS_SAVE_SQL.format(table=Alert._meta.db_table), [list(c) for c in columns]
        )


def services_alerts_reconcile(
    utilisation: list[ServiceUtilisation], *, period: date
) -> list[AlertChange]:
    """`service_alerts_update` for every service in `utilisation` (their figures for the
    month `period`, as the run's pass computed them) in a fixed number of statements: the
    rules in Python, then the unresolved alerts read once and raised, escalated, refreshed
    and resolved in bulk, their regions and recipients found for all at once and the
    notifications written together. Services missing from `utilisation` are left alone.
    Holds the reconciling lock exclusively, so no subject's own evaluation runs meanwhile."""
    rows = {row.service_id: row for row in utilisation}
    findings = {
        (row.service_id, finding.rule): finding
        for row in utilisation
        for finding in service_findings(row)
    }
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", RECONCILE_LOCK)
        current = {
            (alert.service_id, alert.rule): alert
            for alert in Alert.objects.select_for_update()
            .filter(service__isnull=False, period=period)
            .exclude(status=Alert.Status.RESOLVED)
            if alert.service_id in rows
        }
        changes: list[AlertChange] = []
        raised: list[tuple[Alert, Finding]] = []
        escalated: list[tuple[Alert, Finding]] = []
        updated: list[Alert] = []
        resolved: list[Alert] = []
        for key in sorted(findings.keys() | current.keys()):
            finding, alert = findings.get(key), current.get(key)
            if finding is None:
                resolved.append(alert)
            elif alert is None:
                service_id = key[0]
                alert = Alert(
                    service_id=service_id,
                    rule=finding.rule,
                    period=period,
                    severity=finding.severity,
                    organisation_id=rows[service_id].organisation_id,
                    figures=finding.figures,
                    message=finding.message,
                    opened_at=now,
                    evaluated_at=now,
                )
                raised.append((alert, finding))
            elif SEVERITY_RANK[finding.severity] > SEVERITY_RANK[alert.severity]:
                alert.severity = finding.severity
                alert.status = Alert.Status.OPEN
                alert.escalated_at = alert.evaluated_at = now
                alert.figures, alert.message = finding.figures, finding.message
                escalated.append((alert, finding))
            elif alert.figures != finding.figures or alert.message != finding.message:
                alert.figures, alert.message, alert.evaluated_at = (
                    finding.figures,
                    finding.message,
                    now,
                )
                updated.append(alert)
            else:
                changes.append(AlertChange(alert, UNCHANGED))
        if resolved:
            Alert.objects.filter(pk__in=[alert.pk for alert in resolved]).update(
                status=Alert.Status.RESOLVED, resolved_at=now, evaluated_at=now
            )
            for alert in resolved:
                alert.status, alert.resolved_at, alert.evaluated_at = (
                    Alert.Status.RESOLVED,
                    now,
                    now,
                )
        _alerts_save([alert for alert, _ in escalated] + updated)
        regions: dict[int, list[int]] = {}
        if raised:
            Alert.objects.bulk_create([alert for alert, _ in raised], batch_size=1000)
            by_service = _regions_of_services(
                {alert.service_id: alert.organisation_id for alert, _ in raised}
            )
            regions = {alert.pk: by_service[alert.service_id] for alert, _ in raised}
            Alert.regions.through.objects.bulk_create(
                [
                    Alert.regions.through(alert_id=alert.pk, region_id=region_id)
                    for alert, _ in raised
                    for region_id in regions[alert.pk]
                ],
                batch_size=1000,
            )
        if escalated:
            for alert_id, region_id in Alert.regions.through.objects.filter(
                alert_id__in=[alert.pk for alert, _ in escalated]
            ).values_list("alert_id", "region_id"):
                regions.setdefault(alert_id, []).append(region_id)
            for alert, _ in escalated:
                regions.setdefault(alert.pk, [])
        told = raised + escalated
        if told:
            recipients = _recipients_of([alert for alert, _ in told], regions)
            notification_send_many(
                Message(
                    recipient_ids=recipients[alert.pk],
                    kind=NOTIFICATION_KIND,
                    title=f"{alert.get_severity_display()} alert: {finding.headline}"[:200],
                    body=finding.message,
                    link=alert.portal_path,
                    dedupe_key=f"alert-{alert.pk}-{alert.severity}",
                )
                for alert, finding in told
            )
    changes += [AlertChange(alert, RAISED) for alert, _ in raised]
    changes += [AlertChange(alert, ESCALATED) for alert, _ in escalated]
    changes += [AlertChange(alert, UPDATED) for alert in updated]
    changes += [AlertChange(alert, RESOLVED) for alert in resolved]
    return changes


# Evaluating subjects ----------------------------------------------------------------------


def service_alerts_update(
    *, service_id: int, period: date | str | None = None, now: datetime | None = None
) -> list[AlertChange]:
    """Evaluate the capacity rules for one service's month (default: this month) and bring
    its alerts in line: raise, escalate, refresh or resolve. Idempotent; safe to run
    concurrently (runs for the same service queue behind each other)."""
    first = month_start(period)
    with transaction.atomic():
        _lock_subject(service_id=service_id)
        utilisation = utilisation_for_service(
            service_id,
            first,
            now=now,
            previous=judging_previous_month(month_elapsed(first, now=now)),
        )
        if utilisation is None:
            return []  # the service is gone, and its alerts with it
        findings = {finding.rule: finding for finding in service_findings(utilisation)}
        current = {
            alert.rule: alert
            for alert in Alert.objects.select_for_update()
            .filter(service_id=service_id, period=first)
            .exclude(status=Alert.Status.RESOLVED)
        }
        subject = _Subject(
            lookup={"service_id": service_id},
            organisation_id=utilisation.organisation_id,
            region_ids=lambda: _service_region_ids(service_id, utilisation.organisation_id),
        )
        changes = [
            _reconcile(subject=subject, finding=findings.get(rule), alert=current.get(rule))
            for rule in SERVICE_RULES
        ]
    return [change for change in changes if change]


def agreement_alerts_update(*, agreement_id: int, today: date | None = None) -> list[AlertChange]:
    """Evaluate the milestone rule for one agreement as of `today` (default: today in
    Europe/London): raise one alert per month with a milestone in view, and resolve those
    whose milestone has passed or gone. Idempotent; safe to run concurrently."""
    today = today or timezone.localdate(timezone=LONDON)
    with transaction.atomic():
        _lock_subject(agreement_id=agreement_id)
        agreement = (
            Agreement.objects.select_related("organisation", "lot").filter(pk=agreement_id).first()
        )
        if agreement is None:
            return []
        findings = {
            finding.period: finding
            for finding in agreement_findings(agreement=agreement, today=today)
        }
        current = {
            alert.period: alert
            for alert in Alert.objects.select_for_update()
            .filter(agreement_id=agreement_id, rule=Rule.AGREEMENT_MILESTONE)
            .exclude(status=Alert.Status.RESOLVED)
        }
        subject = _Subject(
            lookup={"agreement_id": agreement_id},
            organisation_id=agreement.organisation_id,
            region_ids=lambda: _agreement_region_ids(agreement),
        )
        changes = [
            _reconcile(subject=subject, finding=findings.get(month), alert=current.get(month))
            for month in sorted(findings.keys() | current.keys())
        ]
    return [change for change in changes if change]


# The monitoring run -----------------------------------------------------------------------


def _agreements_in_view(today: date) -> set[int]:
    """Watched agreements with a milestone in view, found from one query of their dates."""
    rows = Agreement.objects.filter(status__in=WATCHED_AGREEMENT_STATUSES).values_list(
        "pk", "break_clause_dates", "ends_on"
    )
    return {
        pk
        for pk, break_clause_dates, ends_on in rows
        if agreement_milestones(break_clause_dates=break_clause_dates, ends_on=ends_on, today=today)
    }


def monitor_plan(
    *, period: date | str | None = None, now: datetime | None = None, today: date | None = None
) -> MonitorPlan:
    """Compute every service's month in one set-based pass and choose what to evaluate:
    services a rule fires for or with an unresolved alert this month (which may need
    resolving), and agreements with a milestone in view or an unresolved milestone alert.
    Four queries whatever the number of referrals, services or agreements (five early in a
    month, when the previous complete month is judged for under-use too)."""
    first = month_start(period)
    today = today or timezone.localdate(timezone=LONDON)
    early = judging_previous_month(month_elapsed(first, now=now))
    utilisation = utilisation_by_service(first, now=now, ordered=False, previous=early)
    unresolved = Alert.objects.exclude(status=Alert.Status.RESOLVED)
    services = {row.service_id for row in utilisation if service_findings(row)}
    services |= set(
        unresolved.filter(service__isnull=False, period=first).values_list("service_id", flat=True)
    )
    agreements = _agreements_in_view(today)
    agreements |= set(
        unresolved.filter(agreement__isnull=False).values_list("agreement_id", flat=True)
    )
    return MonitorPlan(
        period=first,
        utilisation=utilisation,
        service_ids=sorted(services),
        agreement_ids=sorted(agreements),
    )


def monitor_run(
    *,
    period: date | str | None = None,
    now: datetime | None = None,
    today: date | None = None,
    progress: Callable[[str], None] = lambda message: None,
    progress_every: int = 100,
) -> MonitorSummary | None:
    """The whole monitoring in this process (the `monitor_capacity` command): plan, then
    evaluate each chosen subject in its own transaction. None if another run holds the
    lock. The Celery run does the same planning but hands each subject to a task."""
    with monitor_lock() as acquired:
        if not acquired:
            return None
        plan = monitor_plan(period=period, now=now, today=today)
        summary = MonitorSummary(period=plan.period, services_computed=len(plan.utilisation))
        progress(
            f"Computed utilisation for {len(plan.utilisation)} services in "
            f"{_month_name(plan.period)}; checking {len(plan.service_ids)} services and "
            f"{len(plan.agreement_ids)} agreements"
        )
        # Every service's alerts at once, from the figures just computed.
        chosen = set(plan.service_ids)
        summary.record(
            services_alerts_reconcile(
                [row for row in plan.utilisation if row.service_id in chosen], period=plan.period
            )
        )
        summary.services_checked = len(plan.service_ids)
        progress(f"Checked {len(plan.service_ids)} services… {summary}")
        for done, agreement_id in enumerate(plan.agreement_ids, start=1):
            summary.record(agreement_alerts_update(agreement_id=agreement_id, today=today))
            summary.agreements_checked = done
            if done % progress_every == 0 or done == len(plan.agreement_ids):
                progress(f"Checked {done} of {len(plan.agreement_ids)} agreements… {summary}")
        # The demand view's past months and this month's capacity, counted once here
        # rather than on every read.
        summary.demand_cells_kept = keep_demand_months(today=today)
        progress(
            f"Kept {summary.demand_cells_kept} cells of demand, this month's and the year's before"
        )
    return summary
