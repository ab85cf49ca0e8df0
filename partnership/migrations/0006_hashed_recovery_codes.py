"""Recovery codes are kept as salted password hashes: the codes already given are hashed
and their plain text removed; a proxy device checks codes against the hashes, and wrong
codes in a row are counted towards a lockout."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def hash_existing_codes(apps, schema_editor):
    """Hash every unused code (one salt per user's set, as new sets are made) and remove
    the plain text."""
    from django.contrib.auth.hashers import get_hasher, make_password

    StaticToken = apps.get_model("otp_static", "StaticToken")
    RecoveryCode = apps.get_model("partnership", "RecoveryCode")
    hasher = get_hasher()
    by_device: dict[int, list[str]] = {}
    for device_id, token in StaticToken.objects.values_list("device_id", "token").iterator():
        by_device.setdefault(device_id, []).append(token)
    for device_id, tokens in by_device.items():
        salt = hasher.salt()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(device_id=device_id, code_hash=make_password(token, salt, hasher))
            for token in tokens
        )
    StaticToken.objects.all().delete()


def codes_cannot_be_unhashed(apps, schema_editor):
    """Going back leaves the hashed codes unusable: people make new ones from Security."""


class Migration(migrations.Migration):
    dependencies = [
        ("otp_static", "0003_add_timestamps"),
        ("partnership", "0005_user_session_password_reset_request"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecoveryCodeDevice",
            fields=[],
            options={
                "verbose_name": "recovery codes",
                "verbose_name_plural": "recovery codes",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("otp_static.staticdevice",),
        ),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code_hash", models.CharField(max_length=128)),
                (
                    "device",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="code_hashes",
                        to="otp_static.staticdevice",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="TwoFactorLockout",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("failures", models.PositiveIntegerField(default=0)),
                ("last_failure_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("locked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="two_factor_lockout",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.RunPython(hash_existing_codes, codes_cannot_be_unhashed),
    ]
