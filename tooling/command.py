"""Runs one of the tools' Django commands as `python -m tooling.<name> [options]`.

The commands are Django `BaseCommand`s (arguments, `CommandError`, styled output) that are
not installed as management commands, so that the settings need not name this package.
Django is set up here first, with DJANGO_SETTINGS_MODULE as manage.py would choose it, and
only then is the command's module imported (it may import models).
"""

from __future__ import annotations

import importlib
import os
import sys

DEFAULT_SETTINGS = "partnership.settings.base"


def main(command: str, prog: str, argv: list[str] | None = None) -> None:
    """Run `command` ("module:Class") with `argv` (the process's own arguments by default);
    a CommandError is printed and ends the process with status 1, as with manage.py."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django

    django.setup()
    module, _, name = command.partition(":")
    command_class = getattr(importlib.import_module(module), name)
    arguments = sys.argv[1:] if argv is None else argv
    # run_from_argv names the program "<basename of argv[0]> <argv[1]>": `python -m <prog>`.
    command_class().run_from_argv(["python -m", prog, *arguments])
