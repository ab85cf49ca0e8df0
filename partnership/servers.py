"""Addresses for the child processes the portal's tools start (load test, benchmark): a free
loopback port, and the DATABASE_URL of a database a connection's settings describe."""

from __future__ import annotations

import socket
from urllib.parse import quote, urlencode


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database a Django connection's settings describe."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or ""
    query = {key: str(value) for key, value in (settings_dict.get("OPTIONS") or {}).items()}
    if host.startswith("/"):  # a unix socket folder travels as ?host=
        query["host"], host = host, ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    netloc = f"{auth}@{host}{port}" if auth else f"{host}{port}"
    url = f"postgres://{netloc}/{quote(settings_dict['NAME'])}"
    return f"{url}?{urlencode(query)}" if query else url
