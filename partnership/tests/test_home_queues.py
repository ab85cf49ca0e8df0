"""Home pages are work queues: what needs the practitioner's attention, the provider admin's
decisions, assignments, alerts and expiring training, and the caseworker's own cases. The
demo gives every queue something whatever the day."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from partnership.models import Role
from partnership.tests.factories import UserFactory
from partnership.working_days import working_days_between
from providers.models import TrainingRecord
from providers.tests.factories import make_service
from referrals import selectors, services
from referrals.models import Referral, Status
from referrals.tests.factories import provider_admin_for, referral_in

pytestmark = pytest.mark.django_db


def sent_days_ago(referral, days):
    moment = timezone.now() - timedelta(days=days)
    Referral.objects.filter(pk=referral.pk).update(sent_at=moment, created_at=moment)
    return Referral.objects.get(pk=referral.pk)


def test_the_practitioners_home_counts_and_links_each_queue(client):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service()
    draft = referral_in(Status.DRAFT, practitioner=practitioner, service=service)
    returned = referral_in(Status.RETURNED, practitioner=practitioner, service=service)
    accepted = referral_in(Status.ACCEPTED, practitioner=practitioner, service=service)
    services.concern_raise(
        referral=accepted,
        by=provider_admin_for(service),
        urgency="routine",
        what_happened="Missed a call.",
    )
    # Another practitioner's draft in the same PDU is not this one's work.
    referral_in(Status.DRAFT, service=service)
    client.force_login(practitioner)
    page = client.get("/").content.decode()
    assert "What needs your attention" in page
    assert "Returned for more information (1)" in page
    assert f"/referrals/{returned.public_id}/tasks/" in page
    assert "Concerns to acknowledge (1)" in page
    assert f"Concern on referral {accepted.reference}" in page
    assert "Drafts to finish (1)" in page
    assert f"Draft referral {draft.reference} to {service.name}" in page
    assert f"/referrals/{draft.public_id}/tasks/" in page
    assert f"/referrals/{accepted.public_id}/#concerns" in page
    assert "New end-of-service reports (0)" in page
    # The context comes after the work.
    assert page.index("What needs your attention") < page.index("Probation Delivery Unit")


def test_the_provider_admins_home(client):
    service = make_service()
    admin = provider_admin_for(service)
    oldest = sent_days_ago(referral_in(Status.SENT, service=service), 20)
    referral_in(Status.SENT, service=service)
    unassigned = referral_in(Status.ACCEPTED, service=service)
    today = timezone.localdate()
    expiring = UserFactory(role=Role.CASEWORKER, organisation=service.organisation)
    TrainingRecord.objects.create(
        staff_member=expiring,
        kind="risk_awareness",
        completed_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=10),
    )
    renewed = UserFactory(role=Role.CASEWORKER, organisation=service.organisation)
    for expires_in in (10, 400):
        TrainingRecord.objects.create(
            staff_member=renewed,
            kind="risk_awareness",
            completed_on=today - timedelta(days=5),
            expires_on=today + timedelta(days=expires_in),
        )
    later = UserFactory(role=Role.CASEWORKER, organisation=service.organisation)
    TrainingRecord.objects.create(
        staff_member=later,
        kind="risk_awareness",
        completed_on=today,
        expires_on=today + timedelta(days=60),
    )

    client.force_login(admin)
    page = client.get("/").content.decode()
    waited = working_days_between(timezone.localtime(oldest.sent_at).date(), today)
    assert "Awaiting a decision (2)" in page
    assert f"The oldest has waited {waited} working days" in page
    assert "1 is past its decision due date" in page
    assert "Accepted but not assigned (1)" in page
    assert f"Referral {unassigned.reference} to {service.name}" in page
    assert f"/referrals/{unassigned.public_id}/" in page
    assert "Risk training running out within 30 days (1)" in page
    expires = (today + timedelta(days=10)).strftime("%-d %B %Y")
    assert f"{escape(expiring.full_name)}: expires {expires}" in page
    assert escape(renewed.full_name) not in page and escape(later.full_name) not in page
    assert 'data-testid="alert-count"' in page
    assert page.index("What needs your attention") < page.index('data-testid="context"')


def test_the_caseworkers_cases_with_what_is_next_and_overdue_first(client):
    service = make_service()
    admin = provider_admin_for(service)
    caseworker = UserFactory(role=Role.CASEWORKER, organisation=service.organisation)
    fresh = referral_in(Status.ACCEPTED, service=service)
    services.referral_assign(referral=fresh, by=admin, caseworker=caseworker)
    stale = sent_days_ago(referral_in(Status.ACCEPTED, service=service), 30)
    services.referral_assign(referral=stale, by=admin, caseworker=caseworker)
    services.session_record(
        referral=stale,
        by=caseworker,
        kind="first_contact",
        held_on=timezone.localdate() - timedelta(days=21),
        mode="phone",
        attendance="attended",
    )
    # Someone else's case is not in the list.
    other = referral_in(Status.ACCEPTED, service=service)

    cases = selectors.caseworker_cases(user=caseworker)
    assert [row["referral"].pk for row in cases["cases"]] == [stale.pk, fresh.pk]
    assert cases["overdue"] == 1 and cases["overdue_reports"] == 1
    assert cases["cases"][1]["next_step"] == "First contact"

    client.force_login(caseworker)
    page = client.get("/").content.decode()
    start = page.index('data-testid="my-cases"')
    section = page[start : page.index("</section>", start)]
    assert "My cases (2)" in section
    assert "1 case overdue" in section
    assert other.reference not in section
    assert section.index(stale.reference) < section.index(fresh.reference)


@pytest.mark.parametrize("day", [date(2026, 12, 1), date(2026, 12, 25), date(2027, 1, 31)])
def test_the_demo_gives_every_queue_something_on_any_day(day):
    from partnership.demo import load_demo
    from partnership.models import User

    moment = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    moment = moment.replace(hour=10)
    real_localdate = timezone.localdate
    with (
        mock.patch("django.utils.timezone.now", return_value=moment),
        # localdate() of no value is the day; of a value, that value's own day.
        mock.patch(
            "django.utils.timezone.localdate",
            side_effect=lambda value=None, timezone=None: real_localdate(value or moment, timezone),
        ),
    ):
        load_demo()
        practitioner = User.objects.get(email="practitioner@demo.example")
        admin = User.objects.get(email="provider-admin@demo.example")
        caseworker = User.objects.get(email="caseworker@demo.example")
        attention = selectors.referrals_needing_attention(user=practitioner)
        for queue in ("returned", "concerns", "new_reports", "drafts"):
            assert attention[queue]["count"], queue
        provider = selectors.provider_admin_work_queue(user=admin, today=day)
        assert provider["awaiting"]["count"] and provider["awaiting"]["overdue"]
        assert provider["unassigned"]["count"]
        assert provider["training_expiring"]["count"]
        cases = selectors.caseworker_cases(user=caseworker, today=day)
        assert cases["count"] and cases["overdue_reports"]


def _plain_queue(items, *fields, **named):
    """What a queue was before its count came with its items: a count, then the first few."""
    return {
        "count": items.order_by().count(),
        "items": list(items.select_related(None).values(*fields, **named)[: selectors.QUEUE_SHOWN]),
    }


def test_a_queue_longer_than_it_shows_counts_every_item(client):
    """The queues' counts come in one statement, beside a statement for each queue's
    items: more items than are shown still count in full, and the items are the plain
    query's."""
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service()
    for _ in range(selectors.QUEUE_SHOWN + 2):
        referral_in(Status.DRAFT, practitioner=practitioner, service=service)
    for _ in range(selectors.QUEUE_SHOWN + 1):
        referral_in(Status.RETURNED, practitioner=practitioner, service=service)
    with CaptureQueriesContext(connection) as queries:
        attention = selectors.referrals_needing_attention(user=practitioner)
    assert len(queries) == 1 + len(attention)

    own = selectors.referral_list_visible_to(user=practitioner).filter(practitioner=practitioner)
    newest = ("-updated_at", "-id")
    assert attention["drafts"] == _plain_queue(
        own.filter(status=Status.DRAFT).order_by(*newest),
        "public_id",
        "reference",
        "updated_at",
        service_name=F("service__name"),
    )
    assert attention["drafts"]["count"] == selectors.QUEUE_SHOWN + 2
    assert attention["returned"]["count"] == selectors.QUEUE_SHOWN + 1
    assert len(attention["returned"]["items"]) == selectors.QUEUE_SHOWN
    assert attention["concerns"] == {"count": 0, "items": []}

    client.force_login(practitioner)
    page = client.get("/").content.decode()
    assert f"Drafts to finish ({selectors.QUEUE_SHOWN + 2})" in page
    assert f"See all {selectors.QUEUE_SHOWN + 2} drafts" in page


def test_the_training_queue_counts_staff_not_their_records():
    """The expiring-training queue is grouped by person: its count is of people, however
    many records each has."""
    service = make_service()
    admin = provider_admin_for(service)
    today = timezone.localdate()
    for _ in range(selectors.QUEUE_SHOWN + 1):
        member = UserFactory(role=Role.CASEWORKER, organisation=service.organisation)
        for days in (5, 10):
            TrainingRecord.objects.create(
                staff_member=member,
                kind="risk_awareness",
                completed_on=today - timedelta(days=300),
                expires_on=today + timedelta(days=days),
            )
    queue = selectors.provider_admin_work_queue(user=admin, today=today)["training_expiring"]
    assert queue["count"] == selectors.QUEUE_SHOWN + 1
    assert len(queue["items"]) == selectors.QUEUE_SHOWN
    assert all(item["expires_on"] == today + timedelta(days=10) for item in queue["items"])
