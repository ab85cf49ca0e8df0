"""Demo referrals: the demo practitioner's referrals in every state to the demo provider,
with risk information and a sample PDF risk document; and the London PDU's own."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from partnership.models import DesiredOutcome, User
from providers.models import Service
from referrals import services
from referrals.models import Referral, Status

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
    # (status, CRN, first, last, born, sex, reason)
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
        if state in (Status.DRAFT,):
            continue
        if state == Status.WITHDRAWN:
            services.referral_withdraw(referral=referral, by=practitioner, reason="needs_met")
            continue
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
        made += 1
    progress(
        f"referrals: {made} new, {Referral.objects.filter(idempotency_key__startswith='demo-').count()} in all"
    )
    return {"referrals": made}


HISTORY = [
    # (CRN, first, last, born, finished): finished ones get an end-of-service report.
    ("D100011", "Aaron", "Fisher", date(1987, 2, 11), True),
    ("D100012", "Jamal", "Reid", date(1996, 7, 23), True),
    ("D100013", "Owen", "Clarke", date(1983, 12, 5), True),
    ("D100014", "Tyler", "Bennett", date(1999, 10, 30), True),
    ("D100015", "Sean", "Murphy", date(1991, 5, 18), False),
]


def _outcome_history(practitioner, service, admin, caseworker) -> int:
    """Completed referrals with sessions and reports, and one in progress with an open
    urgent concern, so the service has a track record and the practitioner has feedback."""
    from datetime import timedelta

    from django.utils import timezone

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
        # Sent four weeks ago, so that its sessions fall after it was sent.
        sent_at = timezone.now() - timedelta(days=28)
        Referral.objects.filter(pk=referral.pk).update(created_at=sent_at, sent_at=sent_at)
        referral.events.exclude(kind="send").update(at=sent_at - timedelta(hours=1))
        referral.events.filter(kind="send").update(at=sent_at)
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
    from datetime import timedelta

    from django.utils import timezone

    back = timezone.now() - timedelta(days=QUEUE_DAYS_AGO)
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
        Referral.objects.filter(pk=referral.pk).update(created_at=back, sent_at=back)
        # Its timeline moves back with it: started and documented an hour before sending.
        referral.events.exclude(kind="send").update(at=back - timedelta(hours=1))
        referral.events.filter(kind="send").update(at=back)
        referral.refresh_from_db()
        if queue == "overdue decision":
            continue
        services.referral_accept(referral=referral, by=admin)
        if queue == "unassigned":
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
    return made
