"""Text a person typed: what characters a field may hold."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# C0 and C1 control characters and DEL; a box for several lines may hold line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

SINGLE_LINE_MESSAGE = "Enter text on one line, without line breaks or control characters"
MULTI_LINE_MESSAGE = "Remove the control characters from this text"


def refuse_control_characters(value: str, *, multiline: bool) -> None:
    """Refuse control characters: all of them in a one-line field (a name, a phone number,
    a title), all but line breaks and tabs in a box for several lines."""
    if not isinstance(value, str):
        return
    pattern = _CONTROL_BUT_LINES if multiline else _CONTROL
    if pattern.search(value):
        raise ValidationError(
            MULTI_LINE_MESSAGE if multiline else SINGLE_LINE_MESSAGE, code="control_characters"
        )


def single_line(value: str) -> None:
    refuse_control_characters(value, multiline=False)


def multi_line(value: str) -> None:
    refuse_control_characters(value, multiline=True)
