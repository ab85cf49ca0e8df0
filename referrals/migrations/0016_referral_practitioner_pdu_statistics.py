from django.db import migrations


class Migration(migrations.Migration):
    """A practitioner's referrals are all their PDU's: told so, the planner no longer
    multiplies the two filters' selectivities (32 rows expected of 793), and reads a
    practitioner's newest referrals from their index rather than sorting them all."""

    dependencies = [("referrals", "0015_referral_list_demand_and_order_indexes")]

    operations = [
        migrations.RunSQL(
            "CREATE STATISTICS IF NOT EXISTS referral_practitioner_pdu (dependencies) "
            "ON practitioner_id, pdu_id FROM referrals_referral",
            "DROP STATISTICS IF EXISTS referral_practitioner_pdu",
        )
    ]
