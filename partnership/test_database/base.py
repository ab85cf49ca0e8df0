"""PostgreSQL, with a flush that tells the access log's TRUNCATE guard it is the suite's.

The guard (referrals migration 0012) lets a TRUNCATE through only in a test database,
for the table's owner, in a transaction that set `partnership.flush_access_log`; the app
role has no TRUNCATE privilege at all. Only the test settings use this backend.
"""

from django.db.backends.postgresql import base

FLUSH_SETTING = "SELECT set_config('partnership.flush_access_log', 'on', true)"


class DatabaseOperations(base.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        # The flush command runs these in one transaction, so the setting ends with it.
        return [FLUSH_SETTING, *statements] if statements else statements


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
