"""Timeliness reminders: escalation by working days, once per referral, stage and level."""

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from notifications.models import Notification
from partnership.models import Role
from partnership.tests.factories import CommissioningBodyFactory, UserFactory
from referrals.models import Referral, Reminder, Status
from referrals.reminders import reminders_send
from referrals.tests.factories import provider_admin_for, referral_in

LONDON = ZoneInfo("Europe/London")


def sent_on(referral, day: date):
    Referral.objects.filter(pk=referral.pk).update(
        sent_at=datetime(day.year, day.month, day.day, 10, tzinfo=LONDON)
    )


@pytest.mark.django_db
def test_a_late_decision_is_reminded_then_escalated_across_the_easter_weekend():
    referral = referral_in(Status.SENT)
    admin = provider_admin_for(referral.service)
    commissioner = UserFactory(
        role=Role.COMMISSIONER, commissioning_body=CommissioningBodyFactory()
    )
    # Sent Wednesday 1 April 2026: two working days is Thursday 2 and Tuesday 7 (Good Friday,
    # the weekend and Easter Monday do not count).
    sent_on(referral, date(2026, 4, 1))

    assert reminders_send(today=date(2026, 4, 7)) == 0
    assert reminders_send(today=date(2026, 4, 8)) == 1
    assert list(Reminder.objects.values_list("level", flat=True)) == ["provider"]
    assert Notification.objects.filter(recipient=admin, kind="reminder_decision").count() == 1

    assert reminders_send(today=date(2026, 4, 10)) == 1  # two working days later: the admin
    assert reminders_send(today=date(2026, 4, 15)) == 1  # five: the commissioner of the region
    assert (
        Notification.objects.filter(recipient=commissioner, kind="reminder_decision").count() == 1
    )
    assert reminders_send(today=date(2026, 4, 30)) == 0
    assert Reminder.objects.count() == 3


@pytest.mark.django_db
def test_no_reminder_once_decided_and_first_contact_is_its_own_stage():
    referral = referral_in(Status.ACCEPTED)
    sent_on(referral, date(2026, 3, 2))
    reminders_send(today=date(2026, 3, 30))
    assert set(Reminder.objects.values_list("stage", flat=True)) == {"first_contact"}


@pytest.mark.django_db
def test_running_twice_sends_one_reminder_per_stage_and_level():
    referral = referral_in(Status.SENT)
    admin = provider_admin_for(referral.service)
    sent_on(referral, date(2026, 1, 5))
    assert reminders_send(today=date(2026, 2, 2)) == 3
    assert reminders_send(today=date(2026, 2, 2)) == 0
    assert Reminder.objects.count() == 3
    # The admin is among the provider's staff and the admins: two reminders, never four.
    assert Notification.objects.filter(recipient=admin, kind="reminder_decision").count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_each_reminder_once(committed_db):
    referral = referral_in(Status.SENT)
    sent_on(referral, date(2026, 1, 5))
    results = []

    def run():
        try:
            results.append(reminders_send(today=date(2026, 2, 2)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 3
    assert Reminder.objects.count() == 3


@pytest.mark.django_db
def test_the_report_is_due_five_working_days_after_the_last_session():
    from referrals import services

    referral = referral_in(Status.ACCEPTED)
    sent_on(referral, date(2026, 3, 26))  # a session is never dated before the sending
    staff = provider_admin_for(referral.service)
    services.session_record(
        referral=referral,
        by=staff,
        kind="first_contact",
        held_on=date(2026, 3, 30),
        mode="phone",
        attendance="attended",
    )
    # Monday 30 March 2026 + 5 working days, skipping Good Friday and Easter Monday:
    # Wednesday 8 April, so it is late from the 9th.
    assert reminders_send(today=date(2026, 4, 8)) == 0
    assert reminders_send(today=date(2026, 4, 9)) == 1
    assert Reminder.objects.get().stage == "report"
