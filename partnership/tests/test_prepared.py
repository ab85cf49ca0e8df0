"""Prepared statements: prepared once per connection, surviving rollbacks, prepared again
on a new connection or after the session forgot them; and none behind a pooler in
transaction mode."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from partnership.models import Role
from partnership.prepared import PreparedStatement
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service
from referrals.models import Status
from referrals.tests.factories import referral_in

BASE_DIR = Path(__file__).resolve().parents[2]

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


def test_with_prepared_statements_off_the_same_sql_is_sent_as_it_is(settings):
    product = PreparedStatement("SELECT %s::int * %s::int * %s::int")
    assert product.fetchone([2, 3, 4]) == (24,)
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as ctx:
        assert product.fetchall([2, 3, 4]) == [(24,)]
    assert statements(ctx) == ["SELECT"]


def test_behind_a_transaction_pooler_the_api_prepares_nothing_and_answers_the_same(
    client, settings
):
    """A pooler in transaction mode may send each statement to another server session, so
    with prepared statements off no PREPARE or EXECUTE may be sent, by the token lookup or
    the referral list, and the pages must be those the prepared statements give."""
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service()
    for state in (Status.DRAFT, Status.SENT, Status.ACCEPTED, Status.SENT):
        referral_in(state, practitioner=practitioner, service=service)
    _, raw = issue_token(practitioner)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    paths = ["/api/v1/referrals/?page_size=3", "/api/v1/referrals/?page_size=3&page=2"]
    paths.append("/api/v1/referrals/?status=sent")

    def pages() -> tuple[list[dict], list[str]]:
        sent: list[str] = []

        def record(execute, sql, params, many, context):
            sent.append(sql.split()[0].upper())
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            answers = [client.get(path, **auth) for path in paths]
        assert all(answer.status_code == 200 for answer in answers)
        return [answer.json() for answer in answers], sent

    prepared, sent_prepared = pages()
    assert "EXECUTE" in sent_prepared
    settings.DATABASE_PREPARED_STATEMENTS = False
    plain, sent_plain = pages()
    assert not {"PREPARE", "EXECUTE", "DEALLOCATE"} & set(sent_plain)
    assert plain == prepared
    assert [len(page["results"]) for page in plain] == [3, 1, 2]


def settings_in_subprocess(code: str, **environment) -> subprocess.CompletedProcess:
    """Import the settings afresh with these variables, as a process starting would."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_POOL_MODE", "DATABASE_PREPARED_STATEMENTS")
    }
    return subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", "from django.conf import settings; " + code],
        cwd=BASE_DIR,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "partnership.settings.base", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("environment", "prepared", "server_side_cursors_off"),
    [
        ({}, True, False),
        ({"DATABASE_POOL_MODE": "transaction"}, False, True),
        ({"DATABASE_POOL_MODE": "transaction", "DATABASE_PREPARED_STATEMENTS": "true"}, True, True),
        ({"DATABASE_PREPARED_STATEMENTS": "false"}, False, False),
    ],
)
def test_a_transaction_pooler_turns_off_what_rests_on_a_session(
    environment, prepared, server_side_cursors_off
):
    completed = settings_in_subprocess(
        "print(settings.DATABASE_PREPARED_STATEMENTS, "
        "settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'])",
        **environment,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip().splitlines()[-1] == f"{prepared} {server_side_cursors_off}"


def test_an_unknown_pool_mode_is_refused():
    completed = settings_in_subprocess("settings.DEBUG", DATABASE_POOL_MODE="statement")
    assert completed.returncode != 0
    assert "DATABASE_POOL_MODE is session or transaction" in completed.stderr
