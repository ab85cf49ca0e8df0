"""Addresses for the child processes the portal's tools start (load test, benchmark): a free
loopback port. Their DATABASE_URL comes from `partnership.db_roles.database_url`."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
