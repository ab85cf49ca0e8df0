"""Runs the portal's processes with their servers: `python -m tooling.launcher COMMAND`.

    run               migrate, load demo data, then web, Celery worker and beat until Ctrl-C
                      (and a stand-in probation case record, unless CASE_RECORD_SOURCE is set)
    test [ARGS...]    the whole pytest suite (arguments passed on)
    exec CMD [ARGS]   any command with the environment pointing at the servers

With no DATABASE_URL or REDIS_URL, embedded servers are started under `var/` (`var/test/`
for the suite, so it never touches the demo data; PARTNERSHIP_VAR_DIR names another
folder) and stopped on exit. A `.env` beside manage.py is read as the settings read it:
its variables count where the environment does not set them.

`run` supervises what it starts (tooling/supervisor.py): a web server, worker, beat or
embedded server that dies is started again after 1, 2, 4… seconds, and everything stops
on Ctrl-C or SIGTERM, or when one keeps failing. It serves on HOST:PORT, by default
127.0.0.1:8000: the loopback only, unless HOST says otherwise.

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
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import environ as django_environ

from partnership import db_roles
from tooling.embedded import PASSWORDS_FILE, EmbeddedServices, running
from tooling.supervisor import ProcessChild, Supervisor

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = BASE_DIR / "partnership" / "gunicorn.conf.py"
PYTHON = sys.executable
READY_TIMEOUT_SECONDS = 120
DEMO_PASSWORD = "demo-partnership-2026"
# The access log's retention runs at start and then once a day while the portal runs.
PRUNE_EVERY_SECONDS = 24 * 60 * 60


def project_environ(
    env_file: Path = BASE_DIR / ".env", environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """`environ` with the variables of `env_file` it does not set, as the settings read them:
    a DATABASE_URL or CASE_RECORD_SOURCE in `.env` chooses servers as one exported would."""

    class FromFile(django_environ.Env):
        ENVIRON: dict[str, str] = {}

    if env_file.is_file():
        FromFile.read_env(env_file)
    return {**FromFile.ENVIRON, **environ}


def _say(message: str) -> None:
    print(f"[partnership] {message}", flush=True)


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def collect_static(env: dict[str, str]) -> None:
    """collectstatic, saying how far it has got, or nothing to do when the static files are
    those collected last time (tooling/static)."""
    subprocess.run([PYTHON, "-m", "tooling.static"], cwd=BASE_DIR, env=env, check=True)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - our own loopback URL
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


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


class ServerChild:
    """An embedded server as the supervisor sees it: started again when it dies, and
    stopped by the launcher's `running()` block, after everything that uses it."""

    def __init__(self, name: str, *, alive: Callable[[], bool], restart: Callable[[], None]):
        self.name, self._alive, self._restart = name, alive, restart

    def start(self) -> None:
        if not self._alive():
            self._restart()

    def exit_status(self) -> str | None:
        return None if self._alive() else "stopped"

    def terminate(self) -> None:
        pass

    def wait(self, timeout: float) -> None:
        pass


def portal_children(env: dict[str, str], var_dir: Path) -> list[ProcessChild]:
    """Web (gunicorn, settings from partnership/gunicorn.conf.py), the Celery worker and beat."""
    bin_dir = Path(PYTHON).parent
    host, port = env.get("HOST", "127.0.0.1"), env.get("PORT", "8000")
    commands = {
        "web": [
            str(bin_dir / "gunicorn"),
            "partnership.wsgi",
            "--config",
            str(GUNICORN_CONFIG),
            "--bind",
            f"{host}:{port}",
        ],
        "worker": [
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
        "beat": [
            str(bin_dir / "celery"),
            "-A",
            "partnership",
            "beat",
            "-l",
            "INFO",
            "-s",
            str(var_dir / "celerybeat-schedule"),
        ],
    }
    return [
        ProcessChild(name, command, cwd=BASE_DIR, env=env) for name, command in commands.items()
    ]


def server_children(services: EmbeddedServices) -> list[ServerChild]:
    """The embedded servers this launcher started, to be started again if they die."""
    children = []
    if "postgres" in services.started:
        children.append(
            ServerChild(
                "postgres", alive=services.postgres_alive, restart=services.postgres_restart
            )
        )
    if "redis" in services.started:
        children.append(
            ServerChild("redis", alive=services.redis_alive, restart=services.redis_restart)
        )
    return children


def case_record_children(env: dict[str, str]) -> list[ProcessChild]:
    """With no case record configured (no CASE_RECORD_SOURCE), the stand-in case record
    (tooling/caserecord_standin.py) on a free loopback port, and `env` pointed at it, so
    that prefilling a referral can be walked on a fresh checkout; otherwise nothing."""
    if env.get("CASE_RECORD_SOURCE"):
        return []
    from tooling.caserecord_standin import environ
    from tooling.servers import free_port

    port = str(free_port())
    env.update(environ(f"http://127.0.0.1:{port}"))
    command = [PYTHON, "-m", "tooling.caserecord_standin", "--port", port]
    return [ProcessChild("caserecord", command, cwd=BASE_DIR, env=env)]


def run(
    env: dict[str, str], *, var_dir: Path, servers: Sequence[ServerChild | ProcessChild] = ()
) -> int:
    """Migrate, load the demo, then serve web, worker and beat in the foreground, starting
    again whatever dies, until Ctrl-C or SIGTERM (0), or a process that keeps failing (1)."""
    port = env.get("PORT", "8000")
    host = env.get("HOST", "127.0.0.1")
    _say("migrating the database")
    _manage("migrate", "--no-input", env=env)
    _prune_access_log(env)
    _say("loading demo data")
    _manage("load_demo", env=env)
    collect_static(env)
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    supervisor = Supervisor([*servers, *portal_children(env, var_dir)], say=_say)
    url = f"http://{host}:{port}"
    announced = False
    ready_by = time.monotonic() + READY_TIMEOUT_SECONDS
    next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
    try:
        supervisor.start()
        while not stopping and supervisor.check():
            if not announced and _ready(f"{url}/readyz"):
                announced = True
                _announce(url)
            elif not announced and time.monotonic() > ready_by:
                ready_by = float("inf")
                _say(f"the portal is not ready yet; see the output above ({url}/readyz)")
            if time.monotonic() >= next_prune:
                _prune_access_log(env)
                next_prune += PRUNE_EVERY_SECONDS
            time.sleep(0.5)
    finally:
        _say("stopping web, worker and beat")
        supervisor.stop()
    return 0 if stopping else 1


def _announce(url: str) -> None:
    _say(f"Probation partnerships is running at {url}/  (Ctrl-C stops it)")
    _say(f"demo sign-ins, all with the password {DEMO_PASSWORD}:")
    from partnership.demo import DEMO_ACCOUNTS

    for account in DEMO_ACCOUNTS:
        _say(f"  {account.email:<38} {account.description}")


def parallel_args(args: list[str], environ: Mapping[str, str]) -> list[str]:
    """The suite in TEST_PROCESSES processes (default: one a core), unless the caller chose."""
    if any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in args):
        return args
    processes = environ.get("TEST_PROCESSES") or str(os.cpu_count() or 1)
    if processes in {"0", "1"}:
        return args
    return ["-n", processes, "--dist", "worksteal", *args]


def var_root(environ: Mapping[str, str]) -> Path:
    """Where the embedded servers' data and beat's schedule live: PARTNERSHIP_VAR_DIR, else var/."""
    configured = environ.get("PARTNERSHIP_VAR_DIR")
    return Path(configured).resolve() if configured else BASE_DIR / "var"


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "exec"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    base = project_environ()
    root = var_root(base)
    var_dir = root / "test" if command == "test" else root
    with running(var_dir, base) as services:
        for name in services.started:
            _say(f"embedded {name} started under {var_dir}/")
        env = {**base, **services.environ}
        roles = database_roles_environ(env, var_dir)
        if roles:
            _say("database roles provisioned with the superuser's DATABASE_URL")
            env.update(roles)
        env.setdefault("DJANGO_SETTINGS_MODULE", "partnership.settings.base")
        if command == "run":
            servers = [*server_children(services), *case_record_children(env)]
            if "CASE_RECORD_SOURCE" not in base:
                _say(f"stand-in probation case record at {env['HMPPS_ARN_URL']}")
            return run(env, var_dir=var_dir, servers=servers)
        if command == "test":
            env["DJANGO_SETTINGS_MODULE"] = "partnership.settings.test"
            return subprocess.run(
                [PYTHON, "-m", "pytest", *parallel_args(rest, env)], cwd=BASE_DIR, env=env
            ).returncode
        return subprocess.run(rest, cwd=BASE_DIR, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
