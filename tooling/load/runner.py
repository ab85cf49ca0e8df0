"""Runs the load test against gunicorn and a Celery worker under the production settings.

The servers use the database this process is connected to (a separate one: `make load`
makes `partnership_load`) and their own Redis database, so neither the demo's data nor its
queues are touched. Everything is on the loopback, and every loop is bounded in time.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.db import connection
from django.utils import timezone

from partnership.db_roles import database_url
from tooling.load.seed import EMAIL_DOMAIN, load_seed, load_tokens_revoke
from tooling.servers import free_port

BASE_DIR = Path(settings.BASE_DIR)
BIN_DIR = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
GUNICORN_CONFIG = BASE_DIR / "partnership" / "gunicorn.conf.py"
QUEUES = ("default", "alerts")
READY_TIMEOUT = 120
STOP_TIMEOUT = 20
# Users finish the task in hand at the end of the run, so no referral is cut off mid-send.
LOCUST_STOP_TIMEOUT = 30


class LoadTestError(Exception):
    """The load test could not run (a server did not start, locust failed to report)."""


@dataclass
class LoadOptions:
    seconds: int = 30
    users: int = 20
    organisations: int = 10
    web_workers: int = 2
    worker_concurrency: int = 1
    redis_db: int = 13
    drain_seconds: int = 60
    port: int | None = None
    # After the run: the same journeys at each of these numbers of users in turn, for
    # `ramp_seconds` each, until p95 passes RAMP_P95_MS; the throughput there is the
    # capacity of this machine.
    ramp: tuple[int, ...] = ()
    ramp_seconds: int = 20


# The latency at which the ramp says the portal is full.
RAMP_P95_MS = 200


@dataclass
class Figures:
    """Locust's figures for one journey (or all of them): latencies in milliseconds."""

    name: str
    requests: int
    errors: int
    requests_per_second: float
    p50_ms: float | None
    p95_ms: float | None


@dataclass
class LoadResult:
    journeys: list[Figures]
    overall: Figures
    client_exceptions: int
    referrals_sent: int
    referrals_found: int
    referrals_lost: list[str]
    referrals_unconfirmed: int
    referrals_accepted: int
    referrals_accepted_found: int
    emails_delivered: int
    emails_pending: int
    tasks_queued: int
    problems: list[str] = field(default_factory=list)
    ramp: list[dict] = field(default_factory=list)
    capacity: dict | None = None
    # The same figures for the requests begun once the start's burst had passed
    # (`tooling.load.figures`): the journeys, then all of them.
    past_start: list[Figures] = field(default_factory=list)
    past_start_seconds: float = 0.0

    @property
    def errors(self) -> int:
        return self.overall.errors + self.client_exceptions

    @property
    def passed(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {**asdict(self), "errors": self.errors, "passed": self.passed}


# Where the servers find Postgres and Redis.


def redis_urls(redis_url: str, db: int) -> tuple[str, str]:
    """The cache URL and the Celery broker URL for database `db` of the same Redis server."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"]
        cache = f"unix://{parts.path}?{urlencode([*query, ('db', db)])}"
        # Kombu reads a socket's database from `virtual_host`, not from `db`.
        broker = f"redis+socket://{parts.path}?{urlencode([*query, ('virtual_host', db)])}"
        return cache, broker
    url = f"{parts.scheme}://{parts.netloc}/{db}" + (f"?{parts.query}" if parts.query else "")
    return url, url


def server_environ(*, options: LoadOptions, port: int) -> dict[str, str]:
    """The production settings, pointed at this process's database and the load's Redis."""
    cache_url, broker_url = redis_urls(settings.REDIS_URL, options.redis_db)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnership.settings.production",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": cache_url,
        "CELERY_BROKER_URL": broker_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
        "PORTAL_BASE_URL": f"https://127.0.0.1:{port}",
        # Never a real email from a load test, whatever .env says.
        "EMAIL_PROVIDER": "locmem",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def _queues(broker_url: str):
    from kombu import Connection

    return Connection(broker_url, transport_options={"socket_connect_timeout": 5})


def _queued_tasks(broker_url: str) -> int:
    with _queues(broker_url) as conn:
        channel = conn.default_channel
        # Declaring is harmless (the worker declares the same queues) and tells the length.
        return sum(channel.queue_declare(queue=queue).message_count for queue in QUEUES)


def _purge(broker_url: str) -> None:
    """Drop what an interrupted earlier run left queued: it named rows that may be gone."""
    with _queues(broker_url) as conn:
        for queue in QUEUES:
            conn.default_channel.queue_purge(queue)


# The processes.


class Servers:
    """gunicorn and a Celery worker, their output in log files, stopped however the run ends."""

    def __init__(self, *, environ: dict[str, str], options: LoadOptions, port: int, logs: Path):
        self.environ, self.options, self.port, self.logs = environ, options, port, logs
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, run_id: str) -> None:
        commands = {
            # The portal's own gunicorn settings, as `make run` and the image use them.
            "gunicorn": [
                str(BIN_DIR / "gunicorn"),
                "--config",
                str(GUNICORN_CONFIG),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.options.web_workers),
            ],
            "worker": [
                str(BIN_DIR / "celery"),
                "-A",
                "partnership",
                "worker",
                "-Q",
                ",".join(QUEUES),
                "--concurrency",
                str(self.options.worker_concurrency),
                "-n",
                f"load-{run_id}@%h",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "WARNING",
            ],
        }
        for name, command in commands.items():
            # The process keeps its own copy of the file; ours closes at once.
            with open(self.logs / f"{name}.log", "wb") as log:
                self.processes[name] = subprocess.Popen(  # noqa: S603 - our own fixed commands
                    command, cwd=BASE_DIR, env=self.environ, stdout=log, stderr=subprocess.STDOUT
                )

    def wait_until_ready(self) -> None:
        """Until /readyz says the database, the broker and the worker all answer."""
        deadline = time.monotonic() + READY_TIMEOUT
        last = "no answer"
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise LoadTestError(f"{name} stopped while starting:\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(  # noqa: S310 - our own loopback server
                    f"http://127.0.0.1:{self.port}/readyz", timeout=5
                ) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                last = exc.read().decode(errors="replace")
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last = str(exc)
            time.sleep(0.5)
        raise LoadTestError(f"the servers were not ready after {READY_TIMEOUT} s: {last}")

    def warm_up(self, accounts: dict) -> int:
        """Have every web worker load the API's code before the figures start: a few reads
        at once, as a practitioner and as a provider admin. Returns how many answered 200."""
        from concurrent.futures import ThreadPoolExecutor

        reads = [
            (accounts["practitioners"][0]["token"], "/api/v1/services/"),
            (accounts["practitioners"][0]["token"], "/api/v1/referrals/"),
        ]
        if accounts["providers"]:
            reads.append((accounts["providers"][0]["token"], "/api/v1/referrals/?status=sent"))

        def read(token_and_path: tuple[str, str]) -> bool:
            token, path = token_and_path
            request = urllib.request.Request(  # noqa: S310 - our own loopback server
                f"http://127.0.0.1:{self.port}{path}",
                headers={"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    return response.status == 200
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return False

        calls = reads * 2 * self.options.web_workers
        with ThreadPoolExecutor(max_workers=2 * self.options.web_workers) as pool:
            return sum(pool.map(read, calls))

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# Locust and its figures.


def provider_users(users: int) -> int:
    """A quarter of the users are provider admins, one per organisation; the rest refer."""
    return max(1, users // 4) if users > 1 else 0


def _crn_start() -> int:
    """A CRN number above every one the load test has used, so no two referrals collide."""
    from django.db.models import Max

    from referrals.models import Referral

    highest = Referral.objects.filter(
        practitioner__email__endswith=f"@{EMAIL_DOMAIN}", crn__startswith="L"
    ).aggregate(highest=Max("crn"))["highest"]
    return int(highest[1:]) + 1 if highest else 0


def run_locust(
    *, options: LoadOptions, port: int, accounts: dict, run_id: str, workdir: Path
) -> tuple[list[Figures], Figures, dict]:
    """Run the journeys for `options.seconds`; return the figures and the client's record."""
    accounts_path, record_path = workdir / "accounts.json", workdir / "record.json"
    accounts_path.write_text(json.dumps(accounts), encoding="utf-8")
    accounts_path.chmod(0o600)
    environ = {
        **os.environ,
        "LOAD_ACCOUNTS": str(accounts_path),
        "LOAD_RECORD": str(record_path),
        "LOAD_RUN_ID": run_id,
        "LOAD_CRN_START": str(_crn_start()),
        "LOAD_PROVIDER_USERS": str(provider_users(options.users)),
    }
    command = [
        str(BIN_DIR / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(options.users),
        "--spawn-rate",
        str(options.users),
        "--run-time",
        f"{options.seconds}s",
        "--stop-timeout",
        str(LOCUST_STOP_TIMEOUT),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    limit = options.seconds + LOCUST_STOP_TIMEOUT + 60
    try:
        with open(workdir / "locust.log", "wb") as log:
            completed = subprocess.run(  # noqa: S603 - our own fixed command
                command,
                cwd=BASE_DIR,
                env=environ,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=limit,
                check=False,
            )
    except subprocess.TimeoutExpired as exc:
        raise LoadTestError(f"locust was still running after {limit} s and was stopped") from exc
    # Locust exits 1 when a request failed; anything else, or no record, is its own failure.
    if completed.returncode not in (0, 1) or not record_path.exists():
        tail = "\n".join((workdir / "locust.log").read_text(errors="replace").splitlines()[-30:])
        raise LoadTestError(f"locust exited {completed.returncode}:\n{tail}")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    journeys = [Figures(**figures) for figures in record["journeys"]]
    return journeys, Figures(**record["overall"]), record


# After the run.


def failures(record: dict, workdir: Path, servers: Servers) -> str:
    """What went wrong, as locust counted it, with the end of each log."""
    parts = [
        f"[load] {failure['occurrences']} x {failure['method']} {failure['name']}: "
        f"{failure['error']}"
        for failure in record["failures"]
    ]
    if record["exceptions"]:
        log = (workdir / "locust.log").read_text(errors="replace").splitlines()
        parts.append("[load] the end of locust's log:\n" + "\n".join(log[-30:]))
    for name in servers.processes:
        parts.append(f"[load] the end of {name}'s log:\n{servers.log_tail(name)}")
    return "\n".join(parts)


def _emails(started) -> tuple[int, int]:
    from notifications.models import Notification

    mine = Notification.objects.filter(
        created_at__gte=started, recipient__email__endswith=f"@{EMAIL_DOMAIN}"
    )
    return (
        mine.filter(email_status=Notification.EmailStatus.SENT).count(),
        # An email claimed but never recorded sent is as undelivered as a pending one.
        mine.filter(
            email_status__in=[Notification.EmailStatus.PENDING, Notification.EmailStatus.SENDING]
        ).count(),
    )


def drain(*, started, broker_url: str, seconds: int) -> tuple[int, int, int]:
    """Wait, at most `seconds`, for the worker to finish what the run queued."""
    deadline = time.monotonic() + seconds
    while True:
        delivered, pending = _emails(started)
        queued = _queued_tasks(broker_url)
        if (not pending and not queued) or time.monotonic() > deadline:
            return delivered, pending, queued
        time.sleep(0.5)


def check_referrals(*, record: dict, run_id: str) -> dict:
    """Compare the referrals the clients saw sent and accepted with the database."""
    from referrals.models import Referral, Status

    sent_ids = [referral["id"] for referral in record["sent"]]
    stored = {
        str(public_id): status
        for public_id, status in Referral.objects.filter(public_id__in=sent_ids).values_list(
            "public_id", "status"
        )
    }
    lost = [
        referral["reference"]
        for referral in record["sent"]
        if stored.get(referral["id"], Status.DRAFT) == Status.DRAFT
    ]
    sent_in_database = Referral.objects.filter(
        idempotency_key__startswith=f"{run_id}-", sent_at__isnull=False
    ).count()
    accepted_found = Referral.objects.filter(
        public_id__in=record["accepted"], status=Status.ACCEPTED
    ).count()
    return {
        "referrals_sent": len(sent_ids),
        "referrals_found": len(sent_ids) - len(lost),
        "referrals_lost": lost,
        "referrals_unconfirmed": max(0, sent_in_database - (len(sent_ids) - len(lost))),
        "referrals_accepted": len(record["accepted"]),
        "referrals_accepted_found": accepted_found,
    }


def problems(result: LoadResult, options: LoadOptions) -> list[str]:
    """Why the run failed: any error, a lost referral, work the worker never finished."""
    found = []
    if result.errors:
        found.append(f"{result.errors} requests failed")
    if result.referrals_lost:
        found.append(f"{len(result.referrals_lost)} sent referrals are missing")
    if result.referrals_accepted_found != result.referrals_accepted:
        found.append("accepted referrals are not accepted in the database")
    if result.emails_pending or result.tasks_queued:
        found.append(
            f"the worker left {result.emails_pending} emails and {result.tasks_queued} tasks "
            f"after {options.drain_seconds} s"
        )
    if not result.referrals_sent:
        found.append("no referral was sent")
    return found


def run(options: LoadOptions, say: Callable[[str], None]) -> LoadResult:
    """Seed, start the servers, run locust for the set time, then check and report."""
    run_id = secrets.token_hex(4)
    port = options.port or free_port()
    environ = server_environ(options=options, port=port)

    organisations = max(options.organisations, provider_users(options.users))
    say(f"[load] seeding {options.users} practitioners and {organisations} organisations")
    most = max((options.users, *options.ramp))
    organisations = max(organisations, provider_users(most))
    accounts = load_seed(practitioners=most, organisations=organisations)
    _purge(environ["CELERY_BROKER_URL"])
    with tempfile.TemporaryDirectory(prefix="partnership-load-") as tmp:
        workdir = Path(tmp)
        servers = Servers(environ=environ, options=options, port=port, logs=workdir)
        try:
            say(f"[load] starting gunicorn on 127.0.0.1:{port} and a Celery worker")
            starting = time.monotonic()
            servers.start(run_id)
            servers.wait_until_ready()
            warmed = servers.warm_up(accounts)
            say(
                f"[load] ready after {time.monotonic() - starting:.0f} s ({warmed} warm-up "
                f"reads); {options.users} users for {options.seconds} s"
            )
            started = timezone.now()
            journeys, overall, record = run_locust(
                options=options, port=port, accounts=accounts, run_id=run_id, workdir=workdir
            )
            delivered, pending, queued = drain(
                started=started,
                broker_url=environ["CELERY_BROKER_URL"],
                seconds=options.drain_seconds,
            )
            referrals = check_referrals(record=record, run_id=run_id)
            steps = _ramp(options, say, port=port, accounts=accounts, workdir=workdir)
        finally:
            servers.stop()
            load_tokens_revoke()
        result = LoadResult(
            journeys=journeys,
            overall=overall,
            client_exceptions=record["exceptions"],
            emails_delivered=delivered,
            emails_pending=pending,
            tasks_queued=queued,
            **referrals,
            ramp=steps,
            capacity=ramp_capacity(steps),
            **_past_start(record),
        )
        result.problems = problems(result, options)
        if result.errors:
            say(failures(record, workdir, servers))
    say(report(result, options))
    return result


def _past_start(record: dict) -> dict:
    past = record.get("past_start")
    if not past:
        return {}
    return {
        "past_start": [Figures(**figures) for figures in [*past["journeys"], past["overall"]]],
        "past_start_seconds": past["seconds"],
    }


def _ramp(options: LoadOptions, say, *, port: int, accounts: dict, workdir: Path) -> list[dict]:
    """The journeys at each number of users of the ramp in turn, until p95 passes
    RAMP_P95_MS: each step's users, throughput, p50 and p95."""
    steps = []
    for users in options.ramp:
        say(f"[load] ramp: {users} users for {options.ramp_seconds} s")
        _, overall, _ = run_locust(
            options=replace(options, users=users, seconds=options.ramp_seconds),
            port=port,
            accounts=accounts,
            run_id=secrets.token_hex(4),
            workdir=workdir,
        )
        steps.append(
            {
                "users": users,
                "requests_per_second": round(overall.requests_per_second, 1),
                "p50_ms": overall.p50_ms,
                "p95_ms": overall.p95_ms,
                "errors": overall.errors,
            }
        )
        if overall.p95_ms is None or overall.p95_ms > RAMP_P95_MS:
            break
    return steps


def ramp_capacity(steps: list[dict]) -> dict | None:
    """The throughput where p95 reaches RAMP_P95_MS, interpolated between the last step
    under it and the first over it (the last step's, if none passed it), and per core."""
    if not steps:
        return None
    under = [step for step in steps if step["p95_ms"] is not None and step["p95_ms"] <= RAMP_P95_MS]
    over = [step for step in steps if step["p95_ms"] is None or step["p95_ms"] > RAMP_P95_MS]
    if under and over and over[0]["p95_ms"] is not None:
        low, high = under[-1], over[0]
        share = (RAMP_P95_MS - low["p95_ms"]) / (high["p95_ms"] - low["p95_ms"])
        rate = low["requests_per_second"] + share * (
            high["requests_per_second"] - low["requests_per_second"]
        )
        reached = True
    else:
        rate = (under[-1] if under else steps[0])["requests_per_second"]
        reached = bool(over)
    cores = os.cpu_count() or 1
    return {
        "p95_ms": RAMP_P95_MS,
        "requests_per_second": round(rate, 1),
        "per_core": round(rate / cores, 1),
        "cores": cores,
        # False: p95 stayed under the mark at the most users tried, so the capacity is more.
        "reached": reached,
    }


def report(result: LoadResult, options: LoadOptions) -> str:
    """The figures overall and per journey, then the checks, as printed after a run."""

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}"

    lines = [
        "",
        f"Load test: {options.users} users for {options.seconds} s, gunicorn "
        f"({options.web_workers} workers, partnership/gunicorn.conf.py) and a Celery worker, "
        "production settings, "
        f"database {connection.settings_dict['NAME']}",
        f"{'journey':<24}{'requests':>9}{'errors':>8}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}",
    ]
    for figures in [*result.journeys, result.overall]:
        lines.append(
            f"{figures.name:<24}{figures.requests:>9}{figures.errors:>8}"
            f"{figures.requests_per_second:>8.1f}{ms(figures.p50_ms):>8}{ms(figures.p95_ms):>8}"
        )
    if result.past_start:
        lines += [
            "",
            f"past the start (requests begun {result.past_start_seconds:g} s or more after the "
            "first, once every user has arrived and sent a first referral at the same moment):",
        ]
        for figures in result.past_start:
            lines.append(
                f"{figures.name:<24}{figures.requests:>9}{figures.errors:>8}"
                f"{figures.requests_per_second:>8.1f}{ms(figures.p50_ms):>8}{ms(figures.p95_ms):>8}"
            )
    lines += [
        "",
        f"errors: {result.errors} ({result.overall.errors} failed requests, "
        f"{result.client_exceptions} client exceptions)",
        f"referrals sent: {result.referrals_sent}, found in the database: "
        f"{result.referrals_found}, lost: {len(result.referrals_lost)}"
        + (f" ({', '.join(result.referrals_lost[:10])})" if result.referrals_lost else "")
        # A client stopped mid-request at the end of the run: sent, but never told so.
        + (
            f"; sent without a client seeing it: {result.referrals_unconfirmed}"
            if result.referrals_unconfirmed
            else ""
        ),
        f"referrals accepted: {result.referrals_accepted}, accepted in the database: "
        f"{result.referrals_accepted_found}",
        f"worker: {result.emails_delivered} emails delivered, {result.emails_pending} pending, "
        f"{result.tasks_queued} tasks still queued",
        "result: " + ("passed" if result.passed else "FAILED: " + "; ".join(result.problems)),
    ]
    if result.ramp:
        lines += ["", f"{'ramp: users':<24}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}"]
        for step in result.ramp:
            lines.append(
                f"{step['users']:<24}{step['requests_per_second']:>8.1f}"
                f"{ms(step['p50_ms']):>8}{ms(step['p95_ms']):>8}"
            )
        capacity = result.capacity
        lines.append(
            f"capacity: {capacity['requests_per_second']} requests a second "
            f"({capacity['per_core']} a core on {capacity['cores']}) "
            + (
                f"where p95 reaches {capacity['p95_ms']} ms"
                if capacity["reached"]
                else f"or more: p95 stayed under {capacity['p95_ms']} ms"
            )
        )
    return "\n".join(lines)
