"""The move of Notification and PendingTask from `partnership` kept their tables, indexes and
constraints as they were, and took their content types (with permissions) along."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from notifications.models import Notification, PendingTask

moved = import_module("notifications.migrations.0001_initial")


@pytest.mark.django_db
def test_migrations_the_models_state_matches_the_migrations_of_both_apps():
    call_command("makemigrations", "partnership", "notifications", check=True, dry_run=True)


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Notification, PendingTask])
def test_migrations_each_table_keeps_its_name_its_indexes_and_its_constraints(model):
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    declared = {index.name for index in model._meta.indexes}
    declared |= {constraint.name for constraint in model._meta.constraints}
    assert model._meta.db_table.startswith("partnership_")
    assert declared <= found.keys()


@pytest.fixture
def content_type_cache_cleared():
    """The rows this test changes are rolled back; the cache of them must go too."""
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.mark.django_db
@pytest.mark.usefixtures("content_type_cache_cleared")
def test_migrations_the_content_types_and_their_permissions_move_with_the_models():
    ContentType.objects.filter(app_label="notifications").delete()
    old = ContentType.objects.create(app_label="partnership", model="notification")
    permission = Permission.objects.create(
        content_type=old, codename="view_notification", name="Can view notification"
    )

    moved.content_types_forward(apps, None)

    old.refresh_from_db()
    assert (old.app_label, old.model) == ("notifications", "notification")
    permission.refresh_from_db()
    assert permission.content_type_id == old.pk
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(Notification).pk == old.pk

    moved.content_types_backward(apps, None)
    old.refresh_from_db()
    assert old.app_label == "partnership"
