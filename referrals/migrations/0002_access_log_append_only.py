"""The access log is append-only: the database itself refuses UPDATE and DELETE on it."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION referrals_accesslog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER referrals_accesslog_append_only
    BEFORE UPDATE OR DELETE ON referrals_accesslog
    FOR EACH ROW EXECUTE FUNCTION referrals_accesslog_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS referrals_accesslog_append_only ON referrals_accesslog;
DROP FUNCTION IF EXISTS referrals_accesslog_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
