"""Latency figures from each request's own timing, for the load test's figures past its
start (`past_start`). Plain Python: locust's process imports it as well as the runner.

In a run's first seconds every user arrives at once and each practitioner makes, completes
and sends a referral together, a burst no later second repeats: its writes queue behind
each other on the machine's cores. Locust's own figures take in the whole run; these leave
out the requests begun in the first `PAST_START_SECONDS`, to show what the portal does once
its users are spread out as they go about their work.
"""

from __future__ import annotations

import math
from collections import defaultdict

PAST_START_SECONDS = 2.0
OVERALL = "all journeys"


def percentile(ordered: list[float], share: float) -> float | None:
    """The nearest-rank percentile of sorted values (None for none)."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def past_start(timings: list[tuple[float, str, float, bool]], seconds: float) -> dict:
    """Figures per journey and overall for the requests begun `seconds` or more after the
    first one: `timings` holds each request's start (seconds, any origin), journey, time in
    milliseconds and whether it failed. Shaped as locust's figures (`runner.Figures`)."""
    if not timings:
        return {"seconds": seconds, "journeys": [], "overall": _figures(OVERALL, [], 0, 0.0)}
    first = min(start for start, _, _, _ in timings)
    last = max(start + taken / 1000 for start, _, taken, _ in timings)
    span = max(last - first - seconds, 1e-9)
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for start, name, taken, failed in timings:
        if start - first < seconds:
            continue
        for key in (name, OVERALL):
            times[key].append(taken)
            errors[key] += failed
    journeys = [
        _figures(name, times[name], errors[name], span) for name in sorted(times) if name != OVERALL
    ]
    return {
        "seconds": seconds,
        "journeys": journeys,
        "overall": _figures(OVERALL, times[OVERALL], errors[OVERALL], span),
    }


def _figures(name: str, taken: list[float], errors: int, span: float) -> dict:
    ordered = sorted(taken)
    return {
        "name": name,
        "requests": len(ordered),
        "errors": errors,
        "requests_per_second": round(len(ordered) / span, 1) if span else 0.0,
        "p50_ms": percentile(ordered, 0.5),
        "p95_ms": percentile(ordered, 0.95),
    }
