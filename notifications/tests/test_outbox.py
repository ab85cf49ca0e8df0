"""The outbox: a task recorded in the transaction of the change that needs it is handed to the
broker after the commit and then forgotten; what the broker never took (it was down) the
sweep sends later, oldest first, stopping while the broker is still away."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import PendingTask
from notifications.services import pending_task_record, pending_task_send, pending_tasks_send_due
from partnership.celery import app
from partnership.tests.outages import redis_unreachable

RECOMPUTE = "commissioning.tasks.capacity_alerts_for_service"


@pytest.mark.django_db
def test_a_recorded_task_goes_to_the_broker_after_the_commit_and_is_forgotten(
    django_capture_on_commit_callbacks,
):
    with (
        mock.patch.object(app, "send_task") as send_task,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        recorded = pending_task_record(task_name=RECOMPUTE, args=[1, "2026-11"])
        transaction.on_commit(lambda: pending_task_send(pending_task=recorded))
        send_task.assert_not_called()
        assert PendingTask.objects.filter(pk=recorded.pk).exists()

    send_task.assert_called_once_with(RECOMPUTE, args=[1, "2026-11"], retry=False)
    assert not PendingTask.objects.exists()


@pytest.mark.django_db
def test_a_recorded_task_the_broker_refuses_stays_recorded():
    recorded = pending_task_record(task_name=RECOMPUTE, args=[1, "2026-11"])
    with redis_unreachable(), pytest.raises(Exception):  # noqa: B017 - whatever the broker raises
        pending_task_send(pending_task=recorded)
    assert PendingTask.objects.filter(pk=recorded.pk).exists()


@pytest.mark.django_db
def test_the_sweep_sends_recorded_tasks_oldest_first_and_stops_while_the_broker_is_down():
    old = timezone.now() - timedelta(minutes=10)
    first = PendingTask.objects.create(task_name=RECOMPUTE, args=[1, "2026-11"], created_at=old)
    second = PendingTask.objects.create(
        task_name=RECOMPUTE, args=[2, "2026-11"], created_at=old + timedelta(seconds=1)
    )
    fresh = PendingTask.objects.create(task_name=RECOMPUTE, args=[3, "2026-11"])

    with redis_unreachable():
        assert pending_tasks_send_due() == 0
    first.refresh_from_db()
    assert first.attempts == 1
    assert PendingTask.objects.count() == 3

    with mock.patch.object(app, "send_task") as send_task:
        assert pending_tasks_send_due() == 2
    assert [c.kwargs["args"] for c in send_task.call_args_list] == [[1, "2026-11"], [2, "2026-11"]]
    assert list(PendingTask.objects.all()) == [fresh]
    assert not PendingTask.objects.filter(pk=second.pk).exists()


def test_beat_runs_the_sweep_of_recorded_tasks():
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "notifications.tasks.pending_tasks_send" in schedule
