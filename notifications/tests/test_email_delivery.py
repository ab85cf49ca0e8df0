"""Email delivery through a real broker and real workers: only the notification's row is
locked, so deliveries to a busy recipient are never skipped, and a busy row is tried again
in seconds; each email is claimed in its own commit before the provider is called, so a
killed worker or a lost database connection does not send it twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from conftest import wait_for
from notifications import services
from notifications.models import Notification
from notifications.notify import NotifyEmailBackend
from notifications.tasks import notification_email_redeliver_stalled, notification_email_send
from partnership.celery import app
from partnership.models import User
from partnership.tests.factories import UserFactory

Status = Notification.EmailStatus
BASE_DIR = Path(settings.BASE_DIR)


def _status(notification_id: int) -> str:
    return Notification.objects.values_list("email_status", flat=True).get(pk=notification_id)


def _pending(recipient: User, title: str = "A new referral") -> Notification:
    """A notification whose email waits, with no task queued for it."""
    return Notification.objects.create(
        recipient=recipient, kind="referral_sent", title=title, email_status=Status.PENDING
    )


@contextmanager
def held_in_another_transaction(*statements: tuple[str, list]):
    """Run `statements` in a transaction on a connection of its own and hold it (and the
    row locks it took) open until the block ends."""
    taken, release, failed = threading.Event(), threading.Event(), []

    def hold():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
                taken.set()
                release.wait(90)
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            failed.append(exc)
            taken.set()
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(10) and not failed, failed
        yield
    finally:
        release.set()
        holder.join(10)


@pytest.fixture
def threaded_worker(committed_db):
    """A real worker of four threads on the default queue, so deliveries run concurrently."""
    from celery.contrib.testing.worker import start_worker

    app.control.purge()
    with start_worker(
        app, pool="threads", concurrency=4, perform_ping_check=False, queues=["default"]
    ) as worker:
        yield worker


# Concurrency ------------------------------------------------------------------------------------


@pytest.mark.celery
def test_email_concurrency_deliveries_to_a_recipient_others_are_changing_are_all_sent(
    threaded_worker,
):
    recipient = UserFactory(email="provider-admin@example.org")
    table = User._meta.db_table
    notification_table = Notification._meta.db_table
    # What a sign-in and a referral being sent to this user do, held open throughout.
    with (
        held_in_another_transaction(
            (f"UPDATE {table} SET last_login = now() WHERE id = %s", [recipient.pk])
        ),
        held_in_another_transaction(
            (
                f"INSERT INTO {notification_table} (recipient_id, kind, title, body, link, "
                "dedupe_key, created_at, email_status, email_attempts) "
                "VALUES (%s, 'k', 'uncommitted', '', '', '', now(), 'not_required', 0)",
                [recipient.pk],
            )
        ),
    ):
        started = time.monotonic()
        notifications = [
            services.notification_send(recipients=[recipient], kind="referral_sent", title=f"#{n}")[
                0
            ]
            for n in range(40)
        ]
        ids = [n.pk for n in notifications]
        wait_for(
            lambda: Notification.objects.filter(pk__in=ids, email_status=Status.SENT).count() == 40,
            timeout=60,
        )
        assert time.monotonic() - started < 60
    assert len(mail.outbox) == 40
    assert sorted(message.subject for message in mail.outbox) == sorted(
        f"{settings.SERVICE_NAME}: #{n}" for n in range(40)
    )


@pytest.mark.celery
def test_email_concurrency_a_delivery_that_finds_its_row_busy_tries_again_in_seconds(
    threaded_worker,
):
    notification = _pending(UserFactory())
    table = Notification._meta.db_table
    with held_in_another_transaction(
        (f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [notification.pk])
    ):
        notification_email_send.delay(notification.pk)
        time.sleep(3)  # the delivery meets the locked row, perhaps more than once
        assert _status(notification.pk) == Status.PENDING and not mail.outbox
    released = time.monotonic()

    # Well before the stalled-email sweep (10 minutes) would look at it.
    wait_for(lambda: _status(notification.pk) == Status.SENT, timeout=15)
    assert time.monotonic() - released < 15
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_email_concurrency_the_delivery_locks_the_notification_only():
    notification = _pending(UserFactory())
    _SQL.clear()
    with connection.execute_wrapper(_record_sql):
        assert services.notification_email_deliver(notification_id=notification.pk) is True
    (locking,) = [sql for sql in _SQL if "FOR UPDATE" in sql]
    assert f'FOR UPDATE OF "{Notification._meta.db_table}" SKIP LOCKED' in locking


_SQL: list[str] = []


def _record_sql(execute, sql, params, many, context):
    _SQL.append(sql)
    return execute(sql, params, many, context)


# Exactly once ---------------------------------------------------------------------------------


class DroppingConnectionBackend(BaseEmailBackend):
    """Takes each email, then the worker's database connection is cut (a Postgres restart
    between the provider's answer and the record of it)."""

    sent: list = []
    drops = 0

    def send_messages(self, email_messages):
        DroppingConnectionBackend.sent.extend(email_messages)
        if DroppingConnectionBackend.drops == 0:
            DroppingConnectionBackend.drops += 1
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (pid,) = cursor.fetchone()
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            finally:
                other.close()
        return len(email_messages)


@pytest.mark.celery
def test_email_once_a_database_connection_lost_after_sending_does_not_send_again(
    threaded_worker,
):
    DroppingConnectionBackend.sent, DroppingConnectionBackend.drops = [], 0
    recipient = UserFactory(email="caseworker@example.org")
    backend = f"{__name__}.DroppingConnectionBackend"
    with override_settings(EMAIL_BACKEND=backend):
        (notification,) = services.notification_send(
            recipients=[recipient], kind="referral_sent", title="A new referral"
        )
        wait_for(lambda: _status(notification.pk) == Status.SENT, timeout=30)
        assert DroppingConnectionBackend.drops == 1

        # However often it is delivered again, or swept later, it is not sent again.
        Notification.objects.filter(pk=notification.pk).update(
            created_at=timezone.now() - timedelta(hours=1)
        )
        notification_email_redeliver_stalled.apply()
        assert notification_email_send.apply(args=[notification.pk]).get() is False
        time.sleep(1)

    assert [m.to for m in DroppingConnectionBackend.sent] == [["caseworker@example.org"]]
    notification.refresh_from_db()
    assert notification.email_status == Status.SENT and notification.email_sent_at
    assert notification.email_attempts == 1


@pytest.mark.django_db
def test_email_once_the_email_is_claimed_before_the_provider_is_called():
    notification = _pending(UserFactory())
    seen = []

    def send(message, fail_silently=False):
        seen.append(
            Notification.objects.values_list("email_status", "email_claimed_at").get(
                pk=notification.pk
            )
        )
        return 1

    with mock.patch("django.core.mail.EmailMessage.send", autospec=True, side_effect=send):
        assert services.notification_email_deliver(notification_id=notification.pk) is True
    ((status, claimed_at),) = seen
    assert status == Status.SENDING and claimed_at is not None
    notification.refresh_from_db()
    assert notification.email_status == Status.SENT


@pytest.mark.django_db
def test_email_once_a_claim_in_progress_is_never_sent_again():
    notification = _pending(UserFactory())
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Status.SENDING, email_claimed_at=timezone.now(), email_attempts=1
    )

    assert services.notification_email_deliver(notification_id=notification.pk) is False
    assert services.notification_email_claims_settle() == 0
    notification_email_redeliver_stalled.apply()

    assert not mail.outbox
    assert _status(notification.pk) == Status.SENDING


class NotifyHolding:
    """A GOV.UK Notify client that holds the emails of some references."""

    def __init__(self, references=()):
        self.references = set(references)
        self.sent = []

    def send_email_notification(self, **kwargs):
        self.sent.append(kwargs)
        self.references.add(kwargs["reference"])
        return {"id": "1"}

    def get_all_notifications(self, template_type=None, reference=None, **kwargs):
        found = [{"reference": reference}] if reference in self.references else []
        return {"notifications": found, "links": {}}


@contextmanager
def notify(client: NotifyHolding):
    with (
        override_settings(
            EMAIL_BACKEND="notifications.notify.NotifyEmailBackend", NOTIFY_TEMPLATE_ID="t-1"
        ),
        mock.patch.object(
            NotifyEmailBackend, "open", lambda backend: setattr(backend, "client", client)
        ),
    ):
        yield


@pytest.mark.django_db
def test_email_once_notify_gets_a_stable_reference_and_smtp_a_stable_message_id():
    notification = _pending(UserFactory(email="pat@example.org"))
    client = NotifyHolding()
    with notify(client):
        assert services.notification_email_deliver(notification_id=notification.pk) is True
    (sent,) = client.sent
    assert sent["reference"] == f"notification-{notification.pk}"
    assert sent["email_address"] == "pat@example.org"

    other = _pending(UserFactory())
    services.notification_email_deliver(notification_id=other.pk)
    (message,) = mail.outbox
    host = urlsplit(settings.PORTAL_BASE_URL).hostname
    assert message.message()["Message-ID"] == f"<notification-{other.pk}@{host}>"


def _cut_off_mid_send(notification: Notification, *, minutes_ago: int = 60) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Status.SENDING,
        email_claimed_at=timezone.now() - timedelta(minutes=minutes_ago),
        email_attempts=1,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


@pytest.mark.django_db
def test_email_once_a_stale_claim_that_notify_holds_is_settled_as_sent():
    held, lost = _pending(UserFactory()), _pending(UserFactory())
    _cut_off_mid_send(held)
    _cut_off_mid_send(lost)
    client = NotifyHolding(references=[f"notification-{held.pk}"])

    with notify(client), mock.patch.object(notification_email_send, "delay") as delay:
        notification_email_redeliver_stalled.apply()

    assert _status(held.pk) == Status.SENT
    # Notify never took the other: it is sent again.
    assert _status(lost.pk) == Status.PENDING
    assert [c.args for c in delay.call_args_list] == [(lost.pk,)]
    assert client.sent == []


@pytest.mark.django_db
def test_email_once_a_stale_claim_no_provider_can_vouch_for_is_sent_again():
    notification = _pending(UserFactory())
    _cut_off_mid_send(notification, minutes_ago=30)
    fresh = _pending(UserFactory())
    _cut_off_mid_send(fresh, minutes_ago=1)

    assert services.notification_email_claims_settle() == 1

    assert _status(notification.pk) == Status.PENDING
    assert _status(fresh.pk) == Status.SENDING  # still within its sending time
    assert services.notification_email_deliver(notification_id=notification.pk) is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_email_once_a_stale_claim_past_the_last_attempt_fails():
    notification = _pending(UserFactory())
    _cut_off_mid_send(notification)
    Notification.objects.filter(pk=notification.pk).update(email_attempts=6)

    assert services.notification_email_claims_settle() == 1
    assert _status(notification.pk) == Status.FAILED


# A worker child killed mid-send ---------------------------------------------------------------

BLOCKING_BACKEND = '''
import json, os, time
from pathlib import Path
from django.core.mail.backends.base import BaseEmailBackend

HERE = Path(__file__).parent


class Backend(BaseEmailBackend):
    """The provider takes the email, then the call hangs while `block` exists."""

    def send_messages(self, email_messages):
        with (HERE / "provider.log").open("a") as log:
            for message in email_messages:
                log.write(json.dumps({"pid": os.getpid(), "reference": message.reference}) + "\\n")
        while (HERE / "block").exists():
            time.sleep(0.05)
        return len(email_messages)
'''


def _test_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _provider_log(folder: Path) -> list[dict]:
    log = folder / "provider.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.mark.celery
@pytest.mark.slow
def test_email_once_a_worker_child_killed_mid_send_does_not_send_again(committed_db, tmp_path):
    (tmp_path / "blocking_backend.py").write_text(BLOCKING_BACKEND)
    (tmp_path / "email_once_settings.py").write_text(
        "from partnership.settings.test import *  # noqa\n"
        'EMAIL_BACKEND = "blocking_backend.Backend"\n'
    )
    (tmp_path / "block").touch()
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DJANGO_SETTINGS_MODULE": "email_once_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(BASE_DIR)]),
    }
    app.control.purge()
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "partnership", "worker", "-Q", "default"]
        + ["-P", "prefork", "-c", "1", "--without-gossip", "--without-mingle"]
        + ["--without-heartbeat", "-n", "email-once@%h", "-l", "INFO"],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        (notification,) = services.notification_send(
            recipients=[UserFactory()], kind="referral_sent", title="A new referral"
        )
        (taken,) = wait_for(lambda: _provider_log(tmp_path), timeout=60)
        assert taken["reference"] == f"notification-{notification.pk}"
        assert _status(notification.pk) == Status.SENDING

        # The provider has the email; the worker's child dies before it hears back.
        # Killed while the call still hangs, so that it cannot return first; then a child
        # that did call the provider again would not hang, and the test would see it.
        os.kill(taken["pid"], signal.SIGKILL)
        (tmp_path / "block").unlink()

        # The message is handed back and delivered again, by a new child: it sends nothing.
        wait_for(lambda: "succeeded in" in log.read_text(), timeout=60)
        text = log.read_text()
        assert "WorkerLostError" in text
        assert text.count("] received") == 2  # taken, then handed back and taken again
        assert "succeeded in" in text and text.rstrip().endswith(": False")
        time.sleep(1)
        assert len(_provider_log(tmp_path)) == 1
        assert _status(notification.pk) == Status.SENDING
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()

    # Once the claim is stale, a provider that can say it holds the email settles it as sent.
    Notification.objects.filter(pk=notification.pk).update(
        email_claimed_at=timezone.now() - timedelta(hours=1)
    )
    references = {entry["reference"] for entry in _provider_log(tmp_path)}
    with notify(NotifyHolding(references)):
        assert services.notification_email_claims_settle() == 1
    assert _status(notification.pk) == Status.SENT
    assert len(_provider_log(tmp_path)) == 1
