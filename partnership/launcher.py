"""Runs the portal's processes with their servers: `python -m partnership.launcher COMMAND`.

    run               migrate, load demo data, then web, Celery worker and beat until Ctrl-C
    test [ARGS...]    the whole pytest suite (arguments passed on)
    exec CMD [ARGS]   any command with the environment pointing at the servers

With no DATABASE_URL or REDIS_URL, embedded servers are started under `var/` (`var/test/`
for the suite, so it never touches the demo data) and stopped on exit.

The portal runs as the database's app role and migrates as its owner role
(partnership/db_roles.py). The embedded server gets both roles at each start. A
DATABASE_URL of a superuser with no DATABASE_OWNER_URL (a development server, say
postgres://postgres@127.0.0.1:5432/partnership) is used the same way: the roles are made
with it, and the portal's processes get the two roles' URLs instead of the superuser's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from partnership import db_roles
from partnership.embedded import PASSWORDS_FILE, running

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PYTHON = sys.executable
DEMO_PASSWORD = "demo-partnership-2026"
# The access log's retention runs at start and then once a day while the portal runs.
PRUNE_EVERY_SECONDS = 24 * 60 * 60


def _say(message: str) -> None:
    print(f"[partnership] {message}", flush=True)


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def _wait_until_ready(url: str, processes: list[subprocess.Popen], timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - our own loopback URL
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    return False


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes:
        remaining = max(0.1, deadline - time.monotonic())
        try:
            process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            process.kill()


def _prune_access_log(env: dict[str, str]) -> None:
    """The access log's retention, as the owner role; a failure is reported, not fatal."""
    result = subprocess.run(
        [PYTHON, "manage.py", "prune_access_log"], cwd=BASE_DIR, env=env, check=False
    )
    if result.returncode != 0:
        _say("the access log's retention did not run; see the output above")


def database_roles_environ(env: dict[str, str], var_dir: Path) -> dict[str, str]:
    """For a superuser's DATABASE_URL with no owner URL: provision the roles with it and
    return the app and owner URLs to use instead; otherwise nothing."""
    url = env.get("DATABASE_URL")
    if not url or env.get("DATABASE_OWNER_URL"):
        return {}
    if not db_roles.is_superuser(db_roles.url_config(url)):
        return {}
    return db_roles.provisioned_environ(url, passwords_file=var_dir / PASSWORDS_FILE, environ=env)


def run(env: dict[str, str]) -> int:
    """Migrate, load the demo, then serve web, worker and beat in the foreground."""
    port = env.get("PORT", "8000")
    host = env.get("HOST", "127.0.0.1")
    _say("migrating the database")
    _manage("migrate", "--no-input", env=env)
    _prune_access_log(env)
    _say("loading demo data")
    _manage("load_demo", env=env)
    _manage("collectstatic", "--no-input", "-v", "0", env=env)
    bin_dir = Path(PYTHON).parent
    processes = [
        subprocess.Popen(
            [
                str(bin_dir / "gunicorn"),
                "partnership.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                env.get("WEB_CONCURRENCY", "2"),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ],
            cwd=BASE_DIR,
            env=env,
        ),
        subprocess.Popen(
            [
                str(bin_dir / "celery"),
                "-A",
                "partnership",
                "worker",
                "-Q",
                "default,alerts",
                "--concurrency",
                env.get("WORKER_CONCURRENCY", "2"),
                "-l",
                "INFO",
                "-n",
                "worker@%h",
            ],
            cwd=BASE_DIR,
            env=env,
        ),
        subprocess.Popen(
            [
                str(bin_dir / "celery"),
                "-A",
                "partnership",
                "beat",
                "-l",
                "INFO",
                "-s",
                str(VAR_DIR / "celerybeat-schedule"),
            ],
            cwd=BASE_DIR,
            env=env,
        ),
    ]
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        url = f"http://{host}:{port}"
        if _wait_until_ready(f"{url}/readyz", processes):
            _say(f"Probation partnerships is running at {url}/  (Ctrl-C stops it)")
            _say(f"demo sign-ins, all with the password {DEMO_PASSWORD}:")
            from partnership.demo import DEMO_ACCOUNTS

            for account in DEMO_ACCOUNTS:
                _say(f"  {account.email:<38} {account.description}")
        else:
            _say(f"the portal did not become ready; see the output above ({url}/readyz)")
        next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        while not stopping and all(p.poll() is None for p in processes):
            if time.monotonic() >= next_prune:
                _prune_access_log(env)
                next_prune += PRUNE_EVERY_SECONDS
            time.sleep(0.5)
    finally:
        _say("stopping web, worker and beat")
        _stop(processes)
    return 0 if stopping else 1


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "exec"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    var_dir = VAR_DIR / "test" if command == "test" else VAR_DIR
    with running(var_dir) as services:
        for name in services.started:
            _say(f"embedded {name} started under {var_dir.relative_to(BASE_DIR)}/")
        env = {**os.environ, **services.environ}
        roles = database_roles_environ(env, var_dir)
        if roles:
            _say("database roles provisioned with the superuser's DATABASE_URL")
            env.update(roles)
        env.setdefault("DJANGO_SETTINGS_MODULE", "partnership.settings.base")
        if command == "run":
            return run(env)
        if command == "test":
            env["DJANGO_SETTINGS_MODULE"] = "partnership.settings.test"
            return subprocess.run([PYTHON, "-m", "pytest", *rest], cwd=BASE_DIR, env=env).returncode
        return subprocess.run(rest, cwd=BASE_DIR, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
