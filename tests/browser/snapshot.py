"""The demo, loaded once a test process and put back before each browser test.

Loading the demo through its services takes seconds; every browser test needs it fresh,
because the flush after a test that commits empties every table. So the first load is
copied out table by table (`COPY … TO STDOUT`) and later tests copy it back in, in one
transaction: the tables are emptied with the suite's own flush statements, the tables'
own triggers (history, guards) are off while the rows go in, exactly as they were, and the
foreign keys, which Django makes deferrable, are checked once every table is back.
Sequences are left as they are: they only ever grow, so new rows never reuse a copied id.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, transaction
from psycopg2 import sql


@dataclass(frozen=True)
class Snapshot:
    counts: dict[str, int]
    tables: dict[str, bytes]


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def take(counts: dict[str, int]) -> Snapshot:
    tables: dict[str, bytes] = {}
    with connection.cursor() as cursor:
        for table in _tables():
            buffer = io.BytesIO()
            statement = sql.SQL("COPY {} TO STDOUT WITH (FORMAT binary)").format(
                sql.Identifier(table)
            )
            cursor.cursor.copy_expert(statement.as_string(cursor.cursor), buffer)
            tables[table] = buffer.getvalue()
    return Snapshot(counts=counts, tables=tables)


def restore(snapshot: Snapshot) -> None:
    from django.contrib.contenttypes.models import ContentType

    tables = list(snapshot.tables)
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
            cursor.execute(statement)
        cursor.execute(
            """
            SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE NOT t.tgisinternal AND t.tgenabled = 'O' AND c.relname = ANY(%s)
            """,
            [tables],
        )
        triggers = cursor.fetchall()
        _set_triggers(cursor, triggers, "DISABLE")
        for table, rows in snapshot.tables.items():
            statement = sql.SQL("COPY {} FROM STDIN WITH (FORMAT binary)").format(
                sql.Identifier(table)
            )
            cursor.cursor.copy_expert(statement.as_string(cursor.cursor), io.BytesIO(rows))
        # The foreign keys are checked now, so that no check is pending when the tables'
        # triggers are turned back on.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _set_triggers(cursor, triggers, "ENABLE")
    # The content types are back with the ids they had when the snapshot was taken.
    ContentType.objects.clear_cache()


def _set_triggers(cursor, triggers, action: str) -> None:
    for table, trigger in triggers:
        cursor.execute(
            sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
                sql.Identifier(table), sql.SQL(action), sql.Identifier(trigger)
            )
        )
