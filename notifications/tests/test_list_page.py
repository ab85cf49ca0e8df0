"""The notifications page reads plain rows (`selectors.notification_rows_for`) and makes each
row's form from values worked out once: it must list what the user's notifications are, in
their order, and every form must still mark its own notification read."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import selectors
from notifications.tests.factories import NotificationFactory
from notifications.views import LIST_SHOWN
from partnership.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_rows_are_the_users_notifications_in_their_order():
    user = UserFactory()
    read = NotificationFactory(recipient=user, read_at=timezone.now(), link="/referrals/")
    unread = NotificationFactory(recipient=user, body="More about it")
    NotificationFactory()  # someone else's
    plain = list(selectors.notification_list_for(user=user)[:LIST_SHOWN])
    rows = selectors.notification_rows_for(user=user, limit=LIST_SHOWN)
    assert [row["pk"] for row in rows] == [n.pk for n in plain] == [unread.pk, read.pk]
    for row, notification in zip(rows, plain, strict=True):
        assert row["title"] == notification.title
        assert row["body"] == notification.body
        assert row["link"] == notification.link
        assert row["created_at"] == notification.created_at
        assert row["is_unread"] == notification.is_unread
        assert row["read_url"] == reverse("notification-read", args=[notification.pk])


def test_the_list_stops_at_its_limit():
    user = UserFactory()
    NotificationFactory.create_batch(3, recipient=user)
    assert len(selectors.notification_rows_for(user=user, limit=2)) == 2


def test_each_rows_form_marks_its_own_notification_read_with_the_pages_token():
    user = UserFactory()
    first = NotificationFactory(recipient=user)
    second = NotificationFactory(recipient=user, link="/account/api-tokens/")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    forms = re.findall(
        r'<form method="post" action="(/notifications/[^"]+)">\s*'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">',
        page,
    )
    assert [action for action, _ in forms] == [
        reverse("notifications-read-all"),
        f"/notifications/{second.pk}/read/",
        f"/notifications/{first.pk}/read/",
    ]
    action, token = forms[2]
    response = client.post(action, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
