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

`statements_prepared()` does the same for what the ORM sends within it (the directory's
search, a statement built per request whose plan took longer than its run): each text is
prepared once per connection, and a connection keeps at most `KEPT_PER_CONNECTION` of them.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import OrderedDict
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection

INVALID_SQL_STATEMENT_NAME = "26000"
# The ORM's statements prepared on one connection, the least recently used let go first: one
# per list shape (its filters, page size and page), so they are many but few are common.
KEPT_PER_CONNECTION = 64


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
        if not _preparing(cursor.db):
            cursor.execute(self.sql, params)
            return
        self._run(cursor.db, cursor.execute, params)

    def _run(self, database, run, params) -> None:
        """Execute through `run(sql, params)`, preparing first where the connection has not."""
        prepared = _prepared_on(database)
        if self.name not in prepared:
            self._prepare_on(prepared, run)
        prepared.move_to_end(self.name)
        try:
            run(self._execute, params)
        except DatabaseError as exc:
            # Gone from the session (DEALLOCATE or DISCARD ALL): forget them all, and
            # prepare again now unless a transaction has been broken by the error.
            if getattr(exc.__cause__, "pgcode", None) != INVALID_SQL_STATEMENT_NAME:
                raise
            prepared.clear()
            if database.in_atomic_block:
                raise
            self._prepare_on(prepared, run)
            run(self._execute, params)

    def _prepare_on(self, prepared: OrderedDict, run) -> None:
        run(self._prepare, None)
        prepared[self.name] = None
        while len(prepared) > KEPT_PER_CONNECTION:
            oldest, _ = prepared.popitem(last=False)
            run(f"DEALLOCATE {oldest}", None)

    def fetchall(self, params: list | tuple = ()) -> list[tuple]:
        with connection.cursor() as cursor:
            self.execute(cursor, params)
            return cursor.fetchall()

    def fetchone(self, params: list | tuple = ()) -> tuple | None:
        with connection.cursor() as cursor:
            self.execute(cursor, params)
            return cursor.fetchone()


@contextmanager
def statements_prepared():
    """Within it, each statement the ORM sends on the default connection is prepared once
    per connection and then only executed.

    Outside a transaction only: a statement Postgres cannot prepare (a value whose type
    nothing in it says) is then sent as it is from then on, where inside a transaction its
    refusal would break the transaction."""
    if not _preparing(connection):
        yield
        return
    with connection.execute_wrapper(_prepared_execution):
        yield


INDETERMINATE_DATATYPE = "42P18"
_UNPREPARABLE: set[str] = set()


def _prepared_execution(execute, sql, params, many, context):
    database = context["connection"]
    if many or database.in_atomic_block or sql in _UNPREPARABLE:
        return execute(sql, params, many, context)
    statement = _statement_for(sql)
    if statement is None or len(params or ()) != statement.arity:
        return execute(sql, params, many, context)
    try:
        return statement._run(
            database, lambda text, values: execute(text, values, False, context), params
        )
    except DatabaseError as exc:
        if getattr(exc.__cause__, "pgcode", None) != INDETERMINATE_DATATYPE:
            raise
    _UNPREPARABLE.add(sql)
    return execute(sql, params, many, context)


@functools.lru_cache(maxsize=256)
def _statement_for(sql: str) -> PreparedStatement | None:
    try:
        return PreparedStatement(sql)
    except ValueError:  # percent or dollar signs of its own
        return None


def _preparing(database) -> bool:
    """Off behind a transaction-mode pooler; and a connection closed after each request
    would prepare on every one, a round trip more than it saves."""
    return settings.DATABASE_PREPARED_STATEMENTS and _persistent(database)


def _persistent(database) -> bool:
    """Whether the wrapper's connections outlive a request (`CONN_MAX_AGE` not 0)."""
    max_age = database.settings_dict.get("CONN_MAX_AGE", 0)
    return max_age is None or max_age > 0


def _prepared_on(database) -> OrderedDict:
    """The names prepared on the database wrapper's current connection, least recently
    used first."""
    raw = database.connection
    state = getattr(database, "_portal_prepared", None)
    if state is None or state[0] is not raw:
        state = (raw, OrderedDict())
        database._portal_prepared = state
    return state[1]
