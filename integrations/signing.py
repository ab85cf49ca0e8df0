"""Signing webhook deliveries, and the check a receiver makes (documented in the README).

The header: `Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
with the endpoint's secret as the key. The time is signed with the body, so a captured
delivery replayed later fails the receiver's window check.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Webhook-Signature"
# How old a signature a receiver accepts, in seconds.
REPLAY_WINDOW_SECONDS = 300


class SignatureInvalid(Exception):
    """The signature is missing, malformed, wrong, or too old to trust."""


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The `Webhook-Signature` value for a body, signed now (or at `timestamp`)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def signature_verify(
    *,
    secret: str,
    body: bytes,
    header: str,
    now: float | None = None,
    window: int = REPLAY_WINDOW_SECONDS,
) -> int:
    """Check a delivery as a receiver should; returns the signed time. Raises
    SignatureInvalid when the header is malformed, no `v1` matches, or the signed time is
    more than `window` seconds from now (a replay)."""
    parts: dict[str, list[str]] = {}
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError) as exc:
        raise SignatureInvalid("No signed time") from exc
    expected = _digest(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise SignatureInvalid("The signature does not match")
    now = time.time() if now is None else now
    if abs(now - timestamp) > window:
        raise SignatureInvalid("The signature is too old (or from the future): a replay?")
    return timestamp
