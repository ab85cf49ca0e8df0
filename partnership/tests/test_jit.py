"""The portal's sessions never JIT-compile a statement: Postgres compiles one whose estimated
cost passes jit_above_cost, and the estimates of the portal's set-based statements pass it
while they run in milliseconds, a second of compiling each time. And they plan for storage
where an index read costs little more than a sequential one (`random_page_cost`)."""

import pytest
from django.db import connection

from capacity import utilisation
from partnership.tests.test_prepared import settings_in_subprocess


def test_the_portals_connection_has_jit_off(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        # The demand history's statement, whose estimate passes the JIT's threshold by far.
        captured = []

        def explain(execute, sql, params, many, context):
            captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(explain):
            utilisation.keep_demand_months()
        sql, params = max(captured, key=lambda query: len(query[0]))
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0][0]
    assert plan["Plan"]["Total Cost"] > 100_000  # jit_above_cost's default
    assert "JIT" not in plan


def test_the_portals_connection_plans_index_reads_as_cheap(db, settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == settings.DATABASE_RANDOM_PAGE_COST == 1.1


@pytest.mark.parametrize(
    ("environment", "option"),
    [
        ({}, "-c jit=off -c random_page_cost=1.1"),
        ({"DATABASE_JIT": "true"}, "-c random_page_cost=1.1"),
        ({"DATABASE_RANDOM_PAGE_COST": "2"}, "-c jit=off -c random_page_cost=2.0"),
        # PgBouncer refuses startup options; the roles carry the setting (db_roles.sql).
        ({"DATABASE_POOL_MODE": "transaction"}, None),
    ],
)
def test_the_startup_option_is_sent_unless_asked_not_to_or_a_pooler_refuses_it(environment, option):
    completed = settings_in_subprocess(
        "print(settings.DATABASES['default']['OPTIONS'].get('options'))", **environment
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip().splitlines()[-1] == str(option)
