"""Validation of organisation identifiers (org-id.guide)."""

import re

from django.core.exceptions import ValidationError

# Each register's prefix and the shape of its numbers; Companies House numbers keep leading zeros.
ORG_ID_PATTERNS = {
    "GB-CHC": (
        re.compile(r"^[0-9]{6,7}$"),
        "a Charity Commission number of 6 or 7 digits, like GB-CHC-1234567",
    ),
    "GB-COH": (
        re.compile(r"^([0-9]{8}|(SC|NI|OC|SO|NC|RC|IP|SP|CE|CS)[0-9]{6})$"),
        "a Companies House number of 8 characters, leading zeros included, like GB-COH-01234567",
    ),
    "GB-SC": (re.compile(r"^SC[0-9]{6}$"), "a Scottish charity number, like GB-SC-SC012345"),
    "GB-NIC": (
        re.compile(r"^[0-9]{5,6}$"),
        "a Northern Ireland charity number, like GB-NIC-100123",
    ),
}


def validate_org_id(value: str) -> None:
    """Accept a blank value (unregistered group) or a well-formed identifier of a known register."""
    if not value:
        return
    for prefix, (pattern, example) in ORG_ID_PATTERNS.items():
        if value.startswith(prefix + "-"):
            if not pattern.match(value[len(prefix) + 1 :]):
                raise ValidationError(f"Enter {example}", code="invalid_org_id")
            return
    raise ValidationError(
        "Enter an org-id that starts GB-CHC-, GB-COH-, GB-SC- or GB-NIC-, like GB-CHC-1234567, "
        "or leave it blank for an unregistered group",
        code="invalid_org_id",
    )
