# Alerts belong to capacity now (capacity/migrations/0001_initial.py takes the model over,
# with its table and rows); here it only leaves commissioning's state. Nothing in the
# database changes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("commissioning", "0004_assessment_history"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Alert")],
            database_operations=[],
        ),
    ]
