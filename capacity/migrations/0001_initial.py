# Alerts move here from commissioning with their rows: the model joins capacity's state on the
# table commissioning made (commissioning/migrations/0002_capacity_alerts.py), which then takes
# capacity's name, as does its regions table (renames: no row is copied). Its content type
# moves too, so that permissions and admin log entries still point at it.

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _content_type_moves(apps, schema_editor, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    if not content_types.filter(app_label=target, model="alert").exists():
        content_types.filter(app_label=source, model="alert").update(app_label=target)


def content_type_to_capacity(apps, schema_editor):
    _content_type_moves(apps, schema_editor, source="commissioning", target="capacity")


def content_type_to_commissioning(apps, schema_editor):
    _content_type_moves(apps, schema_editor, source="capacity", target="commissioning")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("commissioning", "0005_alert_moves_to_capacity"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("partnership", "0003_reference_data"),
        ("providers", "0002_information_sharing_agreement"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Alert",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "public_id",
                            models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
                        ),
                        (
                            "rule",
                            models.CharField(
                                choices=[
                                    ("over_capacity", "Over capacity"),
                                    ("heading_over", "Heading over capacity"),
                                    ("under_used", "Under-used"),
                                    ("long_wait", "Long wait"),
                                    ("unfunded_demand", "Unfunded demand"),
                                    ("agreement_milestone", "Agreement milestone"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "severity",
                            models.CharField(
                                choices=[("amber", "Amber"), ("red", "Red")], max_length=5
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Open"),
                                    ("acknowledged", "Acknowledged"),
                                    ("resolved", "Resolved"),
                                ],
                                default="open",
                                max_length=12,
                            ),
                        ),
                        (
                            "period",
                            models.DateField(
                                help_text="The first day of the month the alert is about"
                            ),
                        ),
                        ("figures", models.JSONField(blank=True, default=dict)),
                        ("message", models.TextField()),
                        ("opened_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("evaluated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("escalated_at", models.DateTimeField(blank=True, null=True)),
                        ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                        ("resolved_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "acknowledged_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "agreement",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="alerts",
                                to="commissioning.agreement",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="capacity_alerts",
                                to="providers.organisation",
                            ),
                        ),
                        (
                            "regions",
                            models.ManyToManyField(
                                blank=True, related_name="+", to="partnership.region"
                            ),
                        ),
                        (
                            "service",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="capacity_alerts",
                                to="providers.service",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-opened_at", "-id"],
                        "db_table": "commissioning_alert",
                        "indexes": [
                            models.Index(
                                fields=["status", "-opened_at"], name="alert_status_recent"
                            ),
                            models.Index(
                                fields=["organisation", "status"], name="alert_organisation"
                            ),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(
                                        ("agreement__isnull", True), ("service__isnull", False)
                                    ),
                                    models.Q(
                                        ("agreement__isnull", False), ("service__isnull", True)
                                    ),
                                    _connector="OR",
                                ),
                                name="alert_has_one_subject",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("period__day", 1)),
                                name="alert_period_is_first_of_month",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(
                                        ("resolved_at__isnull", False), ("status", "resolved")
                                    ),
                                    models.Q(
                                        models.Q(("status", "resolved"), _negated=True),
                                        ("resolved_at__isnull", True),
                                    ),
                                    _connector="OR",
                                ),
                                name="alert_resolved_when_resolved_at",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("status", "acknowledged"), _negated=True),
                                    ("acknowledged_at__isnull", False),
                                    _connector="OR",
                                ),
                                name="alert_acknowledged_has_when",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(
                                    ("service__isnull", False),
                                    models.Q(("status", "resolved"), _negated=True),
                                ),
                                fields=("service", "rule", "period"),
                                name="alert_one_unresolved_per_service_rule_period",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(
                                    ("agreement__isnull", False),
                                    models.Q(("status", "resolved"), _negated=True),
                                ),
                                fields=("agreement", "rule", "period"),
                                name="alert_one_unresolved_per_agreement_rule_period",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="alert", table=None),
        migrations.RunPython(content_type_to_capacity, content_type_to_commissioning),
    ]
