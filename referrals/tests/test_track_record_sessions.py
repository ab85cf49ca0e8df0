"""A track record never counts a session dated before the referral was sent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from providers.tests.factories import make_service
from referrals import selectors
from referrals.models import Session, Status
from referrals.tests.factories import provider_admin_for, referral_in, sent_on

pytestmark = pytest.mark.django_db


def _session(referral, held_on):
    # Written directly: the service refuses a session before sending, but old data has them.
    return Session.objects.create(
        referral=referral,
        kind=Session.Kind.FIRST_CONTACT,
        held_on=held_on,
        mode=Session.Mode.PHONE,
        attendance=Session.Attendance.ATTENDED,
        recorded_by=provider_admin_for(referral.service),
    )


def test_a_session_before_sending_is_not_first_contact():
    service = make_service(referral_requirements=[])
    today = timezone.localdate()
    referrals = [
        sent_on(referral_in(Status.ACCEPTED, service=service), today - timedelta(days=10))
        for _ in range(5)
    ]
    for referral in referrals:
        _session(referral, today - timedelta(days=31))  # three weeks before sending
    record = selectors.service_track_record(service=service)
    assert record["median_days_to_first_contact"] is None

    for referral in referrals:
        _session(referral, today - timedelta(days=6))  # four days after sending
    record = selectors.service_track_record(service=service)
    assert record["median_days_to_first_contact"] == 4


def test_a_session_on_the_day_of_sending_counts():
    service = make_service(referral_requirements=[])
    today = timezone.localdate()
    for _ in range(5):
        referral = sent_on(referral_in(Status.ACCEPTED, service=service), today - timedelta(days=3))
        _session(referral, today - timedelta(days=3))
    assert selectors.service_track_record(service=service)["median_days_to_first_contact"] == 0
