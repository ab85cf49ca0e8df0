"""Where a webhook may be sent: HTTPS to a public address. A URL naming a private,
loopback or link-local address (or a name that resolves to one) could reach the portal's own
network, so it is refused unless `WEBHOOKS_ALLOW_LOCAL` says so (tests, development)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def url_refusal(url: str, *, resolve: bool = True) -> str | None:
    """Why a webhook may not be sent to `url`, or None when it may. With `resolve`, the
    host's name is looked up and every address it has must be public."""
    parts = urlsplit(url)
    allow_local = settings.WEBHOOKS_ALLOW_LOCAL
    host = (parts.hostname or "").lower()
    if not host:
        return "Enter a full URL, like https://example.org/webhooks"
    if parts.username or parts.password:
        return "Enter a URL without a user name or password in it"
    if parts.scheme != "https" and not (
        allow_local and parts.scheme == "http" and host in LOCAL_HOSTS
    ):
        return "Enter a URL that starts with https://"
    if allow_local or not resolve:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 443)}
    except (socket.gaierror, UnicodeError, ValueError):
        return "Enter a URL whose address can be found"
    if not addresses or not all(_is_public(address) for address in addresses):
        return "Enter a URL on the public internet: private and local addresses are refused"
    return None
