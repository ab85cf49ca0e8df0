"""The database roles: what the portal's app role may not do (to the access log, to the
schema, to the rules themselves), what it still does, and the access log's retention."""

import os
import secrets
from datetime import timedelta

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from partnership import db_roles
from referrals import services
from referrals.models import AccessLog, Referral, Status
from referrals.tests.factories import referral_in

INSUFFICIENT_PRIVILEGE = "42501"


@pytest.fixture(scope="module")
def role_settings(django_db_setup, django_db_blocker):
    """Connection settings of the owner and app roles on the test database.

    Through the launcher the roles exist and the suite is the owner; with a superuser's
    DATABASE_URL the roles are provisioned here, on the test database, as the launcher would.
    """
    with django_db_blocker.unblock():
        current = dict(connection.settings_dict)
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = cursor.fetchone()[0]
        connection.close()
    app = settings.DATABASE_APP_ROLE
    if superuser:
        owner = db_roles.DEFAULT_OWNER_ROLE
        app = app if app != current["USER"] else db_roles.DEFAULT_APP_ROLE
        passwords = db_roles.RolePasswords(
            owner=secrets.token_urlsafe(24), app=secrets.token_urlsafe(24)
        )
        db_roles.roles_provision(
            current, database=current["NAME"], owner=owner, app=app, passwords=passwords
        )
        owner_settings = {**current, "USER": owner, "PASSWORD": passwords.owner}
        app_settings = {**current, "USER": app, "PASSWORD": passwords.app}
    else:
        owner_settings = current
        app_settings = {
            **db_roles.url_config(os.environ["DATABASE_URL"]),
            "NAME": current["NAME"],
        }
    with _connect(owner_settings) as owner_conn, owner_conn.cursor() as cursor:
        db_roles.grants_apply(cursor, app=app_settings["USER"])
    return {"owner": owner_settings, "app": app_settings}


def _connect(config):
    conn = psycopg2.connect(**db_roles.connect_params(config))
    conn.autocommit = False
    return conn


def _refusal(conn, *statements) -> psycopg2.Error:
    """The error the statements end in; the transaction is rolled back."""
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    except psycopg2.Error as exc:
        return exc
    finally:
        conn.rollback()
    pytest.fail(f"{statements} went through")


@pytest.fixture
def app_conn(role_settings):
    conn = _connect(role_settings["app"])
    yield conn
    conn.close()


@pytest.fixture
def owner_conn(role_settings):
    conn = _connect(role_settings["owner"])
    yield conn
    conn.close()


@pytest.fixture
def logged_referral(committed_db):
    """A referral whose risk information was read once: one access-log row, committed."""
    referral = referral_in(Status.SENT)
    services.risk_read(referral=referral, by=referral.practitioner, channel="page", why="viewed")
    return referral


def test_db_roles_the_app_role_cannot_empty_change_or_unprotect_the_access_log(
    app_conn, logged_referral
):
    for statements in (
        ["TRUNCATE referrals_accesslog"],
        ["UPDATE referrals_accesslog SET why = 'changed'"],
        ["DELETE FROM referrals_accesslog"],
        ["ALTER TABLE referrals_accesslog DISABLE TRIGGER referrals_accesslog_append_only"],
        ["ALTER TABLE referrals_accesslog DISABLE TRIGGER ALL"],
        ["SET session_replication_role = replica"],
        ["SET LOCAL session_replication_role = replica", "DELETE FROM referrals_accesslog"],
        # The suite's flush setting means nothing to a role that is not the owner.
        [
            "SELECT set_config('partnership.flush_access_log', 'on', true)",
            "TRUNCATE referrals_accesslog",
        ],
        [
            "SELECT set_config('partnership.access_log_retention_years', '1', true)",
            "DELETE FROM referrals_accesslog",
        ],
        ["DROP TABLE referrals_accesslog"],
        ["DROP TRIGGER referrals_accesslog_no_truncate ON referrals_accesslog"],
        [
            "CREATE OR REPLACE FUNCTION referrals_accesslog_refuse_change() RETURNS trigger "
            "AS $$ BEGIN RETURN OLD; END $$ LANGUAGE plpgsql"
        ],
    ):
        error = _refusal(app_conn, *statements)
        assert error.pgcode == INSUFFICIENT_PRIVILEGE, (statements, error)
    assert AccessLog.objects.filter(referral=logged_referral).count() == 1


def test_db_roles_the_app_role_cannot_alter_drop_or_make_tables_nor_become_the_owner(
    app_conn, role_settings
):
    owner = role_settings["owner"]["USER"]
    for statements in (
        ["ALTER TABLE referrals_referral ADD COLUMN smuggled text"],
        ["DROP TABLE referrals_referral CASCADE"],
        ["TRUNCATE referrals_referral CASCADE"],
        ["ALTER TABLE referrals_referral DISABLE TRIGGER ALL"],
        ["CREATE TABLE public.smuggled (id int)"],
        [f'SET ROLE "{owner}"'],
    ):
        error = _refusal(app_conn, *statements)
        assert error.pgcode == INSUFFICIENT_PRIVILEGE, (statements, error)
    with app_conn.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, "
            "(SELECT count(*) FROM pg_class WHERE relowner = pg_roles.oid) "
            "FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False, False, 0)
    app_conn.rollback()


def test_db_roles_the_app_role_still_does_its_work(app_conn, logged_referral):
    with app_conn, app_conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO referrals_accesslog "
            "(at, user_id, user_email, referral_id, crn, what, why, channel, outcome) "
            "SELECT now(), user_id, user_email, referral_id, crn, what, 'read again', "
            "channel, outcome FROM referrals_accesslog WHERE referral_id = %s",
            [logged_referral.pk],
        )
        cursor.execute(
            "UPDATE referrals_referral SET reason = 'Needs somewhere to live' WHERE id = %s",
            [logged_referral.pk],
        )
        cursor.execute(
            "SELECT count(*) FROM referrals_accesslog WHERE referral_id = %s", [logged_referral.pk]
        )
        assert cursor.fetchone()[0] == 2
    assert Referral.objects.get(pk=logged_referral.pk).reason == "Needs somewhere to live"
    assert AccessLog.objects.filter(why="read again").exists()


def test_db_roles_grants_follow_tables_that_later_migrations_make(
    app_conn, owner_conn, committed_db
):
    with owner_conn, owner_conn.cursor() as cursor:
        cursor.execute("CREATE TABLE db_roles_probe (id bigserial PRIMARY KEY, note text)")
        cursor.execute(f'REVOKE SELECT ON referrals_referral FROM "{app_conn.info.user}"')
    try:
        with app_conn, app_conn.cursor() as cursor:
            cursor.execute("INSERT INTO db_roles_probe (note) VALUES ('new table') RETURNING id")
            assert cursor.fetchone()[0] == 1
        assert _refusal(app_conn, "SELECT 1 FROM referrals_referral").pgcode == (
            INSUFFICIENT_PRIVILEGE
        )
        # What the post-migrate step does after every migrate.
        with override_settings(DATABASE_APP_ROLE=app_conn.info.user):
            db_roles.grants_after_migrate(sender=None, using="default")
        with app_conn, app_conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM referrals_referral")
    finally:
        with owner_conn, owner_conn.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS db_roles_probe")


def test_db_roles_truncate_is_refused_even_to_the_owner(owner_conn, logged_referral):
    error = _refusal(owner_conn, "TRUNCATE referrals_accesslog")
    assert error.pgcode == INSUFFICIENT_PRIVILEGE and "append-only" in str(error)
    error = _refusal(owner_conn, "UPDATE referrals_accesslog SET why = 'changed'")
    assert "append-only" in str(error)
    assert AccessLog.objects.count() == 1


def _log_rows_aged(referral, *ages: timedelta) -> list[int]:
    now = timezone.now()
    rows = [
        AccessLog.objects.create(
            at=now - age,
            user=referral.practitioner,
            user_email=referral.practitioner.email,
            referral=referral,
            crn=referral.crn,
            what="risk_information",
            why="viewed",
            channel="page",
            outcome=AccessLog.Outcome.GRANTED,
        )
        for age in ages
    ]
    return [row.pk for row in rows]


@pytest.mark.django_db
@override_settings(ACCESS_LOG_RETENTION_YEARS=8)
def test_access_log_retention_deletes_only_rows_older_than_the_period(capsys):
    referral = referral_in(Status.SENT)
    old, recent, today = _log_rows_aged(
        referral, timedelta(days=8 * 366 + 2), timedelta(days=7 * 365), timedelta(0)
    )
    call_command("prune_access_log", "--dry-run")
    assert "1 access log rows are older than" in capsys.readouterr().out
    assert AccessLog.objects.count() == 3

    call_command("prune_access_log")
    assert "1 access log rows older than" in capsys.readouterr().out
    assert sorted(AccessLog.objects.values_list("pk", flat=True)) == sorted([recent, today])


@pytest.mark.django_db
def test_access_log_retention_the_owner_may_not_delete_rows_inside_the_period():
    referral = referral_in(Status.SENT)
    _log_rows_aged(referral, timedelta(days=365))
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT set_config('partnership.access_log_retention_years', '8', true)")
        cursor.execute("DELETE FROM referrals_accesslog")
    assert AccessLog.objects.count() == 1


@pytest.mark.django_db
@override_settings(ACCESS_LOG_RETENTION_YEARS=0)
def test_access_log_retention_of_less_than_a_year_is_refused():
    referral = referral_in(Status.SENT)
    _log_rows_aged(referral, timedelta(days=20 * 365))
    with pytest.raises(CommandError, match="ACCESS_LOG_RETENTION_YEARS must be 1 or more"):
        call_command("prune_access_log")
    assert AccessLog.objects.count() == 1


def test_access_log_retention_the_app_role_cannot_prune(app_conn, logged_referral):
    _log_rows_aged(logged_referral, timedelta(days=20 * 365))
    error = _refusal(
        app_conn,
        "SELECT set_config('partnership.access_log_retention_years', '8', true)",
        "DELETE FROM referrals_accesslog WHERE at < now() - interval '8 years'",
    )
    assert error.pgcode == INSUFFICIENT_PRIVILEGE
    assert AccessLog.objects.count() == 2
