"""A work phone number on a user, shown with the referring practitioner's name."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("partnership", "0009_notifications_moved")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone",
            field=models.CharField(blank=True, max_length=30, verbose_name="phone number"),
        ),
    ]
