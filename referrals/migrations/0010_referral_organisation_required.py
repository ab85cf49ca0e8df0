import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0002_information_sharing_agreement"),
        ("referrals", "0009_referral_organisation"),
    ]

    operations = [
        # Earlier history rows get the organisation their service belonged to.
        migrations.RunSQL(
            "UPDATE referrals_referralhistory h SET organisation_id = s.organisation_id "
            "FROM providers_service s WHERE s.id = h.service_id AND h.organisation_id IS NULL",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="referral",
            name="organisation",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="referrals",
                to="providers.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="referralhistory",
            name="organisation",
            field=models.ForeignKey(
                db_constraint=False,
                default=None,
                editable=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="providers.organisation",
            ),
            preserve_default=False,
        ),
    ]
