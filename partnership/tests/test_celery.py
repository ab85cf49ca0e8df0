"""The Celery app's configuration."""

from partnership.celery import app


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
    assert (
        router.route({}, "notifications.tasks.notification_email_send")["queue"].name == "default"
    )
    assert router.route({}, "partnership.tasks.sessions_clear_expired")["queue"].name == "default"


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    assert app.conf.beat_schedule
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
