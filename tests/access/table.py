"""Reads the expected outcomes from the tables in docs/access-matrix.md.

A table is one whose header is `pattern | path | method | object | <the roles>`. Each row
names a URL pattern, how it is requested, the kind of object its arguments point at (or
`—`), and one cell per role: either one outcome (`200`, `404`, `302→sign-in`, ...), or
`in:<outcome> out:<outcome>` when it depends on whether the object is in the role's scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.access.world import ANY, IN, OUT, ROLES

MATRIX = Path(__file__).resolve().parents[2] / "docs" / "access-matrix.md"
LEADING_COLUMNS = ("pattern", "path", "method", "object")
METHODS = {"GET", "POST", "DELETE"}
NO_OBJECT = "—"
# Where a refusal sends a browser: the portal's sign-in page, or the Django admin's.
REDIRECT_TARGETS = {"sign-in": "sign-in", "admin-login": "admin:login"}

_OUTCOME = re.compile(r"^(?P<status>\d{3})(?:(?:→|->)(?P<target>[\w-]+))?$")


@dataclass(frozen=True)
class Outcome:
    """A status code and, for a redirect, whether it goes to a sign-in page (and which)."""

    status: int
    target: str | None = None

    @classmethod
    def parse(cls, text: str) -> Outcome:
        match = _OUTCOME.match(text)
        if not match:
            raise ValueError(f"not an outcome: {text!r}")
        target = match.group("target")
        if target is not None and target not in REDIRECT_TARGETS:
            raise ValueError(f"unknown redirect target {target!r} in {text!r}")
        return cls(int(match.group("status")), target)

    def __str__(self) -> str:
        return f"{self.status}→{self.target}" if self.target else str(self.status)


@dataclass(frozen=True)
class Cell:
    """One role's expected outcome, the same for any object or split by scope."""

    outcomes: dict[str, Outcome]

    @classmethod
    def parse(cls, text: str) -> Cell:
        parts = text.split()
        if len(parts) == 1 and ":" not in parts[0]:
            return cls({ANY: Outcome.parse(parts[0])})
        outcomes = {}
        for part in parts:
            scope, _, value = part.partition(":")
            if scope not in (IN, OUT) or scope in outcomes:
                raise ValueError(f"expected `in:<outcome> out:<outcome>`, got {text!r}")
            outcomes[scope] = Outcome.parse(value)
        if set(outcomes) != {IN, OUT}:
            raise ValueError(f"give both in: and out: outcomes, got {text!r}")
        return cls(outcomes)

    @property
    def is_split(self) -> bool:
        return ANY not in self.outcomes

    def expected(self, scope: str) -> Outcome:
        return self.outcomes.get(scope) or self.outcomes[ANY]


@dataclass(frozen=True)
class Row:
    pattern: str
    path: str
    method: str
    kind: str | None
    cells: dict[str, Cell]
    line: int


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _unquote(text: str) -> str:
    return text.strip().strip("`")


def read_rows(path: Path = MATRIX) -> list[Row]:
    """Every row of every matrix table in the document, in order."""
    rows: list[Row] = []
    header: list[str] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.lstrip().startswith("|"):
            header = None
            continue
        cells = _cells(line)
        if header is None:
            names = [cell.lower() for cell in cells]
            if tuple(names) == (*LEADING_COLUMNS, *ROLES):
                header = names
            continue
        if set("".join(cells)) <= set("-: "):
            continue  # the line under the header
        if len(cells) != len(header):
            raise ValueError(f"{path.name}:{number}: {len(cells)} cells, expected {len(header)}")
        pattern, url_path, method, kind = (_unquote(c) for c in cells[:4])
        if method not in METHODS:
            raise ValueError(f"{path.name}:{number}: unknown method {method!r}")
        try:
            role_cells = {
                role: Cell.parse(cell) for role, cell in zip(ROLES, cells[4:], strict=True)
            }
        except ValueError as exc:
            raise ValueError(f"{path.name}:{number}: {exc}") from exc
        rows.append(
            Row(
                pattern=pattern,
                path=url_path,
                method=method,
                kind=None if kind == NO_OBJECT else kind,
                cells=role_cells,
                line=number,
            )
        )
    return rows


def skeleton_row(pattern: str, path: str, kwargs: tuple[str, ...]) -> str:
    """A row to fill in for a pattern the document does not have yet."""
    kind = "?" if kwargs else NO_OBJECT
    return "| " + " | ".join([f"`{pattern}`", f"`{path}`", "GET", kind, *["?"] * len(ROLES)]) + " |"
