"""Prepared statements: prepared once per connection, surviving rollbacks, prepared again
on a new connection or after the session forgot them."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from partnership.prepared import PreparedStatement

pytestmark = pytest.mark.django_db


def prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def statements(ctx) -> list[str]:
    return [query["sql"].split()[0] for query in ctx.captured_queries]


def test_a_statement_is_prepared_once_then_only_executed():
    square = PreparedStatement("SELECT %s::int * %s::int")
    with CaptureQueriesContext(connection) as first:
        assert square.fetchone([3, 4]) == (12,)
    with CaptureQueriesContext(connection) as again:
        assert square.fetchall([5, 5]) == [(25,)]
    assert statements(first) == ["PREPARE", "EXECUTE"]
    assert statements(again) == ["EXECUTE"]
    assert square.name in prepared_names()


def test_the_name_follows_the_text():
    assert PreparedStatement("SELECT 1").name == PreparedStatement("SELECT 1").name
    assert PreparedStatement("SELECT 1").name != PreparedStatement("SELECT 2").name


def test_values_are_parameters_not_text():
    echo = PreparedStatement("SELECT %s::text")
    hostile = "'); DROP TABLE partnership_user; --"
    assert echo.fetchone([hostile]) == (hostile,)


@pytest.mark.parametrize("sql", ["SELECT '100%%'", "SELECT $1"])
def test_a_statement_with_its_own_placeholders_or_percent_signs_is_refused(sql):
    with pytest.raises(ValueError, match="without literal"):
        PreparedStatement(sql)


def test_the_wrong_number_of_values_is_refused():
    with pytest.raises(ValueError, match="takes 2 values, not 1"):
        PreparedStatement("SELECT %s::int + %s::int").fetchone([1])


def test_a_rolled_back_transaction_keeps_the_statement():
    double = PreparedStatement("SELECT 2 * %s::int")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert double.fetchone([2]) == (4,)
        raise RuntimeError("roll back")
    with CaptureQueriesContext(connection) as after:
        assert double.fetchone([3]) == (6,)
    assert statements(after) == ["EXECUTE"]


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again():
    triple = PreparedStatement("SELECT 3 * %s::int")
    assert triple.fetchone([2]) == (6,)
    connection.close()
    with CaptureQueriesContext(connection) as after:
        assert triple.fetchone([3]) == (9,)
    assert statements(after) == ["PREPARE", "EXECUTE"]


@pytest.mark.django_db(transaction=True)
def test_a_session_that_forgot_its_statements_prepares_again():
    half = PreparedStatement("SELECT %s::int / 2")
    assert half.fetchone([8]) == (4,)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert half.fetchone([10]) == (5,)
    assert half.name in prepared_names()


def test_inside_a_transaction_a_forgotten_statement_fails_that_transaction_only():
    quarter = PreparedStatement("SELECT %s::int / 4")
    assert quarter.fetchone([8]) == (2,)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(DatabaseError), transaction.atomic():
        quarter.fetchone([8])
    assert quarter.fetchone([12]) == (3,)


def test_connections_closed_after_each_request_run_the_statement_unprepared(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    once = PreparedStatement("SELECT 5 * %s::int")
    with CaptureQueriesContext(connection) as ctx:
        assert once.fetchone([2]) == (10,)
    assert statements(ctx) == ["SELECT"]
    assert once.name not in prepared_names()
