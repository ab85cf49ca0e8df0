"""Abandoned drafts: a notice to the practitioner before an untouched draft is deleted, and the retention run's counts of both."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0012_access_log_truncate_guard"),
    ]

    operations = [
        migrations.AddField(
            model_name="retentionrun",
            name="drafts_deleted",
            field=models.PositiveIntegerField(
                default=0, help_text="Drafts deleted, still untouched after the notice"
            ),
        ),
        migrations.AddField(
            model_name="retentionrun",
            name="drafts_flagged",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Untouched drafts whose practitioner was told they will be deleted",
            ),
        ),
        migrations.CreateModel(
            name="DraftExpiryNotice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "referral",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="expiry_notice",
                        to="referrals.referral",
                    ),
                ),
            ],
        ),
    ]
