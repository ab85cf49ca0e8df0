"""Prepared statements for the API's busiest read, a page of referrals.

Postgres parses and plans a statement each time it is sent; for a page of the referral list
that is as much work as running it. A `PreparedStatement` is sent once per database
connection as `PREPARE` and then only `EXECUTE`d, so later requests skip straight to the
rows. Prepared statements belong to the database session: they outlive rolled-back
transactions, and a new connection starts without them, which is tracked here by the
connection object.

They need session-level connections. Behind a pooler in transaction mode (PgBouncer's
default), where consecutive transactions may reach different server sessions, set
`DATABASE_POOL_MODE=transaction` (or `DATABASE_PREPARED_STATEMENTS=false`): the same SQL is
then sent as it is. With `CONN_MAX_AGE=0` the statements also run unprepared.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.db import DatabaseError, connection

INVALID_SQL_STATEMENT_NAME = "26000"


class PreparedStatement:
    """A query written with `%s` placeholders, as for a Django cursor, run prepared.

    The statement's values should be parameters, but a value that decides which partial
    index applies must be written into the SQL: a plan made for any value cannot use one.
    """

    def __init__(self, sql: str):
        if "%%" in sql or "$" in sql:
            raise ValueError("Write a prepared statement without literal % or $ signs")
        self.sql = sql
        self.arity = sql.count("%s")
        # The name follows the text, so a changed statement is prepared afresh.
        self.name = "portal_" + hashlib.sha256(sql.encode()).hexdigest()[:20]
        numbers = iter(range(1, self.arity + 1))
        self._prepare = f"PREPARE {self.name} AS " + re.sub(
            r"%s", lambda _: f"${next(numbers)}", sql
        )
        self._execute = f"EXECUTE {self.name}" + (
            "(" + ", ".join(["%s"] * self.arity) + ")" if self.arity else ""
        )

    def execute(self, cursor, params: list | tuple = ()) -> None:
        """Run the statement on a Django cursor, preparing it first on a new connection."""
        if len(params) != self.arity:
            raise ValueError(f"{self.name} takes {self.arity} values, not {len(params)}")
        if not settings.DATABASE_PREPARED_STATEMENTS or not _persistent(cursor.db):
            # Off behind a transaction-mode pooler; and a connection closed after each
            # request would prepare on every one, a round trip more than it saves.
            cursor.execute(self.sql, params)
            return
        prepared = _prepared_on(cursor.db)
        if self.name not in prepared:
            cursor.execute(self._prepare)
            prepared.add(self.name)
        try:
            cursor.execute(self._execute, params)
        except DatabaseError as exc:
            # Gone from the session (DEALLOCATE or DISCARD ALL): forget them all, and
            # prepare again now unless a transaction has been broken by the error.
            if getattr(exc.__cause__, "pgcode", None) != INVALID_SQL_STATEMENT_NAME:
                raise
            prepared.clear()
            if cursor.db.in_atomic_block:
                raise
            cursor.execute(self._prepare)
            prepared.add(self.name)
            cursor.execute(self._execute, params)

    def fetchall(self, params: list | tuple = ()) -> list[tuple]:
        with connection.cursor() as cursor:
            self.execute(cursor, params)
            return cursor.fetchall()

    def fetchone(self, params: list | tuple = ()) -> tuple | None:
        with connection.cursor() as cursor:
            self.execute(cursor, params)
            return cursor.fetchone()


def _persistent(database) -> bool:
    """Whether the wrapper's connections outlive a request (`CONN_MAX_AGE` not 0)."""
    max_age = database.settings_dict.get("CONN_MAX_AGE", 0)
    return max_age is None or max_age > 0


def _prepared_on(database) -> set[str]:
    """The names prepared on the database wrapper's current connection."""
    raw = database.connection
    state = getattr(database, "_portal_prepared", None)
    if state is None or state[0] is not raw:
        state = (raw, set())
        database._portal_prepared = state
    return state[1]
