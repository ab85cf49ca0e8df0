"""Demo referrals: the demo practitioner's referrals in every state to the demo provider,
with risk information and a sample PDF risk document; and the London PDU's own."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from partnership.models import DesiredOutcome, User
from providers.models import Service
from referrals import services
from referrals.models import EndOfServiceReport, Referral, RiskInformation, Status

# A small, valid one-page PDF, so the sample risk document opens in any reader.
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 73>>stream\nBT /F1 18 Tf 72 770 Td (Risk assessment summary: sample document) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

PEOPLE = [
    # (status, CRN, first, last, born, sex, reason); the people on probation have names no
    # member of staff in the demo has.
    (
        Status.DRAFT,
        "D100001",
        "Kyle",
        "Brennan",
        date(1994, 3, 2),
        "male",
        "Kyle leaves approved premises in three weeks and has nowhere settled to go.",
    ),
    (
        Status.SENT,
        "D100002",
        "Marcus",
        "Okoye",
        date(1988, 11, 19),
        "male",
        "Marcus is sofa-surfing with friends and his probation appointments keep slipping because of it.",
    ),
    (
        Status.RETURNED,
        "D100003",
        "Liam",
        "Hughes",
        date(2001, 6, 7),
        "male",
        "Liam has rent arrears at his council flat and a notice seeking possession.",
    ),
    (
        Status.ACCEPTED,
        "D100004",
        "Daniel",
        "Price",
        date(1979, 1, 25),
        "male",
        "Daniel is due for release next month and needs accommodation arranged before then.",
    ),
    (
        Status.DECLINED,
        "D100005",
        "Ryan",
        "Walsh",
        date(1990, 9, 14),
        "male",
        "Ryan needs support to keep his private tenancy after losing his job.",
    ),
    (
        Status.WITHDRAWN,
        "D100006",
        "Craig",
        "Doyle",
        date(1985, 4, 30),
        "male",
        "Craig was living in his car and needed emergency accommodation support.",
    ),
]

RISK = {
    "rosh_children": "low",
    "rosh_public": "medium",
    "rosh_known_adult": "medium",
    "rosh_staff": "low",
    "summary": "Violence towards a former partner when drinking; no incidents in the last two years.",
    "risk_to_self": "Self-harm in custody in 2019; none since.",
    "staff_safety": "Meet in the office or public places for the first sessions. Do not visit the home alone.",
}
# The date of the demo's risk assessment; never after the day the demo is loaded.
RISK_ASSESSED_ON = date(2026, 10, 12)


# When each state's referral happened, in days before today: started, sent, decided.
STATE_DAYS_AGO = {
    Status.DRAFT: (2, None, None),
    Status.SENT: (2, 1, None),
    Status.RETURNED: (9, 8, 6),
    Status.ACCEPTED: (12, 11, 9),
    Status.DECLINED: (16, 15, 13),
    Status.WITHDRAWN: (20, None, 18),
}


def demo_moment(days_ago: int, hour: int, minute: int = 0) -> datetime:
    """A moment of a working day some days before today, in local time: always in the past,
    whatever the hour the demo is loaded at."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


# Which moment of a referral's story each timeline entry, and each notification, belongs to.
_STARTED = {"created", "amended", "risk_amended", "document_added", "document_removed"}
_DECIDED = {"accept", "return", "decline", "withdraw"}
_NOTIFIED = {
    "referral_sent": "sent",
    "referral_accepted": "decided",
    "referral_returned": "decided",
    "referral_declined": "decided",
    "referral_withdrawn": "decided",
    "referral_assigned": "assigned",
    "concern": "concern",
    "concern_urgent": "concern",
    "end_of_service_report": "report",
}


def demo_retime(
    referral: Referral,
    *,
    started: datetime,
    sent: datetime | None = None,
    decided: datetime | None = None,
    concern: datetime | None = None,
    report: datetime | None = None,
) -> None:
    """Move a demo referral's record from the moment the demo was loaded to when its story
    happened: started, then sent, then decided and assigned, then its sessions on the days
    they were held, then any concern and its end-of-service report."""
    from notifications.models import Notification

    sessions = list(referral.sessions.order_by("held_on", "id"))
    session_times = [
        timezone.make_aware(datetime.combine(s.held_on, time(15, 0))) + timedelta(minutes=n)
        for n, s in enumerate(sessions)
    ]
    for session, at in zip(sessions, session_times, strict=True):
        type(session).objects.filter(pk=session.pk).update(created_at=at)
    moments = {
        "sent": sent,
        "decided": decided,
        "assigned": decided + timedelta(minutes=30) if decided else None,
        "concern": concern,
        "report": report,
    }
    events = list(referral.events.order_by("id"))
    # Started, amended and documented a few minutes apart, all before whatever came next.
    gap = timedelta(minutes=5)
    following = sent or decided
    if following is not None:
        gap = min(gap, (following - started) / (1 + sum(e.kind in _STARTED for e in events)))
    step = 0
    recorded = iter(session_times)
    last = started
    for event in events:
        if event.kind in _STARTED:
            at = started + gap * step
            step += 1
        elif event.kind == "send":
            at = sent
        elif event.kind in _DECIDED:
            at = decided
        elif event.kind == "assign":
            at = moments["assigned"]
        elif event.kind == "start":
            at = session_times[0] - timedelta(minutes=1)
        elif event.kind == "session":
            at = next(recorded)
        elif event.kind == "concern":
            at = concern
        elif event.kind == "complete":
            at = report
        else:
            at = last
        event.at, last = at, at
        event.save(update_fields=["at"])
    referral.documents.update(uploaded_at=started + gap)
    RiskInformation.objects.filter(referral=referral).update(updated_at=started)
    referral.concerns.update(raised_at=concern or last)
    EndOfServiceReport.objects.filter(referral=referral).update(sent_at=report or last)
    Referral.objects.filter(pk=referral.pk).update(
        created_at=started, sent_at=sent, decided_at=decided, updated_at=last
    )
    for notification in Notification.objects.filter(title__contains=referral.reference):
        at = moments.get(_NOTIFIED.get(notification.kind, ""))
        if at is not None:
            Notification.objects.filter(pk=notification.pk).update(created_at=at)
    referral.refresh_from_db()


def demo_referral_make(
    practitioner: User,
    service: Service,
    crn: str,
    first: str,
    last: str,
    born: date,
    sex: str,
    reason: str,
):
    referral, created = services.referral_start(
        practitioner=practitioner, service=service, crn=crn, idempotency_key=f"demo-{crn}"
    )
    if not created:
        return referral, False
    services.referral_update(
        referral=referral,
        by=practitioner,
        data={
            "first_name": first,
            "last_name": last,
            "date_of_birth": born,
            "sex": sex,
            "phone": "07700 900" + crn[-3:],
            "address": "Manchester",
            "consent_basis": "consent",
            "reason": reason,
            "availability": "Weekday mornings",
        },
        desired_outcomes=DesiredOutcome.objects.filter(category__in=service.categories.all())[:2],
    )
    assessed = min(RISK_ASSESSED_ON, timezone.localdate())
    services.risk_update(
        referral=referral, by=practitioner, data={**RISK, "last_assessed_on": assessed}
    )
    services.document_add(
        referral=referral, by=practitioner, name="risk-assessment-summary.pdf", content=SAMPLE_PDF
    )
    return referral, True


def load(*, users: dict[str, User], progress) -> dict[str, int]:
    practitioner = users["practitioner@demo.example"]
    admin = users["provider-admin@demo.example"]
    caseworker = users["caseworker@demo.example"]
    housing = Service.objects.get(organisation=admin.organisation, name="Housing first steps")
    made = 0
    for state, crn, first, last, born, sex, reason in PEOPLE:
        referral, created = demo_referral_make(
            practitioner, housing, crn, first, last, born, sex, reason
        )
        if not created:
            continue
        made += 1
        started_ago, sent_ago, decided_ago = STATE_DAYS_AGO[state]
        started = demo_moment(started_ago, 14, 10)
        sent = demo_moment(sent_ago, 9, 40) if sent_ago is not None else None
        decided = demo_moment(decided_ago, 11, 25) if decided_ago is not None else None
        if state == Status.WITHDRAWN:
            services.referral_withdraw(referral=referral, by=practitioner, reason="needs_met")
        elif state != Status.DRAFT:
            services.referral_send(referral=referral, by=practitioner)
        if state == Status.RETURNED:
            services.referral_return(
                referral=referral, by=admin, reason="Please add his sentence end date."
            )
        elif state == Status.ACCEPTED:
            services.referral_accept(referral=referral, by=admin)
            services.referral_assign(referral=referral, by=admin, caseworker=caseworker)
        elif state == Status.DECLINED:
            services.referral_decline(referral=referral, by=admin, reason="no_capacity")
        demo_retime(referral, started=started, sent=sent, decided=decided)

    made += _outcome_history(practitioner, housing, admin, caseworker)
    made += _work_queues(practitioner, housing, admin, caseworker)

    london = users["practitioner2@demo.example"]
    women = Service.objects.get(
        organisation=users["other-provider@demo.example"].organisation,
        name="Women's centre support",
    )
    referral, created = demo_referral_make(
        london,
        women,
        "L200001",
        "Amara",
        "Mensah",
        date(1992, 8, 3),
        "female",
        "Amara wants support with wellbeing and to rebuild contact with her children.",
    )
    if created:
        services.referral_send(referral=referral, by=london)
        demo_retime(referral, started=demo_moment(4, 15, 30), sent=demo_moment(3, 10, 5))
        made += 1
    progress(
        f"referrals: {made} new, {Referral.objects.filter(idempotency_key__startswith='demo-').count()} in all"
    )
    return {"referrals": made}


HISTORY = [
    # (CRN, first, last, born, finished): finished ones get an end-of-service report.
    ("D100011", "Aaron", "Fisher", date(1987, 2, 11), True),
    ("D100012", "Jamal", "Osei", date(1996, 7, 23), True),
    ("D100013", "Owen", "Clarke", date(1983, 12, 5), True),
    ("D100014", "Tyler", "Bennett", date(1999, 10, 30), True),
    ("D100015", "Sean", "Murphy", date(1991, 5, 18), False),
]


def _outcome_history(practitioner, service, admin, caseworker) -> int:
    """Completed referrals with sessions and reports, and one in progress with an open
    urgent concern, so the service has a track record and the practitioner has feedback."""
    today = timezone.localdate()
    made = 0
    for index, (crn, first, last, born, finished) in enumerate(HISTORY):
        referral, created = demo_referral_make(
            practitioner,
            service,
            crn,
            first,
            last,
            born,
            "male",
            f"{first} needs help to find and keep a settled home after release.",
        )
        if not created:
            continue
        made += 1
        services.referral_send(referral=referral, by=practitioner)
        # Sent four weeks ago and accepted the next day, so its sessions fall after both.
        sent = demo_moment(28 + index, 10, 15)
        Referral.objects.filter(pk=referral.pk).update(sent_at=sent)
        referral.refresh_from_db()
        services.referral_accept(referral=referral, by=admin)
        services.referral_assign(referral=referral, by=admin, caseworker=caseworker)
        for week, attendance in enumerate(
            ["attended", "attended", "late" if index % 2 else "attended"]
        ):
            services.session_record(
                referral=referral,
                by=caseworker,
                kind="first_contact" if week == 0 else "session",
                held_on=today - timedelta(days=21 - 7 * week),
                mode="in_person",
                attendance=attendance,
                engagement_notes="Engaged well and kept to the plan."
                if attendance == "attended"
                else "",
            )
        if finished:
            results = ["achieved", "partially_achieved", "not_achieved"]
            outcomes = {
                o.pk: (results[(index + n) % 3], "")
                for n, o in enumerate(referral.desired_outcomes.all())
            }
            services.report_send(
                referral=referral,
                by=caseworker,
                closing_reason="completed",
                summary=f"{first} moved into a settled tenancy and is managing the rent.",
                outcomes=outcomes,
            )
        else:
            services.concern_raise(
                referral=referral,
                by=caseworker,
                urgency="urgent",
                what_happened=f"{first} said he had been threatened by a former associate.",
                actions_taken="Advised him to contact the police; told his practitioner.",
            )
        demo_retime(
            referral,
            started=sent - timedelta(days=1, hours=2),
            sent=sent,
            decided=sent + timedelta(days=1),
            concern=None if finished else demo_moment(6, 16, 45),
            report=demo_moment(5, 12, 0) if finished else None,
        )
    return made


QUEUES = [
    # (CRN, first, last, born, what the provider's queues get from it)
    ("D100021", "Nathan", "Cole", date(1993, 4, 9), "overdue decision"),
    ("D100022", "Kieran", "Lowe", date(1986, 8, 21), "unassigned"),
    ("D100023", "Jordan", "Hale", date(1998, 2, 14), "report overdue"),
]
# Far enough back that any three weeks' working days (bank holidays and all) have passed.
QUEUE_DAYS_AGO = 21


def _work_queues(practitioner, service, admin, caseworker) -> int:
    """Referrals that give every home queue something whatever the day: one sent three
    weeks ago and still awaiting a decision (overdue), one accepted and not yet assigned,
    and one of the caseworker's whose last session was three weeks ago (report overdue)."""
    back = demo_moment(QUEUE_DAYS_AGO, 9, 30)
    made = 0
    for crn, first, last, born, queue in QUEUES:
        referral, created = demo_referral_make(
            practitioner,
            service,
            crn,
            first,
            last,
            born,
            "male",
            f"{first} is behind on his rent and needs help to keep his tenancy.",
        )
        if not created:
            continue
        made += 1
        referral = services.referral_send(referral=referral, by=practitioner)
        Referral.objects.filter(pk=referral.pk).update(sent_at=back)
        referral.refresh_from_db()
        retime = {"started": back - timedelta(days=1), "sent": back}
        if queue == "overdue decision":
            demo_retime(referral, **retime)
            continue
        # Accepted the morning it was sent, before the first session that afternoon.
        services.referral_accept(referral=referral, by=admin)
        retime["decided"] = back + timedelta(hours=2)
        if queue == "unassigned":
            demo_retime(referral, **retime)
            continue
        services.referral_assign(referral=referral, by=admin, caseworker=caseworker)
        services.session_record(
            referral=referral,
            by=caseworker,
            kind="first_contact",
            held_on=timezone.localdate() - timedelta(days=QUEUE_DAYS_AGO),
            mode="phone",
            attendance="attended",
            engagement_notes="Agreed a plan for the tenancy.",
        )
        demo_retime(referral, **retime)
    return made
