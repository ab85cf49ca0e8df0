"""collectstatic for the launcher. Hashing and compressing some 1,500 files takes minutes
on a slow machine, and Django says nothing until the end; this says where it is every
PROGRESS_EVERY files, and skips the whole job when the files Django would collect (their
names, sizes and times) and the storage are the same as at the last collection."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand

FINGERPRINT_FILE = ".collected-from"
PROGRESS_EVERY = 500


def static_sources() -> list[tuple[str, Path]]:
    """Every file the static files finders would collect: (its name under STATIC_URL, its path)."""
    found = {}
    for finder in get_finders():
        for name, storage in finder.list([]):
            found.setdefault(name, Path(storage.path(name)))
    return sorted(found.items())


def sources_fingerprint(sources: Iterable[tuple[str, Path]], *, storage: str) -> str:
    """A digest of the files' names, sizes and modification times, and the storage's class:
    it changes when anything collectstatic would write differently does."""
    digest = hashlib.sha256(storage.encode())
    for name, path in sources:
        stat = path.stat()
        digest.update(f"\0{name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


class Progress:
    """Counts collectstatic's lines (verbosity 2) by phase and says how far it has got every
    `every` files of a phase; other lines (warnings, the summary) pass through."""

    PHASES = {
        "Copying ": "copied",
        "Skipping ": "unchanged",
        "Post-processed ": "post-processed",
    }

    def __init__(self, say: Callable[[str], None], *, total: int, every: int = PROGRESS_EVERY):
        self.say, self.total, self.every = say, total, every
        self.counts = dict.fromkeys(self.PHASES.values(), 0)

    def line(self, text: str) -> None:
        text = text.rstrip("\n")
        phase = next((p for prefix, p in self.PHASES.items() if text.startswith(prefix)), None)
        if phase is None:
            if text.strip():
                self.say(text.strip())
            return
        self.counts[phase] += 1
        if phase in ("copied", "unchanged"):
            done = self.counts["copied"] + self.counts["unchanged"]
            if done % self.every == 0:
                self.say(f"static files: {done:,} of {self.total:,} gathered")
        elif self.counts[phase] % self.every == 0:
            count = self.counts[phase]
            self.say(f"static files: {count:,} {phase} (hashed names, gzip and brotli)")


class _LineWriter:
    """A file-like `stdout` for call_command that hands each whole line to `Progress`."""

    def __init__(self, progress: Progress):
        self.progress, self.buffer = progress, ""

    def write(self, text: str) -> None:
        self.buffer += text
        *lines, self.buffer = self.buffer.split("\n")
        for line in lines:
            self.progress.line(line)

    def flush(self) -> None:
        if self.buffer:
            self.progress.line(self.buffer)
            self.buffer = ""


def _say(message: str) -> None:
    print(f"[partnership] {message}", flush=True)


def collect(*, say: Callable[[str], None] = _say, force: bool = False) -> bool:
    """Run collectstatic into STATIC_ROOT unless the sources are those of the last run;
    returns whether it ran."""
    root = Path(settings.STATIC_ROOT)
    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    sources = static_sources()
    fingerprint = sources_fingerprint(sources, storage=storage)
    stamp = root / FINGERPRINT_FILE
    if not force and stamp.is_file() and stamp.read_text().strip() == fingerprint:
        say(f"static files unchanged since they were last collected ({len(sources):,} files)")
        return False
    say(f"collecting {len(sources):,} static files into {root}/ (this can take a few minutes)")
    started = time.monotonic()
    progress = Progress(say, total=len(sources))
    writer = _LineWriter(progress)
    stamp.unlink(missing_ok=True)
    call_command("collectstatic", interactive=False, verbosity=2, stdout=writer)
    writer.flush()
    root.mkdir(parents=True, exist_ok=True)
    temporary = stamp.with_suffix(f".{os.getpid()}")
    temporary.write_text(fingerprint)
    temporary.replace(stamp)
    say(f"static files collected in {time.monotonic() - started:.0f} seconds")
    return True


class CollectStatic(BaseCommand):
    help = "collectstatic with progress, skipped when the static files have not changed"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="collect even if unchanged")

    def handle(self, *args, force: bool = False, **options):
        collect(force=force)
