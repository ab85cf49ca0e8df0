"""`python -m tooling.static`: collectstatic as `make run` wants it, saying how far it has got,
and skipped when the files it would collect are the same as last time."""

from tooling.command import main

main("tooling.static.commands:CollectStatic", "tooling.static")
