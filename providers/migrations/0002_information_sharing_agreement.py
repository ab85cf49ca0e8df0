"""Publishes version 1.0 of the information-sharing agreement that providers sign."""

from django.db import migrations


def publish(apps, schema_editor):
    from providers.agreement import publish_first_agreement

    publish_first_agreement(apps)


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]

    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
