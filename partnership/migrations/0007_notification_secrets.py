"""Links to set a password are minted when the email is sent, never stored: clear those
that notifications written before kept (live for days, and shown in the admin)."""

from django.db import migrations

SET_PASSWORD_KINDS = ["password_reset", "staff_invited"]


def clear_stored_secret_links(apps, schema_editor):
    Notification = apps.get_model("partnership", "Notification")
    Notification.objects.filter(kind__in=SET_PASSWORD_KINDS).exclude(link="").update(link="")


class Migration(migrations.Migration):
    dependencies = [("partnership", "0006_hashed_recovery_codes")]

    operations = [migrations.RunPython(clear_stored_secret_links, migrations.RunPython.noop)]
