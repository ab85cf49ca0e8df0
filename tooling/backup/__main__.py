"""`python -m tooling.backup [--file PATH] [--no-media]` (`make backup`): the database and
the private files, to var/backups/<UTC timestamp>.dump and .private.tar, or to --file."""

from tooling.command import main

main("tooling.backup.commands:Backup", "tooling.backup")
