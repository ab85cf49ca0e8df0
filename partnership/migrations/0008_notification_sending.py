"""Email delivery claims the notification in its own commit (`sending`, with the time) before
calling the provider, so a crash or a lost connection never sends it twice."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0007_notification_secrets"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="email_claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="notification",
            name="email_status",
            field=models.CharField(
                choices=[
                    ("not_required", "Not required"),
                    ("pending", "Pending"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                ],
                default="not_required",
                max_length=15,
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("email_status", "pending")),
                fields=["created_at"],
                name="notification_email_pending",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("email_status", "sending")),
                fields=["email_claimed_at"],
                name="notification_email_sending",
            ),
        ),
    ]
