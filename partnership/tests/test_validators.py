"""An id given in an address is read as ASCII digits only."""

import pytest

from partnership.validators import whole_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("0", 0),
        ("", None),
        (None, None),
        ("²", None),
        ("٣", None),
        ("1a", None),
        ("-1", None),
        ("1\x00", None),
        ("9" * 30, 10**30 - 1),
    ],
)
def test_whole_number(value, expected):
    assert whole_number(value) == expected
