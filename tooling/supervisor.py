"""Keeps the launcher's processes running: one that exits is started again after a pause
that doubles with each quick failure, and the launcher gives up only when a process keeps
failing (MAX_QUICK_FAILURES exits, each within RESTART_WINDOW_SECONDS of the one before).

Children are anything with `name`, `start()`, `exit_status()` (None while it runs, else how
it ended), `terminate()` and `wait(timeout)`: the portal's processes (`ProcessChild`) and
the embedded servers (launcher.ServerChild).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

RESTART_WINDOW_SECONDS = 60.0
MAX_QUICK_FAILURES = 5
MAX_BACKOFF_SECONDS = 30.0


class Child(Protocol):
    name: str

    def start(self) -> None: ...

    def exit_status(self) -> str | None: ...

    def terminate(self) -> None: ...

    def wait(self, timeout: float) -> None: ...


class ProcessChild:
    """A command run in its own process group, so that what it leaves behind when it dies
    (a Celery pool process, a gunicorn worker) is stopped with it, and a terminal's Ctrl-C
    reaches the launcher alone, which stops the children in order."""

    def __init__(self, name: str, command: Sequence[str], *, cwd: Path, env: dict[str, str]):
        self.name, self.command, self.cwd, self.env = name, list(command), cwd, env
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        self._kill_leftovers()
        self.process = subprocess.Popen(  # noqa: S603 - the launcher's own fixed commands
            self.command, cwd=self.cwd, env=self.env, start_new_session=True
        )

    def exit_status(self) -> str | None:
        if self.process is None:
            return "never started"
        code = self.process.poll()
        return None if code is None else f"exited with code {code}"

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.1, timeout))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._kill_leftovers()

    def _kill_leftovers(self) -> None:
        """Whatever is still in the group of a process that has ended (its pid is the group's)."""
        if self.process is not None and self.process.poll() is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class _Watch:
    child: Child
    restarts: int = 0
    failures: list[float] = field(default_factory=list)
    restart_at: float | None = None


class Supervisor:
    """Starts the children, restarts one that ends, and stops them all in reverse order."""

    def __init__(
        self,
        children: Sequence[Child],
        *,
        say: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
        window: float = RESTART_WINDOW_SECONDS,
        max_failures: int = MAX_QUICK_FAILURES,
        max_backoff: float = MAX_BACKOFF_SECONDS,
    ):
        self._watches = [_Watch(child) for child in children]
        self._say, self._clock = say, clock
        self._window, self._max_failures, self._max_backoff = window, max_failures, max_backoff
        self.gave_up: str | None = None

    def start(self) -> None:
        for watch in self._watches:
            watch.child.start()

    def check(self) -> bool:
        """Restart what has ended and is due; False once a child has failed too often."""
        if self.gave_up:
            return False
        now = self._clock()
        for watch in self._watches:
            if watch.restart_at is not None:
                if now < watch.restart_at:
                    continue
                watch.restart_at = None
                watch.restarts += 1
                try:
                    watch.child.start()
                except Exception as exc:  # a server that cannot start again counts as a failure
                    self._failed(watch, f"did not start again ({exc})", now)
                continue
            status = watch.child.exit_status()
            if status is not None:
                self._failed(watch, status, now)
            if self.gave_up:
                return False
        return not self.gave_up

    def _failed(self, watch: _Watch, status: str, now: float) -> None:
        # A child that ran for longer than the window starts a fresh count.
        if watch.failures and now - watch.failures[-1] > self._window:
            watch.failures.clear()
        watch.failures.append(now)
        name = watch.child.name
        if len(watch.failures) >= self._max_failures:
            self._say(
                f"{name} {status}; it failed {len(watch.failures)} times, each within "
                f"{self._window:.0f} s of the last: stopping everything"
            )
            self.gave_up = name
            return
        delay = min(2 ** (len(watch.failures) - 1), self._max_backoff)
        self._say(f"{name} {status}; restarting in {delay:g} s (restart {watch.restarts + 1})")
        watch.restart_at = now + delay

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to every child, the last started first; whatever outlasts `timeout` is killed."""
        watches = list(reversed(self._watches))
        for watch in watches:
            watch.child.terminate()
        deadline = time.monotonic() + timeout
        for watch in watches:
            watch.child.wait(deadline - time.monotonic())
