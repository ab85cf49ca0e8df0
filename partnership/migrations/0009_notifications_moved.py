"""Notification and PendingTask now belong to the `notifications` app, which took them over
in its state with their tables as they are (see notifications 0001): out of this app's state
only, no table dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0008_notification_sending"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="PendingTask"),
            ],
            database_operations=[],
        ),
    ]
