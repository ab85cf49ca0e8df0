"""Sending a notification: in the portal at once, by email through the worker after the
commit, once per recipient and event; the email task's retries; and the tasks' names from
before this app had its own, which messages and outbox rows already recorded still carry."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from conftest import wait_for
from notifications import services, tasks
from notifications.models import Notification, PendingTask
from notifications.tasks import notification_email_send
from partnership.celery import app
from partnership.tests.factories import UserFactory

OLD_TASK_NAMES = {
    "partnership.tasks.notification_email_send": tasks.notification_email_send,
    "partnership.tasks.notification_email_redeliver_stalled": (
        tasks.notification_email_redeliver_stalled
    ),
    "partnership.tasks.pending_tasks_send": tasks.pending_tasks_send,
}


@pytest.mark.celery
def test_a_notification_email_is_sent_exactly_once_by_a_real_worker(celery_worker_thread):
    user = UserFactory(email="casey@example.org")

    (notification,) = services.notification_send(
        recipients=[user], kind="referral_sent", title="A new referral", link="/referrals/1/"
    )

    wait_for(
        lambda: (
            Notification.objects.get(pk=notification.pk).email_status
            == Notification.EmailStatus.SENT
        )
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["casey@example.org"]
    assert "A new referral" in mail.outbox[0].subject
    assert "/referrals/1/" in mail.outbox[0].body

    # The same task delivered again (a redelivered message, the stalled sweep) sends nothing.
    assert notification_email_send.apply(args=[notification.pk]).get() is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_no_email_task_is_queued_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        services.notification_send(recipients=[user], kind="k", title="t")
    assert len(callbacks) == 1

    with mock.patch.object(notification_email_send, "delay") as delay:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.notification_send(recipients=[user], kind="k", title="rolled back")
            raise RuntimeError
        delay.assert_not_called()
    assert not Notification.objects.filter(title="rolled back").exists()


@pytest.mark.django_db
def test_a_dedupe_key_notifies_each_recipient_once():
    user = UserFactory()
    first = services.notification_send(
        recipients=[user], kind="alert", title="Over capacity", dedupe_key="alert-7"
    )
    again = services.notification_send(
        recipients=[user], kind="alert", title="Over capacity", dedupe_key="alert-7"
    )
    assert len(first) == 1 and again == []
    assert Notification.objects.filter(recipient=user).count() == 1


@pytest.mark.django_db
def test_a_transient_email_failure_is_retried_and_then_succeeds():
    user = UserFactory()
    (notification,) = services.notification_send(recipients=[user], kind="k", title="t")
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP down")),
        pytest.raises(services.TransientEmailError),
    ):
        services.notification_email_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.PENDING
    assert notification.email_attempts == 1

    assert services.notification_email_deliver(notification_id=notification.pk) is True
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "task_name",
    ["notifications.tasks.notification_email_send", "partnership.tasks.notification_email_send"],
)
def test_the_task_retries_with_backoff_on_a_transient_failure(task_name):
    task = app.tasks[task_name]
    user = UserFactory()
    (notification,) = services.notification_send(recipients=[user], kind="k", title="t")
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP down")),
        mock.patch.object(task, "retry", side_effect=RuntimeError("retrying")) as retry,
        pytest.raises(RuntimeError, match="retrying"),
    ):
        task.run(notification.pk)
    assert retry.call_args.kwargs["countdown"] == 30


@pytest.mark.django_db
def test_email_gives_up_after_the_last_attempt():
    user = UserFactory()
    (notification,) = services.notification_send(recipients=[user], kind="k", title="t")
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP down")):
        assert (
            services.notification_email_deliver(notification_id=notification.pk, max_attempts=1)
            is False
        )
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.FAILED


@pytest.mark.django_db
def test_stalled_pending_emails_are_found_for_redelivery():
    user = UserFactory()
    (old,) = services.notification_send(recipients=[user], kind="k", title="old")
    (new,) = services.notification_send(recipients=[user], kind="k", title="new")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert services.notification_email_stalled_ids() == [old.pk]


# The names from before -------------------------------------------------------------------


def test_each_task_still_answers_to_its_name_from_before_on_the_same_queue():
    router = app.amqp.router
    for old_name, task in OLD_TASK_NAMES.items():
        assert task.name.startswith("notifications.tasks."), task.name
        assert old_name in app.tasks, old_name
        assert router.route({}, old_name)["queue"].name == "default"
        assert router.route({}, task.name)["queue"].name == "default"
    beat = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "notifications.tasks.notification_email_redeliver_stalled" in beat
    assert not beat & OLD_TASK_NAMES.keys()


@pytest.mark.django_db
def test_the_sweeps_under_their_names_from_before_do_what_the_new_ones_do():
    user = UserFactory()
    (stalled,) = services.notification_send(recipients=[user], kind="k", title="t")
    Notification.objects.filter(pk=stalled.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    PendingTask.objects.create(
        task_name="referrals.tasks.anything",
        args=[1],
        created_at=timezone.now() - timedelta(minutes=10),
    )
    with (
        mock.patch.object(notification_email_send, "delay") as delay,
        mock.patch.object(app, "send_task") as send_task,
    ):
        assert app.tasks["partnership.tasks.notification_email_redeliver_stalled"].run() == 1
        assert app.tasks["partnership.tasks.pending_tasks_send"].run() == 1
    delay.assert_called_once_with(stalled.pk)
    assert send_task.call_args.args == ("referrals.tasks.anything",)
    assert not PendingTask.objects.exists()


@pytest.mark.celery
def test_an_email_recorded_under_the_old_task_name_is_sent_by_a_real_worker(
    celery_worker_thread,
):
    """An outbox row (or a queued message) from before the move names the old task: the
    worker still knows it, and the email goes once."""
    user = UserFactory(email="casey@example.org")
    with mock.patch.object(notification_email_send, "delay"):  # no email task queued
        (notification,) = services.notification_send(
            recipients=[user], kind="referral_sent", title="A new referral"
        )
    services.pending_task_record(
        task_name="partnership.tasks.notification_email_send", args=[notification.pk]
    )

    assert services.pending_tasks_send_due(older_than=timedelta(0)) == 1

    wait_for(
        lambda: (
            Notification.objects.get(pk=notification.pk).email_status
            == Notification.EmailStatus.SENT
        )
    )
    assert [email.to for email in mail.outbox] == [["casey@example.org"]]
    assert not PendingTask.objects.exists()
