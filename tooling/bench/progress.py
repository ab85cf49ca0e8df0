"""Progress for long steps: a bar on a terminal, a line per step otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None, width: int = 30):
        self.stream = stream or sys.stdout
        self.width = width
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._last_line = 0.0

    def say(self, message: str) -> None:
        self.stream.write(f"{message}\n")
        self.stream.flush()

    def bar(self, label: str, done: int, total: int) -> None:
        """Draw the bar; off a terminal, print at most one line every two seconds and the last."""
        total = max(total, 1)
        share = min(done / total, 1.0)
        now = time.monotonic()
        text = f"{label:<22} {done:>10,}/{total:<10,} {share:6.1%}  {now - self.started:6.1f}s"
        if self.tty:
            filled = int(self.width * share)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {text}")
            if done >= total:
                self.stream.write("\n")
        elif done >= total or now - self._last_line >= 2:
            self.stream.write(f"{text}\n")
            self._last_line = now
        self.stream.flush()
