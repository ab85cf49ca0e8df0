"""The daily housekeeping of sessions: what ended sessions leave behind is removed."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from partnership import auth
from partnership.celery import app
from partnership.models import PasswordResetRequest, UserSession
from partnership.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_expired_sessions_and_their_records_go_and_current_ones_stay():
    user = UserFactory()
    now = timezone.now()
    Session.objects.create(session_key="old" * 8, session_data="", expire_date=now - timedelta(1))
    Session.objects.create(session_key="new" * 8, session_data="", expire_date=now + timedelta(1))
    UserSession.objects.create(
        user=user,
        session_key="old" * 8,
        created_at=now - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60),
    )
    UserSession.objects.create(user=user, session_key="new" * 8, created_at=now)
    PasswordResetRequest.objects.create(ip_address="192.0.2.1", requested_at=now - timedelta(2))
    PasswordResetRequest.objects.create(ip_address="192.0.2.1", requested_at=now)

    assert auth.sessions_clear_expired() == 1

    assert list(Session.objects.values_list("session_key", flat=True)) == ["new" * 8]
    assert list(UserSession.objects.values_list("session_key", flat=True)) == ["new" * 8]
    assert PasswordResetRequest.objects.count() == 1


def test_beat_clears_them_daily():
    app.loader.import_default_modules()
    (entry,) = [
        entry
        for entry in app.conf.beat_schedule.values()
        if entry["task"] == "partnership.tasks.sessions_clear_expired"
    ]
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {3}
