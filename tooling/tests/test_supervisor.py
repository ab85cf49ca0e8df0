"""The launcher supervises what it starts: a process or embedded server that dies comes back
(with backoff, said in the log), everything stops on Ctrl-C or when one keeps failing."""

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
import redis

from tooling.embedded import embedded_services
from tooling.servers import free_port
from tooling.supervisor import ProcessChild, Supervisor

BASE_DIR = Path(__file__).resolve().parents[2]


class FakeChild:
    def __init__(self, name):
        self.name, self.starts, self.code, self.fail_to_start = name, 0, None, False

    def start(self):
        if self.fail_to_start:
            raise RuntimeError("address in use")
        self.starts += 1
        self.code = None

    def exit_status(self):
        return None if self.code is None else f"exited with code {self.code}"

    def terminate(self):
        self.code = -15

    def wait(self, timeout):
        pass


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_supervised_child_that_dies_is_restarted_with_backoff_and_logged():
    said, clock, worker, web = [], Clock(), FakeChild("worker"), FakeChild("web")
    supervisor = Supervisor([web, worker], say=said.append, clock=clock)
    supervisor.start()
    worker.code = -9
    assert supervisor.check()
    assert said == ["worker exited with code -9; restarting in 1 s (restart 1)"]
    clock.now += 0.5
    assert supervisor.check() and worker.starts == 1  # not yet
    clock.now += 0.6
    assert supervisor.check() and worker.starts == 2
    # A second quick failure waits twice as long.
    worker.code = 1
    clock.now += 5
    supervisor.check()
    assert said[-1] == "worker exited with code 1; restarting in 2 s (restart 2)"
    assert web.starts == 1  # the others are left alone


def test_supervised_child_that_ran_a_while_starts_a_fresh_count():
    said, clock, beat = [], Clock(), FakeChild("beat")
    supervisor = Supervisor([beat], say=said.append, clock=clock)
    supervisor.start()
    for _ in range(4):
        beat.code = 1
        supervisor.check()
        clock.now += 30
        supervisor.check()
    assert said[-1].endswith("restarting in 8 s (restart 4)")
    clock.now += 120
    beat.code = 1
    assert supervisor.check()
    assert said[-1] == "beat exited with code 1; restarting in 1 s (restart 5)"


def test_supervised_child_failing_five_times_within_a_minute_stops_everything():
    said, clock, worker = [], Clock(), FakeChild("worker")
    supervisor = Supervisor([worker], say=said.append, clock=clock)
    supervisor.start()
    results = []
    for _ in range(5):
        worker.code = 1
        results.append(supervisor.check())
        clock.now += 20
        supervisor.check()
    assert results == [True, True, True, True, False]
    assert supervisor.gave_up == "worker"
    assert "failed 5 times" in said[-1] and "stopping everything" in said[-1]
    assert not supervisor.check()


def test_supervised_server_that_cannot_start_again_counts_as_a_failure():
    said, clock, redis_child = [], Clock(), FakeChild("redis")
    supervisor = Supervisor([redis_child], say=said.append, clock=clock)
    supervisor.start()
    redis_child.code, redis_child.fail_to_start = -9, True
    supervisor.check()
    clock.now += 1
    supervisor.check()
    assert said[-1] == "redis did not start again (address in use); restarting in 2 s (restart 2)"


def test_supervised_process_group_is_stopped_with_its_leader(tmp_path):
    """What a dead process leaves behind (a pool process) goes with it."""
    script = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    child = ProcessChild(
        "worker", [sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ)
    )
    child.start()
    leader = psutil.Process(child.pid)
    deadline = time.monotonic() + 10
    while not leader.children() and time.monotonic() < deadline:
        time.sleep(0.1)
    (grandchild,) = leader.children()
    os.kill(child.pid, signal.SIGKILL)
    child.process.wait()
    assert child.exit_status() == "exited with code -9"
    child.start()  # the restart clears what the dead one left
    grandchild.wait(timeout=5)
    child.terminate()
    child.wait(5)
    assert child.exit_status() == "exited with code -15"


def test_supervised_embedded_redis_restarts_with_its_data(tmp_path):
    services = embedded_services(tmp_path, {"DATABASE_URL": "postgres://unused/unused"})
    try:
        client = redis.Redis.from_url(services.environ["REDIS_URL"])
        client.lpush("queued", "task-1")
        client.close()
        os.kill(services._redis.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while services.redis_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not services.redis_alive()
        services.redis_restart()
        assert services.redis_alive()
        # The same URL reaches it, with what was queued before (the append-only file).
        client = redis.Redis.from_url(services.environ["REDIS_URL"])
        assert client.lrange("queued", 0, -1) == [b"task-1"]
        assert client.config_get("appendonly")["appendonly"] == "yes"
        client.close()
    finally:
        services.stop()


# The launcher itself, end to end.


def _readyz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"not within {seconds} s: {what}")


class Output(threading.Thread):
    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.lines = stream, []

    def run(self):
        for line in self.stream:
            self.lines.append(line.rstrip("\n"))

    def has(self, text: str) -> bool:
        return any(text in line for line in self.lines)


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _role_pids(launcher: psutil.Process, needle: str) -> list[int]:
    return [
        p.pid
        for p in launcher.children()
        if needle in " ".join(p.cmdline()) and p.status() != psutil.STATUS_ZOMBIE
    ]


@pytest.mark.slow
def test_supervised_launcher_brings_back_worker_and_redis_and_stops_on_ctrl_c(
    tmp_path, launcher_database
):
    database_url, roles = launcher_database
    port = free_port()
    env = {
        **os.environ,
        **roles,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "PARTNERSHIP_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "partnership.settings.base",
        "WEB_CONCURRENCY": "1",
        "WORKER_CONCURRENCY": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("REDIS_URL", "DATABASE_OWNER_URL", "TEST_DATABASE_NAME", "CELERY_BROKER_URL"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tooling.launcher", "run"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process.stdout)
    output.start()
    launcher = psutil.Process(process.pid)
    spawned: set[int] = set()
    try:
        _wait_for(lambda: _readyz(port) == 200, 300, "the portal ready")
        spawned |= {p.pid for p in _descendants(process.pid)}

        # The worker's main process, killed: a new one, and the portal ready again.
        (worker,) = _role_pids(launcher, " worker ")
        os.kill(worker, signal.SIGKILL)
        _wait_for(
            lambda: output.has("worker exited with code -9; restarting in 1 s (restart 1)"),
            30,
            "the restart logged",
        )
        new_worker = _wait_for(lambda: _role_pids(launcher, " worker "), 30, "a new worker")
        assert new_worker != [worker]
        _wait_for(lambda: _readyz(port) == 200, 120, "ready after the worker's restart")
        spawned |= {p.pid for p in _descendants(process.pid)}

        # The embedded Redis, killed: back on the same socket with what was written before.
        redis_url = next(
            line.split("REDIS_URL=", 1)[1] for line in _redis_url_lines(tmp_path / "var" / "redis")
        )
        client = redis.Redis.from_url(redis_url)
        client.set("written-before", "kept")
        client.save()  # only the append-only file survives the kill below; not this snapshot
        client.set("written-after-snapshot", "kept too")
        time.sleep(1.5)  # appendfsync everysec
        redis_pid = int((Path(_pidfile(tmp_path / "var" / "redis"))).read_text())
        os.kill(redis_pid, signal.SIGKILL)
        _wait_for(lambda: output.has("redis stopped; restarting in 1 s"), 30, "redis restart")
        _wait_for(lambda: _ping(redis_url), 30, "redis answering again")
        client = redis.Redis.from_url(redis_url)
        assert client.get("written-after-snapshot") == b"kept too"
        # The launcher stops the embedded Redis at exit only when no other client is left.
        client.close()
        _wait_for(lambda: _readyz(port) == 200, 120, "ready after redis's restart")
        spawned |= {p.pid for p in _descendants(process.pid)}

        # Ctrl-C: everything stops, nothing is left behind.
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        output.join(timeout=5)
    assert output.has("stopping web, worker and beat")
    time.sleep(1)
    left = [pid for pid in spawned if psutil.pid_exists(pid) and _alive(pid)]
    assert left == [], "\n".join(output.lines[-40:])
    new_redis = _pidfile_pid(tmp_path / "var" / "redis")
    assert new_redis is None or not _alive(new_redis)


def _redis_url_lines(data_dir: Path):
    import json

    settings = json.loads((data_dir / "redis.db.settings").read_text())
    yield f"REDIS_URL=unix://{settings['unixsocket']}"


def _pidfile(data_dir: Path) -> str:
    import json

    return json.loads((data_dir / "redis.db.settings").read_text())["pidfile"]


def _pidfile_pid(data_dir: Path) -> int | None:
    try:
        return int(Path(_pidfile(data_dir)).read_text())
    except (OSError, ValueError):
        return None


def _ping(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError:
        return False


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
