"""The track record is counted by the database in one statement: it must give exactly what
reading the service's referrals and counting them in Python gave."""

from datetime import datetime, time, timedelta
from statistics import median

import pytest
from django.db import connection
from django.db.models import Max, Min, Q
from django.db.models.functions import TruncDate
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partnership.months import LONDON
from partnership.working_days import working_days_between
from providers.tests.factories import make_service
from referrals import selectors
from referrals.models import EndOfServiceReport, OutcomeResult, Referral, Session, Status
from referrals.tests.factories import provider_admin_for, referral_in, sent_on

pytestmark = pytest.mark.django_db

_AFTER_SENT = Q(sessions__held_on__gte=TruncDate("sent_at", tzinfo=LONDON))


def plain_track_record(service) -> dict:
    """The track record as it was counted before: every referral of the year read."""
    since = timezone.now() - timedelta(days=selectors.TRACK_RECORD_DAYS)
    sent = list(
        Referral.objects.filter(service=service, sent_at__gte=since)
        .annotate(first_contact=Min("sessions__held_on", filter=_AFTER_SENT))
        .values("pk", "status", "sent_at", "decided_at", "first_contact")
    )
    received = len(sent)
    if received < selectors.MINIMUM_REFERRALS_FOR_FIGURES:
        return {"received": received, "suppressed": True}
    accepted = [r for r in sent if r["status"] in {"accepted", "in_progress", "completed"}]
    decisions = [(r["decided_at"] - r["sent_at"]).days for r in sent if r["decided_at"]]
    contacts = [
        (r["first_contact"] - timezone.localtime(r["sent_at"]).date()).days
        for r in sent
        if r["first_contact"]
    ]
    completed = [r["pk"] for r in sent if r["status"] == Status.COMPLETED]
    results = list(
        OutcomeResult.objects.filter(report__referral_id__in=completed).values_list(
            "result", flat=True
        )
    )
    last = dict(
        Referral.objects.filter(pk__in=completed)
        .annotate(last=Max("sessions__held_on", filter=_AFTER_SENT))
        .values_list("pk", "last")
    )
    reports = dict(
        EndOfServiceReport.objects.filter(referral_id__in=completed).values_list(
            "referral_id", "sent_at"
        )
    )
    on_time = [
        pk
        for pk in completed
        if pk in reports
        and last.get(pk)
        and working_days_between(last[pk], timezone.localtime(reports[pk]).date()) <= 5
    ]
    return {
        "received": received,
        "suppressed": False,
        "accepted": len(accepted),
        "median_days_to_decision": median(decisions) if decisions else None,
        "median_days_to_first_contact": median(contacts) if contacts else None,
        "completion_rate": round(100 * len(completed) / len(accepted)) if accepted else None,
        "outcomes_met_share": round(
            100 * sum(r != OutcomeResult.Result.NOT_ACHIEVED for r in results) / len(results)
        )
        if results
        else None,
        "reports_on_time_share": round(100 * len(on_time) / len(completed)) if completed else None,
    }


def _in(state, service):
    """A referral in any state: the factory makes it as far as accepted, the rest is set."""
    if state in (Status.IN_PROGRESS, Status.COMPLETED):
        referral = referral_in(Status.ACCEPTED, service=service)
        Referral.objects.filter(pk=referral.pk).update(status=state)
        referral.refresh_from_db()
        return referral
    return referral_in(state, service=service)


def _session(referral, held_on):
    return Session.objects.create(
        referral=referral,
        kind=Session.Kind.SESSION,
        held_on=held_on,
        mode=Session.Mode.PHONE,
        attendance=Session.Attendance.ATTENDED,
        recorded_by=provider_admin_for(referral.service),
    )


def _completed(service, *, sent_days_ago, last_session_days_ago, report_days_ago, results):
    """A completed referral whose report was sent some days after its last session."""
    today = timezone.localdate()
    referral = sent_on(_in(Status.COMPLETED, service), today - timedelta(days=sent_days_ago))
    _session(referral, today - timedelta(days=last_session_days_ago))
    report = EndOfServiceReport.objects.create(
        referral=referral,
        closing_reason="completed",
        summary="Done.",
        sent_by=provider_admin_for(service),
        sent_at=timezone.make_aware(
            datetime.combine(today - timedelta(days=report_days_ago), time(23, 30))
        ),
    )
    for outcome, result in zip(referral.desired_outcomes.all(), results, strict=False):
        OutcomeResult.objects.create(report=report, desired_outcome=outcome, result=result)
    return referral


def _compare(service) -> dict:
    expected = plain_track_record(service)
    with CaptureQueriesContext(connection) as queries:
        record = selectors.service_track_record(service=service)
    assert len(queries) == 1
    assert {key: record[key] for key in expected} == expected
    # The same types too: a whole number of days stays an int, a mean of two a float.
    assert {key: type(record[key]) for key in expected} == {
        key: type(value) for key, value in expected.items()
    }
    return record


def test_the_statement_counts_what_the_plain_reading_counted():
    service = make_service(referral_requirements=[])
    today = timezone.localdate()
    for _ in range(3):
        referral_in(Status.SENT, service=service)
    assert _compare(service)["suppressed"] is True

    # Decisions after a few days, and one long ago (out of the year).
    for days, state in ((3, Status.ACCEPTED), (8, Status.DECLINED), (20, Status.IN_PROGRESS)):
        referral = sent_on(_in(state, service), today - timedelta(days=days))
        Referral.objects.filter(pk=referral.pk).update(
            decided_at=referral.sent_at + timedelta(days=days // 2, hours=5)
        )
        _session(referral, today - timedelta(days=days + 2))  # before sending: not contact
        _session(referral, today - timedelta(days=max(days - 2, 0)))
    sent_on(referral_in(Status.ACCEPTED, service=service), today - timedelta(days=400))
    _compare(service)

    # Reports on time and late (over weekends and, in December, bank holidays), outcomes
    # achieved and not.
    _completed(service, sent_days_ago=30, last_session_days_ago=10, report_days_ago=9,
               results=["achieved", "not_achieved"])  # fmt: skip
    _completed(service, sent_days_ago=40, last_session_days_ago=30, report_days_ago=5,
               results=["partially_achieved"])  # fmt: skip
    _completed(service, sent_days_ago=25, last_session_days_ago=14, report_days_ago=7,
               results=["not_achieved"])  # fmt: skip
    _compare(service)
    _in(Status.COMPLETED, service)  # completed without a report
    record = _compare(service)
    assert record["completion_rate"] is not None and record["outcomes_met_share"] is not None


def test_an_even_number_of_decisions_gives_the_mean_of_the_middle_two():
    service = make_service(referral_requirements=[])
    today = timezone.localdate()
    for days in (1, 2, 4, 7, 9, 10):
        referral = sent_on(
            referral_in(Status.ACCEPTED, service=service), today - timedelta(days=12)
        )
        Referral.objects.filter(pk=referral.pk).update(
            decided_at=referral.sent_at + timedelta(days=days)
        )
    assert _compare(service)["median_days_to_decision"] == 5.5
