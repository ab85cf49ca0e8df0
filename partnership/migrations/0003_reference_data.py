"""Loads the 12 probation regions, the 108 PDUs and the service categories."""

from django.db import migrations


def load(apps, schema_editor):
    from partnership.reference import load_reference_data

    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("partnership", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
