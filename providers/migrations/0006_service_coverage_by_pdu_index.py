from django.db import migrations


class Migration(migrations.Migration):
    """The services covering a region's PDUs (the demand drill-down) from the index alone:
    the coverage table's own index on the PDU holds no service."""

    dependencies = [
        ("providers", "0005_open_referral_order_and_change_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX service_pdus_by_pdu ON providers_service_pdus (pdu_id, service_id)",
            reverse_sql="DROP INDEX service_pdus_by_pdu",
        ),
    ]
