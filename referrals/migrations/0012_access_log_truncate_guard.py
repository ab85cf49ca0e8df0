"""The access log refuses TRUNCATE too, and lets its owner alone delete rows past retention.

Row triggers (0002) do not fire on TRUNCATE, so a statement-level trigger refuses it,
even to the table's owner. The one exception is the test suite's flush between tests: in
a test database (named `test_…`), by the owner, in a transaction that set
`partnership.flush_access_log` (partnership/test_database). The portal's own role has no
TRUNCATE, UPDATE or DELETE privilege on the table at all (partnership/db_roles.py).

DELETE is allowed only to the table's owner (or a superuser), only for rows older than the
retention period the transaction names in `partnership.access_log_retention_years` (one
year at least): that is the retention job, `manage.py prune_access_log`. UPDATE stays
refused to everyone.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION referrals_accesslog_refuse_change() RETURNS trigger AS $$
DECLARE
    retention_years integer := nullif(
        current_setting('partnership.access_log_retention_years', true), '')::integer;
BEGIN
    IF TG_OP = 'DELETE'
       AND retention_years >= 1
       AND pg_has_role(
           current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
       AND OLD.at < now() - make_interval(years => retention_years) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the access log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION referrals_accesslog_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF current_database() LIKE 'test\\_%'
       AND current_setting('partnership.flush_access_log', true) = 'on'
       AND pg_has_role(
           current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the access log is append-only: TRUNCATE is not allowed'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER referrals_accesslog_no_truncate
    BEFORE TRUNCATE ON referrals_accesslog
    FOR EACH STATEMENT EXECUTE FUNCTION referrals_accesslog_refuse_truncate();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS referrals_accesslog_no_truncate ON referrals_accesslog;
DROP FUNCTION IF EXISTS referrals_accesslog_refuse_truncate();

CREATE OR REPLACE FUNCTION referrals_accesslog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("referrals", "0011_provider_newest_index")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
