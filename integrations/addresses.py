"""Where a webhook may be sent: HTTPS to a public address. A URL naming a private,
loopback or link-local address (or a name that resolves to one) could reach the portal's own
network, so it is refused unless `WEBHOOKS_ALLOW_LOCAL` says so (tests, development).

A delivery looks the name up once (`address_checked`) and connects to the address it
checked: a name that answered a public address to the check could answer a private one to a
second lookup (DNS rebinding)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class AddressRefused(ValueError):
    """A webhook may not be sent to this URL; the message says why."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def _form_refusal(url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return "Enter a full URL, like https://example.org/webhooks"
    if parts.username or parts.password:
        return "Enter a URL without a user name or password in it"
    if parts.scheme != "https" and not (
        settings.WEBHOOKS_ALLOW_LOCAL and parts.scheme == "http" and host in LOCAL_HOSTS
    ):
        return "Enter a URL that starts with https://"
    return None


def address_checked(url: str) -> str | None:
    """The address to connect to for `url`: its host's name looked up once, every address
    it has public, the first of them. None when `WEBHOOKS_ALLOW_LOCAL` (connect by name).
    Raises AddressRefused."""
    refusal = _form_refusal(url)
    if refusal:
        raise AddressRefused(refusal)
    if settings.WEBHOOKS_ALLOW_LOCAL:
        return None
    parts = urlsplit(url)
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise AddressRefused("Enter a URL whose address can be found") from exc
    addresses = [info[4][0] for info in found]
    if not addresses or not all(_is_public(address) for address in addresses):
        raise AddressRefused(
            "Enter a URL on the public internet: private and local addresses are refused"
        )
    return addresses[0]


def url_refusal(url: str, *, resolve: bool = True) -> str | None:
    """Why a webhook may not be sent to `url`, or None when it may. With `resolve`, the
    host's name is looked up and every address it has must be public."""
    if not resolve:
        return _form_refusal(url)
    try:
        address_checked(url)
    except AddressRefused as exc:
        return str(exc)
    return None
