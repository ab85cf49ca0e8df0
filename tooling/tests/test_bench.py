"""The benchmark: `make bench SCALE=small` builds its dataset, runs every scenario against
its ceiling (each checks that both give the same answer) and writes the JSON.

The end-to-end test runs the target's command (the launcher's `exec` of `python -m
tooling.bench`) without make's install step; test_entry_points checks the target names it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from tooling.bench import dataset, scenarios

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def test_scales_are_named_or_factors_of_the_full_dataset():
    assert dataset.parse_scale("full") == ("full", 1.0)
    assert dataset.parse_scale("0.01") == ("0.01", 0.01)
    full = dataset.sizes_for(1.0)
    assert (full.referrals, full.organisations, full.services, full.agreements) == (
        1_000_000,
        5_000,
        20_000,
        2_000,
    )
    small = dataset.sizes_for(dataset.SCALES["small"])
    assert small.referrals == 2_000 and small.organisations >= dataset.MINIMUM["organisations"]
    for bad in ("huge", "0", "2", "-1"):
        with pytest.raises(ValueError):
            dataset.parse_scale(bad)


def test_the_portal_and_its_ceiling_are_timed_turn_about():
    calls = []
    portal, ceiling = scenarios.timed_pair(
        lambda i: calls.append(("portal", i)), lambda i: calls.append(("ceiling", i)), 1, 4
    )
    assert len(portal) == len(ceiling) == 4
    assert calls == [
        ("portal", 0),
        ("ceiling", 0),  # the warm-up
        ("portal", 0),
        ("ceiling", 0),
        ("ceiling", 1),
        ("portal", 1),
        ("portal", 2),
        ("ceiling", 2),
        ("ceiling", 3),
        ("portal", 3),
    ]


def test_summary_reports_percentiles_in_milliseconds():
    samples = [i / 1000 for i in range(1, 101)]  # 1 ms to 100 ms
    figures = scenarios.summary(samples)
    assert figures["count"] == 100
    assert figures["p50_ms"] == pytest.approx(50.0, abs=1)
    assert figures["p95_ms"] == pytest.approx(95.0, abs=1)


@pytest.fixture
def bench_environment(request, tmp_path):
    """How the benchmark is started: with a superuser's DATABASE_URL, on a database and roles
    of its own (`launcher_database`); under `make test`, with the suite's own roles, its
    database made beside the suite's by the owner role, as `make bench` does."""
    env = {
        **os.environ,
        "PARTNERSHIP_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "partnership.settings.base",
    }
    if os.environ.get("DATABASE_URL", "").startswith("postgres://postgres@"):
        database_url, roles = request.getfixturevalue("launcher_database")
        env.update(roles, DATABASE_URL=database_url)
        env.pop("DATABASE_OWNER_URL", None)
        return env, []
    name = f"{os.environ.get('TEST_DATABASE_NAME', 'test_partnership')}_bench_small"
    return env, ["--database", name]


@pytest.mark.slow
def test_bench_small_writes_every_scenario(tmp_path, bench_environment):
    env, database = bench_environment
    output = tmp_path / "latest.json"
    args = [*database, "--rebuild", "--repeats", "5", "--http-seconds", "1"]
    args += ["--output", str(output)]
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "tooling.launcher", "exec"),
            *(sys.executable, "-m", "tooling.bench", "--scale", "small", *args),
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "Building the dataset" in completed.stdout
    assert "capacity_recompute_ratio" in completed.stdout

    report = json.loads(output.read_text())
    counts = report["dataset"]["counts"]
    sizes = dataset.sizes_for(dataset.SCALES["small"])
    assert counts["referrals"] == sizes.referrals
    assert counts["services"] == sizes.services
    assert counts["organisations"] == sizes.organisations
    assert 0 < counts["agreements"] <= sizes.agreements
    assert report["machine"]["cores"] >= 1 and report["machine"]["postgres"]

    s = report["scenarios"]
    inbox = s["inbox"]
    assert inbox["rows"] > 0
    for side in ("api", "ceiling"):
        assert inbox["in_process"][side]["p95_ms"] >= inbox["in_process"][side]["p50_ms"] > 0
        assert inbox["http"][side]["requests_per_second"] > 0
        assert inbox["http"][side]["errors"] == 0
    assert inbox["http"]["throughput_ratio"] > 0
    assert inbox["http"]["floor"]["requests_per_second"] > 0
    assert inbox["http"]["floor"]["errors"] == 0 and inbox["http"]["floor_throughput_ratio"] > 0
    assert s["directory"]["api"]["count"] == 5 and s["directory"]["ceiling"]["count"] == 5
    assert s["recompute"]["services"] == sizes.services
    assert s["recompute"]["queries"] == 1
    assert s["recompute"]["portal"]["p50_ms"] > 0 and s["recompute"]["time_ratio"] > 0
    for page in ("home", "referral", "referral_list"):
        assert s["practitioner_pages"][page]["queries"] > 0
        assert s["practitioner_pages"][page]["p50_ms"] > 0
    # The monitoring run raises this month's alerts, then an hour on brings them up to date.
    monitoring = s["monitoring"]
    assert monitoring["first"]["services_computed"] == sizes.services
    assert monitoring["first"]["changes"]["raised"] > 0
    steady = monitoring["steady"]["changes"]
    assert steady["updated"] + steady["unchanged"] > 0 and monitoring["alerts_unresolved"] > 0
    # Every daily page, as its busiest user, with its time and statements.
    pages = s["pages"]["pages"]
    assert {"demand", "alerts", "inbox_closed", "export_ocds", "referral_list_search"} <= set(pages)
    for figures in pages.values():
        assert figures["queries"] > 0 and figures["p95_ms"] >= figures["p50_ms"] > 0
    assert set(report["targets"]) == {
        "inbox_throughput_ratio",
        "directory_search_p95_ms",
        "directory_search_ratio",
        "capacity_recompute_ratio",
        "queries_constant_in_page_size",
        "pages_p95_ms",
        "pages_growth_tenth_to_full",
        "pages_queries_constant",
        "monitoring_run_seconds",
    }
    assert all(isinstance(target["met"], bool) for target in report["targets"].values())
    assert report["targets"]["queries_constant_in_page_size"]["met"] is True


def _enabled_triggers() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgenabled = 'O'"
        )
        return set(cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize("as_superuser", [True, False])
def test_the_dataset_loads_without_history_and_leaves_the_triggers_as_they_were(
    monkeypatch, as_superuser
):
    """The history triggers would record every generated row; the owner role disables the
    filled tables' own triggers and enables them again, a superuser skips them for the
    session."""
    from referrals.models import Status
    from referrals.tests.factories import referral_in

    with connection.cursor() as cursor:
        if as_superuser and not dataset._is_superuser(cursor):
            pytest.skip("the suite does not run as a superuser")
        # The build commits each statement; in the test's transaction, deferred foreign-key
        # checks left pending would forbid altering the table.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    if not as_superuser:
        monkeypatch.setattr(dataset, "_is_superuser", lambda cursor: False)
    history = apps.get_model("referrals", "ReferralHistory")
    triggers = _enabled_triggers()
    assert any(table == "referrals_referral" for table, _ in triggers)
    with connection.cursor() as cursor, dataset._without_triggers(cursor):
        loaded = referral_in(Status.SENT)
        assert not history.objects.filter(pgh_obj_id=loaded.pk).exists()
    assert _enabled_triggers() == triggers
    recorded = referral_in(Status.SENT)
    assert history.objects.filter(pgh_obj_id=recorded.pk).exists()


@pytest.mark.django_db
def test_the_benchmark_signs_in_as_the_sign_in_page_does(client):
    """Its clients' sessions name the backend a sign-in through the page names, so each
    request reads its user as in production."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY

    from partnership.tests.factories import PASSWORD, UserFactory

    user = UserFactory()
    response = client.post("/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302

    assert client.session[BACKEND_SESSION_KEY] == scenarios.SIGNED_IN_BACKEND
    assert scenarios._signed_in(user).session[BACKEND_SESSION_KEY] == scenarios.SIGNED_IN_BACKEND
    assert settings.SESSION_COOKIE_NAME in client.cookies
