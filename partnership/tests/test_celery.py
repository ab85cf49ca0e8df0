"""The Celery app's configuration, and notification email through a real worker."""

from unittest import mock

import pytest
from django.core import mail

from conftest import wait_for
from partnership import services
from partnership.celery import app
from partnership.models import Notification
from partnership.tasks import notification_email_send
from partnership.tests.factories import UserFactory


def test_celery_is_json_only_with_late_acks_and_time_limits():
    conf = app.conf
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit


def test_monitoring_tasks_are_routed_to_the_alerts_queue():
    router = app.amqp.router
    assert router.route({}, "capacity.tasks.capacity_recompute")["queue"].name == "alerts"
    assert router.route({}, "partnership.tasks.notification_email_send")["queue"].name == "default"


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    assert app.conf.beat_schedule
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


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
        with pytest.raises(RuntimeError):
            from django.db import transaction

            with transaction.atomic():
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
def test_the_task_retries_with_backoff_on_a_transient_failure():
    user = UserFactory()
    (notification,) = services.notification_send(recipients=[user], kind="k", title="t")
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP down")),
        mock.patch.object(
            notification_email_send, "retry", side_effect=RuntimeError("retrying")
        ) as retry,
        pytest.raises(RuntimeError, match="retrying"),
    ):
        notification_email_send.run(notification.pk)
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
    from datetime import timedelta

    from django.utils import timezone

    user = UserFactory()
    (old,) = services.notification_send(recipients=[user], kind="k", title="old")
    (new,) = services.notification_send(recipients=[user], kind="k", title="new")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert services.notification_email_stalled_ids() == [old.pk]
