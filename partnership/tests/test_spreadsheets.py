"""Text a spreadsheet would run as a formula is written to CSV as text."""

import csv
import io

import pytest

from partnership.spreadsheets import csv_writer, spreadsheet_safe


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+44 161 000", "'+44 161 000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("Salford Steps", "Salford Steps"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_formula_text_gets_an_apostrophe_and_everything_else_is_untouched(value, written):
    assert spreadsheet_safe(value) == written


def test_the_writer_neutralises_every_cell_of_a_row():
    buffer = io.StringIO()
    csv_writer(buffer).writerows([["name", "amount"], ["=evil()", -10], ["Fine", 3]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["name", "amount"], ["'=evil()", "-10"], ["Fine", "3"]]
