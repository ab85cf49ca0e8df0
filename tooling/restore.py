"""`python -m tooling.restore FILE [--confirm DATABASE]` (`make restore`): a backup made by
`python -m tooling.backup` back into the configured database, with the private files."""

from tooling.command import main

if __name__ == "__main__":
    main("tooling.backup.commands:Restore", "tooling.restore")
