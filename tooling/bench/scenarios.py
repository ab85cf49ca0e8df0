"""The four scenarios, each timed with warm-up and repeats beside its ceiling.

1. A provider's inbox through the API (status filter, 25 rows) against the same rows from
   one hand-written query serialised to JSON: in-process, and over HTTP under gunicorn.
2. Directory search (free text, PDU and category) through the API against the raw
   full-text query.
3. The full capacity recompute against one hand-written GROUP BY over the same rows.
4. A practitioner's home page and referral page: server time and query count.

Each scenario also checks that the portal and its ceiling give the same answer, so the
comparison is between equals.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tooling.bench import ceiling
from tooling.bench.http import gunicorn, hammer

# Realistic searches: the words a practitioner types and the category they pick.
SEARCHES = [
    ("housing", "accommodation"),
    ("supported accommodation", "accommodation"),
    ("recovery", "dependency-recovery"),
    ("alcohol drug", "dependency-recovery"),
    ("employment", "education-training-employment"),
    ("debt advice", "finance-benefit-debt"),
    ("women", "womens-services"),
    ("mentoring", "mentoring"),
    ("counselling", "emotional-wellbeing"),
    ("family", "family-significant-others"),
]


@dataclass(frozen=True)
class Settings:
    """How long to measure: warm-up and repeats in-process, seconds and clients over HTTP."""

    warmup: int = 5
    repeats: int = 50
    http_seconds: float = 10.0
    http_clients: int = 4
    http_workers: int = 2
    http_threads: int = 2
    recompute_repeats: int = 5


def summary(samples: list[float]) -> dict[str, float]:
    """p50, p95 and mean in milliseconds, and the count."""
    ordered = sorted(samples)
    if not ordered:
        return {"count": 0}

    def pct(share: float) -> float:
        index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
        return round(ordered[index] * 1000, 2)

    return {
        "count": len(ordered),
        "p50_ms": pct(0.5),
        "p95_ms": pct(0.95),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def timed_pair(
    portal: Callable[[int], Any], ceiling: Callable[[int], Any], warmup: int, repeats: int
) -> tuple[list[float], list[float]]:
    """Time the portal and its ceiling turn about, each going first on alternate rounds, so
    both meet the same machine: a busy moment slows both rather than one."""
    for index in range(warmup):
        portal(index)
        ceiling(index)
    samples: tuple[list[float], list[float]] = ([], [])
    for index in range(repeats):
        order = ((0, portal), (1, ceiling)) if index % 2 == 0 else ((1, ceiling), (0, portal))
        for side, call in order:
            started = time.perf_counter()
            call(index)
            samples[side].append(time.perf_counter() - started)
    return samples


def timed(call: Callable[[int], Any], warmup: int, repeats: int) -> list[float]:
    for index in range(warmup):
        call(index)
    samples = []
    for index in range(repeats):
        started = time.perf_counter()
        call(index)
        samples.append(time.perf_counter() - started)
    return samples


def _ratio(portal: float, ceiling_value: float) -> float | None:
    return round(portal / ceiling_value, 3) if ceiling_value else None


def _client() -> Client:
    """A client as the web server sees one: a real host name, no test-only host."""
    return Client(SERVER_NAME="localhost")


# The backend a sign-in through the sign-in page records in the session: it reads each
# request's user.
SIGNED_IN_BACKEND = "partnership.backends.EmailBackend"


def _signed_in(user) -> Client:
    """A client with `user` signed in, as the sign-in page leaves them."""
    client = _client()
    client.force_login(user, backend=SIGNED_IN_BACKEND)
    return client


def _get(client: Client, path: str, **headers) -> Any:
    response = client.get(path, **headers)
    if response.status_code != 200:
        raise AssertionError(f"GET {path} answered {response.status_code}")
    return response


def _query_count(client: Client, path: str, **headers) -> int:
    """The statements of a steady request: the one straight after another, so what is written
    at most once a minute (a token's or a session's last use) or prepared once per connection
    is not counted in one run and not in the next."""
    _get(client, path, **headers)
    with CaptureQueriesContext(connection) as queries:
        _get(client, path, **headers)
    return len(queries)


# 1. Inbox ----------------------------------------------------------------------------------


def inbox(subjects, settings: Settings, env: dict[str, str]) -> dict:
    organisation_id = subjects.provider_organisation_id
    auth = {"HTTP_AUTHORIZATION": f"Bearer {subjects.provider_token}"}
    path = "/api/v1/referrals/?status=sent"
    client = _client()

    api_rows = _get(client, path, **auth).json()["results"]
    with connection.cursor() as cursor:
        ceiling_rows = ceiling.inbox_rows(cursor, organisation_id, "sent")
    if [_inbox_essentials(row) for row in api_rows] != [
        _inbox_essentials(_nested(row)) for row in ceiling_rows
    ]:
        raise AssertionError("The inbox API and its ceiling returned different referrals")
    api_ids = [row["id"] for row in api_rows]

    def raw(_):
        with connection.cursor() as cursor:
            ceiling.inbox_json(cursor, organisation_id, "sent")

    api, raw_samples = timed_pair(
        lambda _: _get(client, path, **auth), raw, settings.warmup, settings.repeats
    )
    in_process = {
        "api": summary(api),
        "ceiling": summary(raw_samples),
        # Throughput is the inverse of the mean time: the ratio of means, ceiling over API.
        "throughput_ratio": _ratio(statistics.fmean(raw_samples), statistics.fmean(api)),
    }
    queries = {
        f"page_size_{size}": _query_count(client, f"{path}&page_size={size}", **auth)
        for size in (10, 25, 100)
    }
    result = {
        "rows": len(api_ids),
        "organisation_sent_referrals": subjects.provider_sent,
        "in_process": in_process,
        "queries": queries,
        "queries_constant": _no_more_statements_for_a_longer_page(queries),
    }
    if settings.http_seconds > 0:
        result["http"] = _inbox_http(subjects, settings, env)
    return result


def _inbox_essentials(row: dict) -> tuple:
    return (
        str(row["id"]),
        row["status"],
        row["service"]["name"],
        row["organisation"]["name"],
        row["pdu"]["name"],
        row["practitioner"],
        row["assigned_to"],
        row["desired_outcomes"],
    )


def _nested(row: dict) -> dict:
    """A ceiling row with its related names where the API puts them."""
    return {
        **row,
        "service": {"name": row["service_name"]},
        "organisation": {"name": row["organisation_name"]},
        "pdu": {"name": row["pdu_name"]},
    }


def _inbox_http(subjects, settings: Settings, env: dict[str, str]) -> dict:
    options = {"workers": settings.http_workers, "threads": settings.http_threads}
    headers = {"Authorization": f"Bearer {subjects.provider_token}"}

    def load(port: int, path: str, headers: dict[str, str]):
        hammer(port, path, headers, seconds=1, concurrency=settings.http_clients)
        return hammer(
            port, path, headers, seconds=settings.http_seconds, concurrency=settings.http_clients
        )

    with gunicorn("partnership.wsgi", env, ready_path="/healthz", **options) as port:
        api = load(port, "/api/v1/referrals/?status=sent", headers)
        # The floor: the same token reading the user's own record, one row. What any
        # authenticated API request costs in Django, DRF and the token lookup, before a list.
        floor = load(port, "/api/v1/me/", headers)
    with gunicorn(
        "tooling.bench.ceiling:application",
        env,
        ready_path=f"/?organisation={subjects.provider_organisation_id}",
        **options,
    ) as port:
        raw = load(port, f"/?organisation={subjects.provider_organisation_id}&status=sent", {})
    return {
        "config": {
            "seconds": settings.http_seconds,
            "clients": settings.http_clients,
            **options,
        },
        "api": _load_figures(api),
        "ceiling": _load_figures(raw),
        "throughput_ratio": _ratio(api.per_second, raw.per_second),
        "floor": _load_figures(floor),
        "floor_throughput_ratio": _ratio(floor.per_second, raw.per_second),
    }


def _load_figures(result) -> dict:
    return {
        "requests_per_second": round(result.per_second, 1),
        "errors": result.errors,
        "statuses": {str(code): count for code, count in sorted(result.statuses.items())},
        **summary(result.latencies),
    }


# 2. Directory search -----------------------------------------------------------------------


def directory(subjects, settings: Settings) -> dict:
    client = _client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {subjects.practitioner_token}"}
    pdus = subjects.search_pdus

    def case(index: int) -> tuple[str, int, str]:
        words, category = SEARCHES[index % len(SEARCHES)]
        return words, pdus[(index // len(SEARCHES)) % len(pdus)], category

    def api_path(index: int, page_size: int = 25) -> str:
        words, pdu, category = case(index)
        return (
            f"/api/v1/services/?q={words.replace(' ', '+')}&pdu={pdu}&category={category}"
            f"&page_size={page_size}"
        )

    def raw(index: int) -> list[int]:
        words, pdu, category = case(index)
        with connection.cursor() as cursor:
            cursor.execute(ceiling.SEARCH_SQL, [words, pdu, category, 25])
            return [row[0] for row in cursor.fetchall()]

    hits = 0
    for index in range(len(SEARCHES) * len(pdus)):
        api_ids = [row["id"] for row in _get(client, api_path(index), **auth).json()["results"]]
        if api_ids != raw(index):
            raise AssertionError(f"Directory search and its ceiling differ for {case(index)}")
        hits += len(api_ids)
    api, raw_samples = timed_pair(
        lambda i: _get(client, api_path(i), **auth), raw, settings.warmup, settings.repeats
    )
    queries = {
        f"page_size_{size}": _query_count(client, api_path(0, size), **auth) for size in (10, 100)
    }
    return {
        "searches": len(SEARCHES) * len(pdus),
        "mean_results": round(hits / (len(SEARCHES) * len(pdus)), 1),
        "api": summary(api),
        "ceiling": summary(raw_samples),
        "time_ratio": _ratio(statistics.fmean(api), statistics.fmean(raw_samples)),
        "queries": queries,
        "queries_constant": _no_more_statements_for_a_longer_page(queries),
    }


# 3. Capacity recompute ---------------------------------------------------------------------


def recompute(subjects, settings: Settings) -> dict:
    from capacity import utilisation
    from partnership import months
    from referrals.selectors import ACCEPTED_STATUSES, ACTIVE_STATUSES, DEMAND_STATUSES

    now = timezone.now()
    first = months.month_start(now)
    start, end = months.month_bounds(first)
    params = {
        "start": start,
        "end": end,
        "first": first,
        "next": months.next_month(first),
        "demand": tuple(str(status) for status in DEMAND_STATUSES),
        "accepted": tuple(str(status) for status in ACCEPTED_STATUSES),
        "active": tuple(str(status) for status in ACTIVE_STATUSES),
    }

    def raw(_=None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(ceiling.CAPACITY_SQL, params)
            return cursor.fetchall()

    def portal(_=None):
        # As the monitoring's planning pass computes it (`alerts.monitor_plan`).
        return utilisation.utilisation_by_service(first, now=now, ordered=False)

    expected = {
        service_id: (sent, accepted, active, declared if total is None else total)
        for service_id, declared, total, sent, accepted, active in raw()
    }
    with CaptureQueriesContext(connection) as queries:
        rows = portal()
    got = {row.service_id: (row.sent, row.accepted, row.active, row.capacity) for row in rows}
    if got != expected:
        raise AssertionError("The capacity recompute and its GROUP BY disagree")
    warmup = 1
    portal_samples, raw_samples = timed_pair(portal, raw, warmup, settings.recompute_repeats)
    return {
        "services": len(rows),
        "referrals_this_month": sum(row.sent for row in rows),
        "queries": len(queries),
        "portal": summary(portal_samples),
        "ceiling": summary(raw_samples),
        "time_ratio": _ratio(statistics.fmean(portal_samples), statistics.fmean(raw_samples)),
    }


# 4. Practitioner pages ---------------------------------------------------------------------


def practitioner_pages(subjects, settings: Settings) -> dict:
    client = _signed_in(subjects.practitioner)
    pages = {
        "home": "/",
        "referral": f"/referrals/{subjects.practitioner_referral}/",
        "referral_list": "/referrals/",
    }
    result = {}
    for name, path in pages.items():
        queries = _query_count(client, path)
        samples = timed(lambda _, path=path: _get(client, path), settings.warmup, settings.repeats)
        result[name] = {"path_kind": name, "queries": queries, **summary(samples)}
    return result


# 5. The monitoring run ---------------------------------------------------------------------


def monitoring(subjects, settings: Settings) -> dict:
    """The monitoring run over every service and agreement, as `monitor_capacity` runs it:
    the first (which raises this month's alerts and their notifications on a fresh dataset)
    and then a steady one an hour later (what each run on the beat schedule does: the month's
    pace has moved on, so every alert's figures are refreshed)."""
    from datetime import timedelta

    from capacity import alerts
    from capacity.models import Alert
    from partnership import months

    now = timezone.now()
    earlier = max(months.month_bounds()[0], now - timedelta(hours=1))
    result = {}
    for name, at in (("first", earlier), ("steady", now)):
        statements = []

        def count(execute, sql, params, many, context, statements=statements):
            statements.append(1)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            summary = alerts.monitor_run(now=at)
            seconds = time.perf_counter() - started
        if summary is None:
            raise AssertionError("Another monitoring run holds the lock")
        result[name] = {
            "seconds": round(seconds, 2),
            "queries": len(statements),
            "services_computed": summary.services_computed,
            "services_checked": summary.services_checked,
            "agreements_checked": summary.agreements_checked,
            "changes": dict(summary.changes),
        }
    result["alerts_unresolved"] = Alert.objects.exclude(status=Alert.Status.RESOLVED).count()
    return result


# 6. Every daily page -----------------------------------------------------------------------

# Pages whose target is 150 ms rather than 50: the demand page and the exports.
HEAVY_PAGES = frozenset({"demand", "demand_csv", "export_ocds", "export_360giving"})


def _page_list(subjects, client_for) -> dict[str, tuple]:
    """(client, path, headers) for each page, as its busiest realistic user."""
    practitioner = client_for(subjects.practitioner)
    admin = client_for(subjects.provider_admin)
    commissioner = client_for(subjects.commissioner)
    public = _client()
    as_practitioner = {"HTTP_AUTHORIZATION": f"Bearer {subjects.practitioner_token}"}
    as_admin = {"HTTP_AUTHORIZATION": f"Bearer {subjects.provider_token}"}
    as_commissioner = {"HTTP_AUTHORIZATION": f"Bearer {subjects.commissioner_token}"}
    pdu = subjects.practitioner.pdu_id
    words, category = SEARCHES[0]
    deep = _openreferral_deep_page(public)
    return {
        "practitioner_home": (practitioner, "/", {}),
        "provider_home": (admin, "/", {}),
        "commissioner_home": (commissioner, "/", {}),
        "notifications": (admin, "/notifications/", {}),
        "notifications_api": (admin, "/api/v1/notifications/", as_admin),
        "directory": (practitioner, "/services/", {}),
        "directory_search": (
            practitioner,
            f"/services/?q={words}&pdu={pdu}&category={category}",
            {},
        ),
        "directory_search_api": (
            practitioner,
            f"/api/v1/services/?q={words}&pdu={pdu}&category={category}",
            as_practitioner,
        ),
        "services_api": (practitioner, "/api/v1/services/", as_practitioner),
        "service_page": (practitioner, f"/services/{subjects.busiest_service_id}/", {}),
        "referral_list": (practitioner, "/referrals/", {}),
        "referral_list_search": (practitioner, "/referrals/?tab=pdu", {"search": "smi"}),
        "referral_list_decision_due": (
            practitioner,
            "/referrals/?tab=pdu&sort=decision_due",
            {},
        ),
        "inbox_new": (admin, "/referrals/inbox/", {}),
        "inbox_unassigned": (admin, "/referrals/inbox/?tab=unassigned", {}),
        "inbox_closed": (admin, "/referrals/inbox/?tab=closed", {}),
        "inbox_search": (admin, "/referrals/inbox/?tab=open", {"search": "smi"}),
        "inbox_decision_due": (admin, "/referrals/inbox/?tab=open&sort=decision_due", {}),
        "inbox_api": (admin, "/api/v1/referrals/?status=sent", as_admin),
        "demand": (commissioner, "/demand/", {}),
        "demand_csv": (commissioner, "/demand.csv", {}),
        "demand_category": (commissioner, f"/demand/{subjects.busiest_category_slug}/", {}),
        "alerts": (commissioner, "/alerts/", {}),
        "alerts_api": (commissioner, "/api/v1/alerts/", as_commissioner),
        "capacity_api": (commissioner, "/api/v1/capacity/services/", as_commissioner),
        "market_health": (commissioner, "/market-health/", {}),
        "funding_round": (commissioner, f"/funding-rounds/{subjects.funding_round}/", {}),
        "openreferral_services": (public, "/openreferral/services", {}),
        "openreferral_services_deep": (public, f"/openreferral/services?page={deep}", {}),
        "openreferral_organizations": (public, "/openreferral/organizations", {}),
        "export_ocds": (public, "/api/v1/exports/ocds/", {}),
        "export_360giving": (public, "/api/v1/exports/360giving/", {}),
    }


def _openreferral_deep_page(client: Client) -> int:
    """Nine tenths of the way through the Open Referral services list."""
    total = _get(client, "/openreferral/services").json().get("total_pages") or 1
    return max(1, round(total * 0.9))


def _search_in_session(client: Client, path: str, term: str) -> None:
    """A work list's search is kept in the session (never in the address)."""
    from referrals.views import SEARCH_SESSION_KEY

    name = "inbox" if "/inbox/" in path else "list"
    session = client.session
    session[SEARCH_SESSION_KEY.format(name)] = term
    session.save()


def pages(subjects, settings: Settings) -> dict:
    """Every daily page and API list as its busiest realistic user: p50, p95 and the
    number of queries (and, with figures from the other scale, how each grows)."""
    clients: dict[int, Client] = {}

    def client_for(user) -> Client:
        if user.pk not in clients:
            clients[user.pk] = _signed_in(user)
        return clients[user.pk]

    result = {}
    for name, (client, path, extra) in _page_list(subjects, client_for).items():
        headers = {key: value for key, value in extra.items() if key != "search"}
        if "search" in extra:
            _search_in_session(client, path, extra["search"])
        queries = _query_count(client, path, **headers)
        samples = timed(
            lambda _, client=client, path=path, headers=headers: _get(client, path, **headers),
            settings.warmup,
            settings.repeats,
        )
        if "search" in extra:
            _search_in_session(client, path, "")
        result[name] = {
            "path": path.split("?")[0],
            "queries": queries,
            "heavy": name in HEAVY_PAGES,
            **summary(samples),
        }
    return {"pages": result}


def pages_growth(current: dict, tenth: dict, full: dict) -> None:
    """Add to each page of `current` its time at full scale over its time at a tenth (the
    p50s) and whether its query count is the same at both."""
    for name, figures in current["pages"].items():
        low = tenth.get("pages", {}).get(name)
        high = full.get("pages", {}).get(name)
        if not low or not high:
            continue
        if low.get("p50_ms"):
            figures["growth"] = round(high["p50_ms"] / low["p50_ms"], 2)
        figures["queries_constant"] = low["queries"] == high["queries"]


def _no_more_statements_for_a_longer_page(queries: dict[str, int]) -> bool:
    """No page size needs more statements than the smallest: the list reads its related
    rows with its page, never a row at a time. (A last page may need one fewer: its total
    is the rows before it and on it, so no count is asked.)"""
    counts = [queries[name] for name in sorted(queries, key=lambda name: int(name.split("_")[-1]))]
    return max(counts) <= counts[0]
