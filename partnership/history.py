"""Audit history with django-pghistory: who changed a tracked row, what and when.

Database triggers copy each inserted or changed row of a tracked model into its history
table; the change's context (the signed-in user and the page or API address, from
`pghistory.middleware.HistoryMiddleware`; the task or command otherwise) goes with it.
"""

from __future__ import annotations

import pghistory
from celery.signals import task_postrun, task_prerun


def track_changes(*, model_name: str, verbose_name_plural: str):
    """Track inserts and changes of every field of a model in `<model_name>`; saves that
    only touch an `auto_now` field record nothing."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude_auto=True)),
        obj_field=pghistory.ObjForeignKey(related_name="history"),
        model_name=model_name,
        meta={"verbose_name": "change", "verbose_name_plural": verbose_name_plural},
    )


# Celery tasks have no signed-in user: their changes are put down to the task.
_task_contexts: dict[str, pghistory.context] = {}


@task_prerun.connect
def _task_context_enter(task_id=None, task=None, **kwargs) -> None:
    context = pghistory.context(task=task.name if task else None, task_id=task_id)
    context.__enter__()
    _task_contexts[task_id] = context


@task_postrun.connect
def _task_context_exit(task_id=None, **kwargs) -> None:
    context = _task_contexts.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)
