"""`make load`: the load command end to end at a tiny size, and its referral check."""

import json
import uuid
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from partnership.models import ApiToken
from referrals.models import Referral, Status
from referrals.tests.factories import referral_in
from tooling.load import figures, runner
from tooling.load.command import Command as LoadCommand
from tooling.load.runner import check_referrals, database_url, redis_urls


@pytest.mark.slow
@pytest.mark.celery
def test_the_load_command_prints_its_figures_and_keeps_every_referral(committed_db, tmp_path):
    out = StringIO()
    figures_path = tmp_path / "figures.json"

    call_command(
        LoadCommand(),
        seconds=3,
        users=2,
        organisations=2,
        web_workers=1,
        json_path=str(figures_path),
        stdout=out,
    )

    printed = out.getvalue()
    figures = json.loads(figures_path.read_text())
    assert figures["passed"] is True, printed
    assert figures["errors"] == 0, printed
    overall = figures["overall"]
    assert overall["requests"] > 0 and overall["requests_per_second"] > 0
    assert overall["p50_ms"] > 0 and overall["p95_ms"] >= overall["p50_ms"]
    journeys = {journey["name"]: journey for journey in figures["journeys"]}
    # Each practitioner makes a referral first, however short the run.
    assert {"create referral", "complete referral", "add risk information", "send referral"} <= set(
        journeys
    ), printed
    assert all(journey["errors"] == 0 for journey in journeys.values())
    # What the clients saw sent is what the database holds, sent (or since accepted).
    assert figures["referrals_sent"] >= 1
    assert figures["referrals_lost"] == []
    kept = Referral.objects.filter(
        practitioner__email__endswith="@load.example.org",
        status__in=[Status.SENT, Status.ACCEPTED],
    )
    assert kept.count() == figures["referrals_sent"] + figures["referrals_unconfirmed"], printed
    assert figures["emails_pending"] == 0 and figures["tasks_queued"] == 0
    # The run's tokens end with it.
    assert not ApiToken.objects.filter(name="Load test", revoked_at__isnull=True).exists()
    for expected in ("all journeys", "req/s", "p50 ms", "p95 ms", "lost: 0", "result: passed"):
        assert expected in printed
    assert figures["ramp"] == [] and figures["capacity"] is None
    # The same figures for what came after the start's burst: fewer requests, as printed.
    past = {journey["name"]: journey for journey in figures["past_start"]}
    assert figures["past_start_seconds"] == 2.0
    assert past["all journeys"]["requests"] < overall["requests"]
    assert "past the start" in printed


def test_the_figures_past_the_start_leave_out_what_began_in_its_first_seconds():
    timings = [
        # The start: every practitioner sends at once, each waiting on the others.
        *[(100.0 + index / 100, "send referral", 300.0 + index, False) for index in range(10)],
        (101.9, "search directory", 500.0, True),
        # Past it.
        *[(102.0 + index, "send referral", 20.0 + index, False) for index in range(20)],
        (103.0, "search directory", 10.0, False),
        (104.0, "search directory", 12.0, True),
    ]

    past = figures.past_start(timings, 2.0)

    journeys = {journey["name"]: journey for journey in past["journeys"]}
    assert journeys["send referral"]["requests"] == 20
    assert journeys["send referral"]["p50_ms"] == 29.0  # the 10th of 20 to 39
    assert journeys["send referral"]["p95_ms"] == 38.0  # the 19th
    assert journeys["search directory"] == {
        "name": "search directory",
        "requests": 2,
        "errors": 1,
        "requests_per_second": journeys["search directory"]["requests_per_second"],
        "p50_ms": 10.0,
        "p95_ms": 12.0,
    }
    assert past["overall"]["requests"] == 22 and past["overall"]["errors"] == 1
    # Over the 20 s from the end of the start to the last answer.
    assert past["overall"]["requests_per_second"] == round(22 / (121.039 - 100.0 - 2.0), 1)
    assert figures.past_start([], 2.0)["overall"]["requests"] == 0


def test_the_ramp_runs_each_number_of_users_until_p95_passes_200_ms(tmp_path):
    """After the run, the same journeys at each step; the first step over 200 ms is the last."""
    p95 = {10: 40.0, 20: 120.0, 40: 260.0, 80: 900.0}
    rate = {10: 100.0, 20: 180.0, 40: 200.0, 80: 150.0}
    ran = []

    def locust(*, options, **kwargs):
        ran.append((options.users, options.seconds))
        figures = runner.Figures(
            "all journeys", 100, 0, rate[options.users], 10.0, p95[options.users]
        )
        return [], figures, {}

    options = runner.LoadOptions(ramp=(10, 20, 40, 80), ramp_seconds=5)
    with mock.patch.object(runner, "run_locust", side_effect=locust):
        steps = runner._ramp(options, lambda line: None, port=1, accounts={}, workdir=tmp_path)

    assert ran == [(10, 5), (20, 5), (40, 5)]  # 80 is never tried: 40 passed 200 ms
    assert [step["p95_ms"] for step in steps] == [40.0, 120.0, 260.0]
    # 200 ms falls 80/140 of the way from 20 users' p95 to 40 users'.
    assert runner.ramp_capacity(steps)["requests_per_second"] == round(180 + 20 * 80 / 140, 1)


def test_the_ramp_finds_the_throughput_where_p95_passes_200_ms():
    steps = [
        {"users": 10, "requests_per_second": 100.0, "p95_ms": 50.0},
        {"users": 20, "requests_per_second": 180.0, "p95_ms": 150.0},
        {"users": 40, "requests_per_second": 200.0, "p95_ms": 250.0},
    ]
    capacity = runner.ramp_capacity(steps)
    # Halfway from 150 ms to 250 ms: halfway from 180 to 200 requests a second.
    assert capacity["requests_per_second"] == 190.0 and capacity["reached"] is True
    assert capacity["per_core"] == round(190.0 / capacity["cores"], 1)
    # Never passed: the capacity is at least the last step's.
    never = runner.ramp_capacity(steps[:2])
    assert never["requests_per_second"] == 180.0 and never["reached"] is False
    assert runner.ramp_capacity([]) is None


@pytest.mark.django_db
def test_a_referral_the_clients_saw_sent_but_the_database_lacks_is_lost():
    kept = referral_in(Status.SENT)
    never_stored = {"id": str(uuid.uuid4()), "reference": "NW-ACC-999999"}
    still_draft = referral_in(Status.DRAFT)

    checked = check_referrals(
        record={
            "sent": [
                {"id": str(kept.public_id), "reference": kept.reference},
                never_stored,
                {"id": str(still_draft.public_id), "reference": still_draft.reference},
            ],
            "accepted": [str(kept.public_id)],
        },
        run_id="no-run",
    )

    assert checked["referrals_sent"] == 3
    assert checked["referrals_found"] == 1
    assert checked["referrals_lost"] == ["NW-ACC-999999", still_draft.reference]
    # Accepted by a client, but only sent in the database.
    assert (checked["referrals_accepted"], checked["referrals_accepted_found"]) == (1, 0)


def _result(**changes) -> runner.LoadResult:
    overall = runner.Figures("all journeys", 10, 0, 5.0, 20.0, 40.0)
    figures = {
        "journeys": [],
        "overall": overall,
        "client_exceptions": 0,
        "referrals_sent": 2,
        "referrals_found": 2,
        "referrals_lost": [],
        "referrals_unconfirmed": 0,
        "referrals_accepted": 1,
        "referrals_accepted_found": 1,
        "emails_delivered": 3,
        "emails_pending": 0,
        "tasks_queued": 0,
    }
    return runner.LoadResult(**{**figures, **changes})


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"overall": runner.Figures("all journeys", 10, 1, 5.0, 20.0, 40.0)}, "1 requests failed"),
        ({"client_exceptions": 2}, "2 requests failed"),
        ({"referrals_found": 1, "referrals_lost": ["NW-ACC-1001"]}, "1 sent referrals are missing"),
        ({"referrals_accepted_found": 0}, "accepted referrals are not accepted"),
        ({"emails_pending": 1}, "the worker left 1 emails"),
        ({"referrals_sent": 0, "referrals_found": 0}, "no referral was sent"),
    ],
)
def test_any_error_or_lost_referral_fails_the_run(changes, problem):
    assert runner.problems(_result(), runner.LoadOptions()) == []
    found = runner.problems(_result(**changes), runner.LoadOptions())
    assert any(problem in line for line in found), found


def test_a_failed_run_exits_non_zero_and_still_writes_its_figures(tmp_path):
    failed = _result(referrals_found=1, referrals_lost=["NW-ACC-1001"])
    failed.problems = ["1 sent referrals are missing"]
    figures_path = tmp_path / "figures.json"
    with (
        mock.patch.object(runner, "run", return_value=failed),
        pytest.raises(CommandError, match="1 sent referrals are missing"),
    ):
        call_command(LoadCommand(), seconds=1, users=1, json_path=str(figures_path))
    figures = json.loads(figures_path.read_text())
    assert figures["passed"] is False
    assert figures["referrals_lost"] == ["NW-ACC-1001"]


def test_the_servers_reach_the_same_postgres_and_their_own_redis_database():
    assert (
        database_url({"NAME": "load", "USER": "postgres", "OPTIONS": {"host": "/tmp/pg"}})
        == "postgres://postgres@/load?host=%2Ftmp%2Fpg"
    )
    assert (
        database_url(
            {"NAME": "load", "USER": "app", "PASSWORD": "p@ss", "HOST": "db", "PORT": 5432}
        )
        == "postgres://app:p%40ss@db:5432/load"
    )
    assert redis_urls("unix:///tmp/redis.sock", 13) == (
        "unix:///tmp/redis.sock?db=13",
        "redis+socket:///tmp/redis.sock?virtual_host=13",
    )
    assert redis_urls("redis://cache:6379/0", 13) == (
        "redis://cache:6379/13",
        "redis://cache:6379/13",
    )


def test_the_servers_run_the_production_settings_on_this_database_with_no_real_email():
    from django.db import connection

    environ = runner.server_environ(options=runner.LoadOptions(redis_db=13), port=8123)

    assert environ["DJANGO_SETTINGS_MODULE"] == "partnership.settings.production"
    assert environ["DATABASE_URL"].split("?")[0].endswith(f"/{connection.settings_dict['NAME']}")
    assert environ["CELERY_BROKER_URL"].endswith(("/13", "virtual_host=13"))
    assert len(environ["SECRET_KEY"]) >= 50
    assert (
        environ["SECRET_KEY"]
        != runner.server_environ(options=runner.LoadOptions(), port=1)["SECRET_KEY"]
    )
    assert environ["ALLOWED_HOSTS"] == "127.0.0.1"
    assert environ["EMAIL_PROVIDER"] == "locmem"
