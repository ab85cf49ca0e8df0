"""CSV for spreadsheets: text a spreadsheet would read as a formula is written as text.

A cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return before one) is run
as a formula when the file is opened in Excel or LibreOffice, so a name typed into the
portal could become a link or a command on a commissioner's machine. As OWASP advises, such
text gets a leading apostrophe, which spreadsheets show as text. Numbers are left alone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """The value, with an apostrophe before text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` whose rows go through `spreadsheet_safe`."""

    def __init__(self, file):
        self._writer = csv.writer(file)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([spreadsheet_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file) -> SafeWriter:
    return SafeWriter(file)
