"""Reads of referrals, each scoped to the user asking, and the risk-access rule."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from partnership import lists
from partnership.models import User
from partnership.months import LONDON
from partnership.prepared import PreparedStatement
from partnership.rules import is_practitioner
from partnership.working_days import add_working_days, bank_holidays, working_days_between
from referrals import rules
from referrals.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    RISK_EVENT_KINDS,
    Referral,
    ReferralEvent,
    Status,
)


@dataclass(frozen=True, slots=True)
class ReferralScope:
    """The referrals a user may see: those whose `column` holds `value`, drafts only if
    `drafts`. The queryset and the list's rows both read through it."""

    column: str
    value: int
    drafts: bool


def referral_scope_for(*, user: User) -> ReferralScope | None:
    """The queryset form of `rules.can_see`. Practitioners: their PDU's referrals (their own
    included). Provider staff: referrals sent to their organisation's services (never
    drafts). Everyone else: none, since commissioners never see a person's identity."""
    if rules.is_pdu_practitioner(user):
        return referral_scope_of_pdu(pdu_id=user.pdu_id)
    if rules.is_organisation_staff(user):
        return referral_scope_of_organisation(organisation_id=user.organisation_id)
    return None


def referral_scope_of_organisation(*, organisation_id: int) -> ReferralScope:
    """What a provider organisation's staff, and so its case system, may see: referrals
    sent to its services, never drafts."""
    return ReferralScope(column="organisation_id", value=organisation_id, drafts=False)


def referral_scope_of_pdu(*, pdu_id: int) -> ReferralScope:
    """What a PDU's practitioners, and so its system, may see: the PDU's referrals, drafts
    included."""
    return ReferralScope(column="pdu_id", value=pdu_id, drafts=True)


def referral_list_visible_to(*, user: User) -> QuerySet[Referral]:
    """The referrals `referral_scope_for` lets the user see, with the rows they show."""
    return referral_list_in_scope(scope=referral_scope_for(user=user))


def referral_list_in_scope(*, scope: ReferralScope | None) -> QuerySet[Referral]:
    """The referrals a scope takes in (none for no scope), with the rows they show."""
    base = Referral.objects.select_related(
        "service__organisation", "pdu", "practitioner", "assigned_to"
    )
    if scope is None:
        return base.none()
    referrals = base.filter(**{scope.column: scope.value})
    if scope.drafts:
        # An expired draft the access log still points at is an empty row, for no one.
        return referrals.exclude(status=Status.DRAFT, anonymised_at__isnull=False)
    return referrals.exclude(status=Status.DRAFT)


# The referral's own columns, then what the list shows of its related rows. The list is the
# API's busiest read, so its statement is written once here rather than compiled from a
# queryset on every request. The related names are subqueries, not joins: each is one
# index lookup, and the planner has no join order to search (a third of the time).
_REFERRAL_COLUMNS = [field.attname for field in Referral._meta.concrete_fields]
_RELATED_COLUMNS = [
    "service_name",
    "organisation_name",
    "pdu_name",
    "practitioner_name",
    "assigned_to_name",
    "desired_outcome_ids",
]
_ROWS_SQL = """
SELECT {columns},
       (SELECT s.name FROM {service} s WHERE s.id = r.service_id),
       (SELECT o.name FROM {organisation} o WHERE o.id = r.organisation_id),
       (SELECT p.name FROM {pdu} p WHERE p.id = r.pdu_id),
       (SELECT u.full_name FROM {user} u WHERE u.id = r.practitioner_id),
       (SELECT u.full_name FROM {user} u WHERE u.id = r.assigned_to_id),
       ARRAY(SELECT d.desiredoutcome_id
             FROM referrals_referral_desired_outcomes d
             JOIN {outcome} outcome ON outcome.id = d.desiredoutcome_id
             JOIN {category} c ON c.id = outcome.category_id
             WHERE d.referral_id = r.id
             ORDER BY c.name, outcome.position)
FROM referrals_referral r
WHERE r.{column} = %s {conditions}
ORDER BY r.created_at DESC, r.id DESC
LIMIT %s OFFSET %s
"""
_ROWS_COLUMNS = ", ".join(f"r.{field.column}" for field in Referral._meta.concrete_fields)
# Other apps' rows are named through their models, never by their tables' names.
_RELATED_TABLES = {
    "service": Referral._meta.get_field("service").related_model._meta.db_table,
    "organisation": Referral._meta.get_field("organisation").related_model._meta.db_table,
    "pdu": Referral._meta.get_field("pdu").related_model._meta.db_table,
    "user": Referral._meta.get_field("practitioner").related_model._meta.db_table,
    "outcome": Referral._meta.get_field("desired_outcomes").related_model._meta.db_table,
    "category": Referral._meta.get_field("desired_outcomes")
    .related_model._meta.get_field("category")
    .related_model._meta.db_table,
}
_ROW_NAMES = [*_REFERRAL_COLUMNS, *_RELATED_COLUMNS]


class ReferralRows:
    """The referrals a user may see, newest first, as rows: a mapping per referral of its
    columns (by attribute name) and the names of its service, organisation, PDU,
    practitioner and assignee, with its desired outcomes' ids in their usual order.

    Sliced like a queryset, each page one statement and no model objects."""

    def __init__(self, scope: ReferralScope | None, status: str | None):
        self.scope = scope
        self.status = status

    def __getitem__(self, page: slice) -> list[dict]:
        if not isinstance(page, slice) or page.step is not None:
            raise TypeError("ReferralRows are read a page at a time: rows[start:stop]")
        start, stop = page.start or 0, page.stop
        if self.scope is None or stop is None or stop <= start:
            return []
        if self.status == Status.DRAFT and not self.scope.drafts:
            return []
        statement = _rows_statement(self.scope.column, self.scope.drafts, bool(self.status))
        params = [self.scope.value, *([self.status] if self.status else []), stop - start, start]
        return [dict(zip(_ROW_NAMES, row, strict=True)) for row in statement.fetchall(params)]

    def count(self) -> int:
        """How many rows there are in all."""
        if self.scope is None or (self.status == Status.DRAFT and not self.scope.drafts):
            return 0
        rows = Referral.objects.filter(**{self.scope.column: self.scope.value})
        if self.status:
            rows = rows.filter(status=self.status)
        if self.scope.drafts:
            return rows.exclude(status=Status.DRAFT, anonymised_at__isnull=False).count()
        return rows.exclude(status=Status.DRAFT).count()


@functools.cache
def _rows_statement(
    column: str, drafts: bool, in_status: bool, one: bool = False
) -> PreparedStatement:
    """The page statement for a scope's column, with or without drafts and a status, or
    for `one` referral by its public id.

    Names come from the model and the scope, and the draft exclusion is written in so that
    the provider's partial index applies; every other value is a parameter."""
    conditions = (
        (
            f"AND (r.status <> '{Status.DRAFT}' OR r.anonymised_at IS NULL) "
            if drafts
            else f"AND r.status <> '{Status.DRAFT}' "
        )
        + ("AND r.status = %s " if in_status else "")
        + ("AND r.public_id = %s" if one else "")
    )
    return PreparedStatement(
        _ROWS_SQL.format(
            columns=_ROWS_COLUMNS, column=column, conditions=conditions, **_RELATED_TABLES
        )
    )


def referral_row_visible_to(*, user: User, public_id) -> dict | None:
    """One referral `referral_scope_for` lets the user see, as the list's rows hold it (see
    `ReferralRows`), or None: the API's detail in one prepared statement, where the
    queryset's six joins took longer to plan than to run."""
    scope = referral_scope_for(user=user)
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:  # no referral has an id that is not one
        return None
    if scope is None:
        return None
    statement = _rows_statement(scope.column, scope.drafts, False, one=True)
    found = statement.fetchone([scope.value, str(public_id), 1, 0])
    return None if found is None else dict(zip(_ROW_NAMES, found, strict=True))


def referral_rows_visible_to(*, user: User, status: str | None = None) -> ReferralRows:
    """The referrals `referral_scope_for` lets the user see, optionally in one status, as
    the API's list reads them (see `ReferralRows`)."""
    return ReferralRows(referral_scope_for(user=user), status)


def referral_events_visible_to(
    *, user: User, referral: Referral, risk_readable: bool | None = None
) -> list[ReferralEvent]:
    """The referral's timeline as this user may see it: entries that carry risk information
    only for those who may read the referral's risk (`risk_readable`, asked of the rules
    when the caller has not already)."""
    if risk_readable is None:
        risk_readable = rules.allows(user, "read_risk", referral)
    events = referral.events.select_related("actor")
    if not risk_readable:
        events = events.exclude(kind__in=RISK_EVENT_KINDS)
    return list(events)


# Track record -----------------------------------------------------------------------------

MINIMUM_REFERRALS_FOR_FIGURES = 5
TRACK_RECORD_DAYS = 365
# A session dated before the referral was sent (on the day it was sent, in London) is not
# contact for it: old records and demo data may hold some, and a track record never counts
# them (a first contact before sending would make the median negative).
#
# One statement, one row: the referrals from the index on a service's sending times (which
# carries what is read), each one's first and last session from the index on a referral's
# sessions, and working days counted against the bank holidays passed in.
_TRACK_RECORD_SQL = """
WITH sent AS (
    SELECT r.id, r.status, r.sent_at, r.decided_at,
           (r.sent_at AT TIME ZONE %(zone)s)::date AS sent_on
    FROM referrals_referral r
    WHERE r.service_id = %(service)s AND r.sent_at >= %(since)s
), contact AS (
    SELECT s.sent_on,
           (SELECT min(x.held_on) FROM referrals_session x
            WHERE x.referral_id = s.id AND x.held_on >= s.sent_on) AS first_contact
    FROM sent s
), completed AS (
    SELECT s.id, s.sent_on FROM sent s WHERE s.status = %(completed)s
), results AS (
    SELECT o.result
    FROM completed c
    JOIN referrals_endofservicereport e ON e.referral_id = c.id
    JOIN referrals_outcomeresult o ON o.report_id = e.id
)
SELECT
    (SELECT count(*) FROM sent),
    (SELECT count(*) FROM sent WHERE status = ANY(%(accepted)s)),
    (SELECT count(*) FROM sent WHERE decided_at IS NOT NULL),
    (SELECT percentile_cont(0.5) WITHIN GROUP (
         ORDER BY floor(extract(epoch FROM decided_at - sent_at) / 86400))
     FROM sent WHERE decided_at IS NOT NULL),
    (SELECT count(first_contact) FROM contact),
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY first_contact - sent_on)
     FROM contact WHERE first_contact IS NOT NULL),
    (SELECT count(*) FROM completed),
    (SELECT count(*) FROM results),
    (SELECT count(*) FROM results WHERE result <> %(not_achieved)s),
    (SELECT count(*)
     FROM completed c
     JOIN referrals_endofservicereport e ON e.referral_id = c.id
     CROSS JOIN LATERAL (
         SELECT max(x.held_on) AS held_on FROM referrals_session x
         WHERE x.referral_id = c.id AND x.held_on >= c.sent_on
     ) last
     WHERE last.held_on IS NOT NULL
       AND (SELECT count(*)
            FROM generate_series(
                last.held_on + 1, (e.sent_at AT TIME ZONE %(zone)s)::date, interval '1 day'
            ) day
            WHERE extract(isodow FROM day) < 6 AND day::date <> ALL(%(holidays)s)) <= 5)
"""


def _median(middle: float | None, count: int) -> float | int | None:
    """The median as `statistics.median` gives it: a whole number of days when the count is
    odd, the mean of the middle two (a float) when it is even."""
    if middle is None:
        return None
    return int(middle) if count % 2 else middle


def service_track_record(*, service, today=None) -> dict:
    """A service's last 12 months, from referrals sent in that time; every figure is None
    when it would rest on fewer than 5 referrals (so no person can be picked out). Counted
    by the database in one statement, whatever the number of referrals."""
    from referrals.models import OutcomeResult

    today = today or timezone.localdate()
    since = timezone.now() - timedelta(days=TRACK_RECORD_DAYS)
    holidays = sorted(
        day for year in range(since.year, today.year + 2) for day in bank_holidays(year)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _TRACK_RECORD_SQL,
            {
                "service": service.pk,
                "since": since,
                "zone": str(LONDON),
                "completed": Status.COMPLETED,
                "accepted": [Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED],
                "not_achieved": OutcomeResult.Result.NOT_ACHIEVED,
                "holidays": holidays,
            },
        )
        (
            received,
            accepted,
            decisions,
            median_decision,
            contacts,
            median_contact,
            completed,
            results,
            met,
            on_time,
        ) = cursor.fetchone()
    figures = {"received": received, "suppressed": received < MINIMUM_REFERRALS_FOR_FIGURES}
    if figures["suppressed"]:
        return {
            **figures,
            "accepted": None,
            "median_days_to_decision": None,
            "median_days_to_first_contact": None,
            "completion_rate": None,
            "outcomes_met_share": None,
            "reports_on_time_share": None,
        }
    return {
        **figures,
        "accepted": accepted,
        "median_days_to_decision": _median(median_decision, decisions),
        "median_days_to_first_contact": _median(median_contact, contacts),
        "completion_rate": round(100 * completed / accepted) if accepted else None,
        "outcomes_met_share": round(100 * met / results) if results else None,
        "reports_on_time_share": round(100 * on_time / completed) if completed else None,
    }


# Home pages: each role's work queue --------------------------------------------------------

QUEUE_SHOWN = 5


def _queues(**queues: tuple[QuerySet, tuple[str, ...], dict]) -> dict:
    """Each queue's count and its first few items, from `(items, fields, named values)`:
    only the values the home page shows (the rows' own objects, with every related row
    joined, took most of the page's time). The counts are one statement for every queue:
    as a window over the items' statement each read every matching row with the items'
    joins, 6 ms more on a large provider's home at full scale, and a statement for each
    was a round trip for each."""
    counts = lists.capped_counts(
        {name: items for name, (items, _, _) in queues.items()}, capped=False
    )
    return {
        name: {
            "count": counts[name],
            "items": list(items.select_related(None).values(*fields, **named)[:QUEUE_SHOWN]),
        }
        for name, (items, fields, named) in queues.items()
    }


def referrals_needing_attention(*, user: User) -> dict:
    """What a practitioner should look at, each with its count and first few: their
    referrals returned for more information, concerns not yet acknowledged (urgent first),
    end-of-service reports they have not yet opened, and their drafts."""
    from notifications.selectors import notification_unread_about
    from referrals.models import Concern

    if not is_practitioner(user):
        return {}
    own = referral_list_visible_to(user=user).filter(practitioner=user)
    # A report is new until the practitioner opens the referral, which marks its
    # notification read (the referral page calls `notifications_mark_read_for`).
    # The referrals are found from the few unread notifications (their links name them),
    # never by testing each of the practitioner's completed referrals for one.
    unread_report = (
        notification_unread_about(user=user, kind="end_of_service_report")
        .filter(link__regex=r"^/referrals/[0-9a-f-]{36}/$")
        .annotate(referral=Cast(Substr("link", len("/referrals/") + 1, 36), UUIDField()))
        .values("referral")
    )
    newest = ("-updated_at", "-id")
    shown = ("public_id", "reference")
    return _queues(
        returned=(own.filter(status=Status.RETURNED).order_by(*newest), shown, {}),
        concerns=(
            Concern.objects.filter(referral__in=own, acknowledged_at__isnull=True).order_by(
                Case(When(urgency=Concern.Urgency.URGENT, then=Value(0)), default=Value(1)),
                "-raised_at",
                "-id",
            ),
            ("urgency", "raised_at"),
            {
                "referral_public_id": F("referral__public_id"),
                "referral_reference": F("referral__reference"),
            },
        ),
        new_reports=(
            own.filter(status=Status.COMPLETED)
            .filter(public_id__in=unread_report)
            .order_by(*newest),
            shown,
            {},
        ),
        drafts=(
            own.filter(status=Status.DRAFT).order_by(*newest),
            (*shown, "updated_at"),
            {"service_name": F("service__name")},
        ),
    )


def provider_admin_work_queue(*, user: User, today: date | None = None) -> dict:
    """What a provider admin should act on: referrals awaiting a decision (how many are
    overdue, and how many working days the oldest has waited), accepted referrals no one is
    assigned, and staff whose risk training runs out within 30 days."""
    from providers.rules import current_risk_training_q
    from providers.selectors import staff_list_for

    if not rules.is_organisation_staff(user):
        return {}
    today = today or timezone.localdate()
    visible = referral_list_visible_to(user=user)
    awaiting = visible.filter(status=Status.SENT)
    figures = awaiting.order_by().aggregate(
        count=Count("id"),
        overdue=Count("id", filter=decision_overdue_q(today=today)),
        oldest=Min("sent_at"),
    )
    oldest = figures.pop("oldest")
    figures["oldest_working_days"] = (
        working_days_between(timezone.localtime(oldest).date(), today) if oldest else None
    )
    # Current today, and not still current in 30 days' time (no renewal recorded yet).
    expiring = (
        staff_list_for(user=user)
        .filter(is_active=True)
        .filter(current_risk_training_q(on=today))
        .exclude(
            pk__in=staff_list_for(user=user)
            .filter(current_risk_training_q(on=today + timedelta(days=TRAINING_WARNING_DAYS)))
            .values("pk")
        )
        .annotate(expires_on=Max("training_records__expires_on"))
        .prefetch_related(None)
        .order_by("expires_on", "full_name")
    )
    return {
        "awaiting": figures,
        **_queues(
            unassigned=(
                visible.filter(_tab_q("unassigned", user)).order_by("decided_at", "id"),
                ("public_id", "reference"),
                {"service_name": F("service__name")},
            ),
            training_expiring=(expiring, ("full_name", "expires_on"), {}),
        ),
    }


TRAINING_WARNING_DAYS = 30


def caseworker_cases(*, user: User, today: date | None = None) -> dict:
    """A caseworker's open cases assigned to them, each with its last session, what is next
    (first contact due, or the end-of-service report due after the last session) and
    whether that is overdue; overdue ones first."""
    from referrals.models import Reminder
    from referrals.reminders import TARGETS

    if not rules.is_organisation_staff(user):
        return {}
    today = today or timezone.localdate()
    cases = list(
        referral_list_visible_to(user=user)
        .filter(_tab_q("mine", user))
        .annotate(last_session=Max("sessions__held_on"))
        .order_by("sent_at", "id")[:CASES_SHOWN]
    )
    rows = []
    for referral in cases:
        if referral.status == Status.SENT:
            due, next_step = _decision_due(referral), "Decision"
        elif referral.last_session is None:
            sent_on = timezone.localtime(referral.sent_at).date()
            due = add_working_days(sent_on, TARGETS[Reminder.Stage.FIRST_CONTACT]())
            next_step = "First contact"
        else:
            due = add_working_days(referral.last_session, TARGETS[Reminder.Stage.REPORT]())
            next_step = "Next session or end-of-service report"
        rows.append(
            {
                "referral": referral,
                "last_session": referral.last_session,
                "next_step": next_step,
                "due": due,
                "overdue": due is not None and due < today,
            }
        )
    rows.sort(key=lambda row: (not row["overdue"], row["due"] or today))
    return {
        "cases": rows,
        "count": len(rows),
        "overdue": sum(row["overdue"] for row in rows),
        "overdue_reports": sum(row["overdue"] and row["last_session"] is not None for row in rows),
    }


CASES_SHOWN = 100


def _decision_due(referral: Referral) -> date | None:
    from referrals.reminders import decision_due_on

    return decision_due_on(referral)


# Demand on services, for capacity monitoring ----------------------------------------------
# Aggregates only, never a person: capacity's own selectors decide who sees which service's.
# Imports are local so that this section stands apart from the rest of the module.

# A referral is demand on its service in the month it was sent, unless it was withdrawn.
DEMAND_STATUSES = (
    Status.SENT,
    Status.RETURNED,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
    Status.DECLINED,
)
# Accepted counts in the month the provider decided, whatever has happened since.
ACCEPTED_STATUSES = (Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED)
# The active caseload (the partial index `referral_active` covers exactly these).
ACTIVE_STATUSES = (Status.ACCEPTED, Status.IN_PROGRESS)


def _demand_lookup(path: str, lookup: str) -> str:
    return f"{path}__{lookup}" if path else lookup


def referral_demand_window(*, start, path: str = ""):
    """The only referrals a month's figures from `start` can need: sent or decided since it
    began, or active now (a Q over the referrals at relation `path`, "" for referrals
    themselves). Each arm has an index, so older closed referrals are never read."""
    from django.db.models import Q

    return (
        Q(**{_demand_lookup(path, "sent_at__gte"): start})
        | Q(**{_demand_lookup(path, "decided_at__gte"): start})
        | Q(**{_demand_lookup(path, "status__in"): ACTIVE_STATUSES})
    )


def referral_demand_counts(*, start, end, path: str = "") -> dict:
    """Aggregates for a grouped queryset over the referrals at relation `path`: `sent` in
    [start, end) less withdrawn, `accepted` (decided in it and accepted), `active` now."""
    from django.db.models import Count, Q

    counted = _demand_lookup(path, "id")
    return {
        "sent": Count(
            counted,
            filter=Q(
                **{
                    _demand_lookup(path, "sent_at__gte"): start,
                    _demand_lookup(path, "sent_at__lt"): end,
                    _demand_lookup(path, "status__in"): DEMAND_STATUSES,
                }
            ),
        ),
        "accepted": Count(
            counted,
            filter=Q(
                **{
                    _demand_lookup(path, "decided_at__gte"): start,
                    _demand_lookup(path, "decided_at__lt"): end,
                    _demand_lookup(path, "status__in"): ACCEPTED_STATUSES,
                }
            ),
        ),
        "active": Count(counted, filter=Q(**{_demand_lookup(path, "status__in"): ACTIVE_STATUSES})),
    }


def referral_demand_by_service(*, start, end, services=None) -> QuerySet:
    """Demand on each service in the month [start, end), one row per service that has any:
    `service_id`, `sent`, `accepted` and `active`, in one GROUP BY over the narrow rows the
    date and status indexes find. `services` (ids or a queryset of them) narrows it."""
    rows = Referral.objects.filter(referral_demand_window(start=start))
    if services is not None:
        rows = rows.filter(service_id__in=services)
    return (
        rows.order_by()
        .values("service_id")
        .annotate(**referral_demand_counts(start=start, end=end))
    )


def referral_demand_by_month(*, start, end, counted: str, tzinfo, pdus=None) -> QuerySet:
    """Referrals by calendar month (in the time zone `tzinfo`), service and referring PDU between
    `start` and `end`: rows of `month` (its first day), `service_id`, `pdu_id` and
    `referrals`. `counted` is "sent" (in the month sent, less withdrawn) or "accepted" (in
    the month the provider decided, if accepted). `pdus` (a list of ids) narrows it to
    referrals from those PDUs, read from the PDU and date indexes alone."""
    from django.db.models import Count, DateField
    from django.db.models.functions import TruncMonth

    column, statuses = {
        "sent": ("sent_at", DEMAND_STATUSES),
        "accepted": ("decided_at", ACCEPTED_STATUSES),
    }[counted]
    rows = Referral.objects.filter(
        **{f"{column}__gte": start, f"{column}__lt": end, "status__in": statuses}
    )
    if pdus is not None:
        rows = rows.filter(pdu_id__in=pdus)
    return (
        rows.order_by()
        .annotate(month=TruncMonth(column, output_field=DateField(), tzinfo=tzinfo))
        .values("month", "service_id", "pdu_id")
        # COUNT(*), not of a column: the indexes on PDU and date then hold all it reads.
        .annotate(referrals=Count("*"))
    )


# Work lists: the practitioner's referrals and the provider's inbox ------------------------
# Searched, filtered, counted and sorted in SQL over the user's scope, so each page is a
# fixed number of statements however many referrals there are.

CRN_PATTERN = re.compile(r"[A-Z][0-9]{6}")
SEARCH_MAX_LENGTH = 100

PRACTITIONER_TABS = {"mine": "My referrals", "pdu": "My PDU's referrals"}
INBOX_TABS = {
    "new": "New",
    "unassigned": "Unassigned",
    "mine": "Assigned to me",
    "open": "All open",
    "closed": "Closed",
}
SORTS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "decision_due": "Decision due soonest",
}


def _tab_q(tab: str, user: User) -> Q:
    """Which referrals a tab of a work list holds (within the user's scope)."""
    return {
        # The practitioner's.
        "pdu": Q(),
        # "mine" differs by list: the practitioner's own, or those assigned to the caseworker.
        "mine": Q(practitioner=user)
        if is_practitioner(user)
        else Q(assigned_to=user, status__in=OPEN_STATUSES),
        # The provider's.
        "new": Q(status=Status.SENT),
        "unassigned": Q(status__in=ACTIVE_STATUSES, assigned_to__isnull=True),
        "open": Q(status__in=OPEN_STATUSES),
        "closed": Q(status__in=CLOSED_STATUSES),
    }[tab]


def referral_search_q(term: str) -> Q:
    """A search of a work list: a CRN finds that person's referrals, a reference that
    referral, anything else the people whose first or last names start with each word."""
    words = term.split()
    if not words:
        return Q()
    upper = " ".join(words).upper()
    if CRN_PATTERN.fullmatch(upper):
        return Q(crn=upper)
    names = Q()
    for word in words:
        names &= Q(first_name__istartswith=word) | Q(last_name__istartswith=word)
    return Q(reference=upper) | names


def decision_overdue_sent_before(*, today: date | None = None) -> datetime:
    """The moment before which a referral still awaiting a decision was sent if its decision
    is overdue (`reminders.decision_due_on` before today). A later sending day never has an
    earlier due day, so one cut-off on `sent_at` finds every overdue referral in SQL."""
    from referrals.reminders import decision_due_on

    today = today or timezone.localdate()
    zone = timezone.get_current_timezone()

    def sent_on(day: date) -> SimpleNamespace:
        return SimpleNamespace(sent_at=datetime.combine(day, time(12), tzinfo=zone))

    day = today
    while decision_due_on(sent_on(day)) >= today:
        day -= timedelta(days=1)
    # `day` is the last sending day that is overdue: everything sent before the next one.
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def decision_overdue_q(*, today: date | None = None) -> Q:
    return Q(status=Status.SENT, sent_at__lt=decision_overdue_sent_before(today=today))


@dataclass(frozen=True)
class WorkListFilters:
    """What a work list is narrowed to beyond its tab: all optional."""

    status: str | None = None
    service_id: int | None = None
    search: str = ""
    overdue: bool = False

    def q(self) -> Q:
        q = referral_search_q(self.search)
        if self.status:
            q &= Q(status=self.status)
        if self.service_id:
            q &= Q(service_id=self.service_id)
        if self.overdue:
            q &= decision_overdue_q()
        return q


# What a work list's rows show and its rules ask (`referral_table_rows`): a page of fifty
# whole referrals with five related rows each was most of its statement's time and width.
WORK_LIST_COLUMNS = (
    "id",
    "public_id",
    "reference",
    "status",
    "first_name",
    "last_name",
    "crn",
    "created_at",
    "sent_at",
    "practitioner_id",
    "pdu_id",
    "organisation_id",
    "anonymised_at",
    "service__name",
    "service__organisation__name",
)


def referral_work_list(
    *, user: User, tab: str, filters: WorkListFilters, sort: str = "newest"
) -> QuerySet[Referral]:
    """A tab of a work list as the user may see it, filtered and sorted. "newest" is by
    when it was started for the practitioner and sent for the provider; "decision_due"
    puts referrals awaiting a decision first, the longest waiting first."""
    referrals = (
        referral_list_visible_to(user=user)
        .filter(_tab_q(tab, user) & filters.q())
        .select_related(None)
        .select_related("service__organisation")
        .only(*WORK_LIST_COLUMNS)
    )
    when = "created_at" if is_practitioner(user) else "sent_at"
    if sort == "oldest":
        return referrals.order_by(F(when).asc(nulls_last=True), "id")
    if sort == "decision_due":
        waiting = Case(When(status=Status.SENT, then=Value(0)), default=Value(1))
        return referrals.order_by(waiting, F("sent_at").asc(nulls_last=True), "-id")
    # Plain descending, the order the indexes keep (NULLS FIRST, and there are none here):
    # `created_at` is never empty, and a provider's list holds no drafts, so every row has
    # `sent_at`.
    return referrals.order_by(F(when).desc(), "-id")


def referral_work_list_counts(
    *, user: User, tabs: Iterable[str], filters: WorkListFilters
) -> dict[str, int]:
    """How many referrals each tab holds under the filters, and `overdue` (awaiting a
    decision past its due day), each counted to a limit (`partnership.lists`): counting all
    of a busy PDU's or provider's referrals was a work list's slowest statement."""
    scoped = referral_list_visible_to(user=user).filter(filters.q()).order_by().values("id")
    wanted = {tab: _tab_q(tab, user) for tab in tabs}
    wanted["overdue"] = decision_overdue_q()
    return lists.capped_counts({key: scoped.filter(q) for key, q in wanted.items()})


def referral_service_options(*, user: User) -> list[tuple[int, str]]:
    """The services a work list can be filtered by: the provider's own, or those covering
    the practitioner's PDU, as (id, name)."""
    from providers.models import Service

    scope = referral_scope_for(user=user)
    if scope is None:
        return []
    if scope.drafts:  # a PDU's list
        services = Service.objects.filter(pdus=scope.value)
    else:
        services = Service.objects.filter(organisation_id=scope.value)
    # Each service once without DISTINCT: a service covers a PDU at most once.
    return list(services.order_by("name", "id").values_list("id", "name"))
