"""Serving under gunicorn and measuring throughput over loopback HTTP."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tooling.servers import free_port

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@contextmanager
def gunicorn(app: str, env: dict[str, str], *, workers: int, threads: int, ready_path: str):
    """Serve `app` on a free loopback port until the block ends; yields the port."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        # The portal's own settings (its worker, its warm-up after start), the rest as below.
        "--config",
        str(BASE_DIR / "partnership" / "gunicorn.conf.py"),
        "--access-logfile",
        os.devnull,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=BASE_DIR, env={**os.environ, **env})  # noqa: S603 - our own server
    try:
        _wait_ready(port, ready_path, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_ready(port: int, path: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before serving")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {timeout:.0f}s")


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def hammer(
    port: int, path: str, headers: dict[str, str], *, seconds: float, concurrency: int
) -> LoadResult:
    """`concurrency` keep-alive clients request `path` as fast as answers come, for
    `seconds`; each answer must be 200."""
    result = LoadResult(seconds=seconds)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies, errors, statuses = [], 0, {}
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            result.errors += errors
            for code, count in statuses.items():
                result.statuses[code] = result.statuses.get(code, 0) + count

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result
