from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("capacity", "0004_alert_list_orders"),
    ]

    operations = [
        migrations.AddField(
            model_name="demandmonth",
            name="in_progress",
            field=models.BooleanField(
                default=False,
                help_text="The month had not ended when it was kept: only its capacity is read",
            ),
        ),
    ]
