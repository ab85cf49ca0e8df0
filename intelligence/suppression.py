"""Statistical disclosure control for group figures: the one place counts are suppressed.

A table of counts is published with its row totals, column totals and grand total. Nobody
may see a count that could identify a person, nor work one out from what is published:

- **Primary suppression**: every count from 1 to `threshold - 1` (below five by default) is
  withheld, totals included. Zero is shown: it describes nobody.
- **Secondary suppression**: a table with its totals is a set of sums (each row adds up to
  its total, each column to its total, the totals to the grand total). A sum with exactly
  one withheld figure gives it away, so each such row or column has a second figure
  withheld: where possible one whose other row or column already has one withheld (so the
  suppression does not spread across the table), non-zero (a zero protects little, since
  counts cannot go below zero), and the smallest (the least information lost).
- Two withheld figures per sum are not always enough: withheld figures linked in a chain
  that never closes into a loop can still be solved for, one equation at a time. Seen as a
  graph (rows and columns as nodes, each withheld figure an edge between its row and its
  column, the totals as one more row and column) a withheld figure can be worked out exactly
  when its edge is a bridge, on no cycle; so any bridge left gets a further figure withheld
  that closes a loop through it.

`suppress` returns the table as it may be published: each figure an int, or None when
withheld. Rates and ratios built from it use published figures only
(`intelligence.figures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5

Cell = tuple[int, int]


@dataclass(frozen=True)
class PublishedTable:
    """A table of counts as it may be shown: None where a figure is withheld. The last
    column of `grid` is each row's total and its last row the column totals (the corner is
    the grand total); `cells`, `row_totals`, `column_totals` and `grand_total` read them."""

    grid: tuple[tuple[int | None, ...], ...]
    primary: frozenset[Cell]
    secondary: frozenset[Cell]

    @property
    def cells(self) -> list[list[int | None]]:
        return [list(row[:-1]) for row in self.grid[:-1]]

    @property
    def row_totals(self) -> list[int | None]:
        return [row[-1] for row in self.grid[:-1]]

    @property
    def column_totals(self) -> list[int | None]:
        return list(self.grid[-1][:-1])

    @property
    def grand_total(self) -> int | None:
        return self.grid[-1][-1]

    @property
    def withheld(self) -> frozenset[Cell]:
        return self.primary | self.secondary


def with_totals(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    """The table with a total column on the right and a total row at the bottom."""
    rows = [[*row, sum(row)] for row in counts]
    width = len(rows[0]) if rows else 1
    totals = [sum(row[j] for row in rows) for j in range(width)]
    return [*rows, totals]


def suppress(counts: Sequence[Sequence[int]], *, threshold: int = THRESHOLD) -> PublishedTable:
    """The table of counts (rows by columns, totals not included: they are added) as it may
    be published, with primary and secondary suppression applied."""
    if not counts or not counts[0]:
        raise ValueError("A table has at least one row and one column")
    if any(len(row) != len(counts[0]) for row in counts):
        raise ValueError("Every row of a table has the same number of columns")
    if any(value < 0 for row in counts for value in row):
        raise ValueError("Counts are never negative")
    grid = with_totals(counts)
    primary = {
        (i, j) for i, row in enumerate(grid) for j, value in enumerate(row) if 0 < value < threshold
    }
    withheld = set(primary)
    while True:
        added = _protect_lines(grid, withheld) or _close_bridges(grid, withheld)
        if not added:
            break
    return PublishedTable(
        grid=tuple(
            tuple(None if (i, j) in withheld else value for j, value in enumerate(row))
            for i, row in enumerate(grid)
        ),
        primary=frozenset(primary),
        secondary=frozenset(withheld - primary),
    )


def _lines(grid: list[list[int]]) -> list[list[Cell]]:
    """Each sum in the table: every row and every column, totals included."""
    height, width = len(grid), len(grid[0])
    rows = [[(i, j) for j in range(width)] for i in range(height)]
    columns = [[(i, j) for i in range(height)] for j in range(width)]
    return rows + columns


def _smallest(grid: list[list[int]], candidates: list[Cell], withheld: set[Cell]) -> Cell | None:
    """The figure to withhold among the candidates: first one whose other row or column
    already has a figure withheld (so it does not leave a new sum with just one, and the
    suppression does not spread), then a non-zero one before a zero, then the smallest."""
    if not candidates:
        return None
    rows = {i for i, _ in withheld}
    columns = {j for _, j in withheld}

    def cost(cell: Cell) -> tuple:
        i, j = cell
        value = grid[i][j]
        return (i not in rows or j not in columns, value == 0, value)

    return min(candidates, key=cost)


def _protect_lines(grid: list[list[int]], withheld: set[Cell]) -> bool:
    """Withhold a second figure in each sum that has exactly one; True if any was."""
    added = False
    for line in _lines(grid):
        hidden = [cell for cell in line if cell in withheld]
        if len(hidden) != 1:
            continue
        choice = _smallest(grid, [cell for cell in line if cell not in withheld], withheld)
        if choice is not None:
            withheld.add(choice)
            added = True
    return added


def _close_bridges(grid: list[list[int]], withheld: set[Cell]) -> bool:
    """Withhold one figure that closes a loop through a bridge (a withheld figure that could
    be solved for); True if one was. One at a time: each addition changes the graph."""
    for row, column in sorted(_bridges(withheld)):
        # Without the bridge, the graph falls in two: one side holds its row, the other its
        # column. A figure joining a row on the column's side to a column on the row's side
        # makes a loop through the bridge.
        rest = withheld - {(row, column)}
        row_side = _component(rest, ("r", row))
        column_side = _component(rest, ("c", column))
        candidates = [
            (i, j)
            for kind_i, i in column_side
            if kind_i == "r"
            for kind_j, j in row_side
            if kind_j == "c" and (i, j) not in withheld
        ]
        choice = _smallest(grid, candidates, withheld)
        if choice is not None:
            withheld.add(choice)
            return True
    return False


def _adjacency(withheld: set[Cell]) -> dict[tuple[str, int], set[tuple[str, int]]]:
    graph: dict[tuple[str, int], set[tuple[str, int]]] = {}
    for i, j in withheld:
        graph.setdefault(("r", i), set()).add(("c", j))
        graph.setdefault(("c", j), set()).add(("r", i))
    return graph


def _component(withheld: set[Cell], start: tuple[str, int]) -> set[tuple[str, int]]:
    graph = _adjacency(withheld)
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for neighbour in graph.get(node, ()):
            if neighbour not in seen:
                seen.add(neighbour)
                todo.append(neighbour)
    return seen


def _bridges(withheld: set[Cell]) -> set[Cell]:
    """The withheld figures on no cycle of the row–column graph: those that could be solved
    for from the published sums (Tarjan's bridge-finding, without recursion)."""
    graph = _adjacency(withheld)
    order: dict[tuple[str, int], int] = {}
    low: dict[tuple[str, int], int] = {}
    bridges: set[Cell] = set()
    counter = 0
    for root in sorted(graph):
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, None, iter(sorted(graph[root])))]
        while stack:
            node, parent, neighbours = stack[-1]
            advanced = False
            for neighbour in neighbours:
                if neighbour == parent:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                    continue
                order[neighbour] = low[neighbour] = counter
                counter += 1
                stack.append((neighbour, node, iter(sorted(graph[neighbour]))))
                advanced = True
                break
            if advanced:
                continue
            stack.pop()
            if parent is not None:
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    row_node, column_node = sorted([parent, node], key=lambda n: n[0] != "r")
                    bridges.add((row_node[1], column_node[1]))
    return bridges
