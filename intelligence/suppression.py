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

Linked tables
-------------

Tables published side by side are linked: a region's table is the sum of its services'
tables, cell by cell, and every characteristic's table of one scope has the same whole row.
A figure safe in each table alone can be worked out from several together (the region's
cell less the published cells of all services but one). `suppress_linked` protects any
number of figures at once, each named by a key, under any set of published sums (a total
and its parts), the tables' own rows and columns and the links between them alike:

- Primary suppression as above: every figure from 1 to `threshold - 1`, plus any the
  caller must withhold (a figure withheld elsewhere, a scope not published at all).
- Determinability, exactly: with the published figures substituted, the sums are linear
  equations over the withheld ones. A withheld figure can be worked out iff no other
  solution of the equations differs from the true one in it, that is iff every solution of
  the homogeneous system (the equations with their published parts set to zero) is zero
  there: iff, after elimination, it is a pivot whose fully reduced row has no free unknown.
  The elimination runs in integers modulo a 61-bit prime (sparse rows, shortest first, so
  it stays small), and the test is made on a random solution of the homogeneous system
  built from the eliminated rows (free unknowns drawn at random, pivots solved for from the
  last back): a pivot's value is its reduced row applied to the free unknowns, so it is
  zero for every determined figure, and for any other only by a chance of one in 2^61, when
  it just gets a partner withheld it did not need. A figure that could be worked out is
  never missed.
- Secondary suppression, in rounds. First the cheap part: a sum with one withheld figure
  gets a second (chosen like `_smallest`: one whose other sums already hold a withheld
  figure, then non-zero before zero, then the smallest), until there is no such sum. Then
  the exact test; each figure still determined gets a partner that closes a loop through
  it, as `_close_bridges` does in one table: a published figure c whose column in the sums
  is a combination of the withheld figures' columns (so withheld, it is not determined
  itself) in which the determined figure k counts (so there is now a second solution that
  differs in both). That count is y·a_c, where y is the combination of sums that gives k
  away (its certificate); both are read from the same elimination, whose row operations are
  logged and replayed. Among such partners the cheapest, as above. A loop once closed stays
  closed whatever else is withheld, so when every figure found got one, nothing is
  determined and the work is done; when some did not (no single figure closes a loop
  through it), the cheapest figure that breaks its certificate is withheld and the round
  repeats.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
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


# Linked tables -----------------------------------------------------------------------------

Key = Hashable
Equation = tuple[Key, Sequence[Key]]

# A prime near 2^61: the elimination's arithmetic is exact modulo it.
_PRIME = (1 << 61) - 1
# Fixed, so that the same figures are always published the same way.
_SEED = 20240601


@dataclass(frozen=True)
class LinkedPublication:
    """Linked figures as they may be published: `published(key)` is the figure, or None
    when withheld."""

    values: Mapping[Key, int]
    primary: frozenset[Key]
    secondary: frozenset[Key]

    @property
    def withheld(self) -> frozenset[Key]:
        return self.primary | self.secondary

    def published(self, key: Key) -> int | None:
        return None if key in self.primary or key in self.secondary else self.values[key]


def table_equations(keys: Sequence[Sequence[Key]]) -> list[Equation]:
    """The sums of one table whose figures have the given keys, totals included (the last
    column is each row's total and the last row the column totals, as `with_totals`)."""
    rows = [(row[-1], tuple(row[:-1])) for row in keys]
    columns = [(keys[-1][j], tuple(row[j] for row in keys[:-1])) for j in range(len(keys[0]))]
    return rows + columns


def suppress_linked(
    values: Mapping[Key, int],
    equations: Iterable[Equation],
    *,
    threshold: int = THRESHOLD,
    withhold: Iterable[Key] = (),
) -> LinkedPublication:
    """Every figure (by key) as it may be published, given the sums (total, parts) that
    are published with them: primary suppression, the figures in `withhold`, and secondary
    suppression until none withheld can be worked out from all the sums together."""
    equations = [(total, tuple(parts)) for total, parts in equations]
    if any(value < 0 for value in values.values()):
        raise ValueError("Counts are never negative")
    for total, parts in equations:
        if total not in values or any(part not in values for part in parts):
            raise ValueError("A sum names a figure that is not there")
        if values[total] != sum(values[part] for part in parts):
            raise ValueError(f"The parts of {total!r} do not add up to it")
    forced = set(withhold)
    if forced - values.keys():
        raise ValueError("Only figures that are there can be withheld")
    primary = {key for key, value in values.items() if 0 < value < threshold} | forced
    withheld = set(primary)
    order = {key: position for position, key in enumerate(values)}
    sums_of: dict[Key, list[int]] = {}
    for index, (total, parts) in enumerate(equations):
        for key in {total, *parts}:
            sums_of.setdefault(key, []).append(index)
    members = [(total, *parts) for total, parts in equations]
    hidden = [sum(key in withheld for key in set(keys)) for keys in members]

    def withhold_one(key: Key) -> None:
        withheld.add(key)
        for index in sums_of.get(key, ()):
            hidden[index] += 1

    def cost(key: Key) -> tuple:
        # Sums of the candidate with nothing withheld yet would each gain a lone figure.
        fresh = sum(1 for index in sums_of.get(key, ()) if hidden[index] == 0)
        return (fresh, values[key] == 0, values[key], order[key])

    while True:
        # The cheap part first: a sum with one withheld figure gives it away, so each gets a
        # partner (as `_protect_lines`) until none is left. Then the exact test.
        lonely = [index for index, count in enumerate(hidden) if count == 1]
        while lonely:
            for index in lonely:
                candidates = [key for key in members[index] if key not in withheld]
                if hidden[index] == 1 and candidates:
                    withhold_one(min(candidates, key=cost))
            lonely = [
                index
                for index, count in enumerate(hidden)
                if count == 1 and any(key not in withheld for key in members[index])
            ]
        system = _Elimination(equations, withheld)
        found = system.determined()
        if not found:
            break
        # Each figure found gets a partner that closes a loop through it: withheld, it leaves
        # a second solution differing in both. A loop, once closed, stays closed however
        # much more is withheld, so one partner may free several.
        closers: list[dict[int, int]] = []  # the columns of partners that close a loop
        added = False
        all_closed = True
        for key in sorted(found, key=order.__getitem__):
            certificate = system.certificate(key)
            if any(system.meets(certificate, column) for column in closers):
                continue
            effects = system.partners(certificate, members, sums_of, withheld)
            closing = [candidate for candidate, closes in effects.items() if closes]
            # None closes a loop alone: withhold one that breaks this way of working it out
            # (it will be determined in turn, and found in the next round).
            choice = min(closing or effects, key=cost, default=None)
            if choice is None:
                choice = min(
                    _published_near(members, sums_of, key, withheld), key=cost, default=None
                )
                if choice is None:
                    all_closed = False
                    continue
            withhold_one(choice)
            added = True
            if effects.get(choice):
                closers.append(system.column(choice, sums_of, members))
            else:
                all_closed = False
        if not added:
            raise RuntimeError("Nothing left to withhold, yet a figure can be worked out")
        if all_closed:
            # Every figure found now lies on a loop with its partner, and every other
            # withheld figure already did: nothing is determined, no need to eliminate again.
            break
    secondary = withheld - primary
    return LinkedPublication(
        values=dict(values), primary=frozenset(primary), secondary=frozenset(secondary)
    )


def _inverse(value: int) -> int:
    """The inverse modulo the prime (most pivots are 1 or -1)."""
    if value == 1 or value == _PRIME - 1:
        return value
    return pow(value, _PRIME - 2, _PRIME)


def _published_near(
    members: list[tuple], sums_of: dict[Key, list[int]], start: Key, withheld: set[Key]
) -> set[Key]:
    """The published figures nearest a withheld one: outward through the sums, one withheld
    figure at a time."""
    seen, frontier = {start}, [start]
    while frontier:
        found, following = set(), []
        for key in frontier:
            for index in sums_of.get(key, ()):
                for other in members[index]:
                    if other in seen:
                        continue
                    seen.add(other)
                    if other in withheld:
                        following.append(other)
                    else:
                        found.add(other)
        if found:
            return found
        frontier = following
    return set()


def determined(equations: Iterable[Equation], withheld: Iterable[Key]) -> set[Key]:
    """The withheld figures that the sums pin down to one value, given every other figure.
    Only which figures are withheld matters, not the values: the published ones move to the
    right-hand side. See the module docstring for the method."""
    return _Elimination(
        [(total, tuple(parts)) for total, parts in equations], withheld
    ).determined()


class _Elimination:
    """The sums as equations over the withheld figures (published ones substituted), each a
    row `total - parts`, brought to echelon form by Gaussian elimination modulo the prime:
    sparse, the shortest row first, pivoting on its unknown in the fewest other rows. The
    row operations are logged, so that what they do to other vectors can be replayed."""

    def __init__(self, equations: list[tuple[Key, tuple]], withheld: Iterable[Key]):
        self.columns: dict[Key, int] = {}
        for key in withheld:
            self.columns.setdefault(key, len(self.columns))
        self.keys = list(self.columns)
        self.rows: list[dict[int, int]] = []
        for total, parts in equations:
            self.rows.append(self._vector(total, parts))
        # Each pivot: its column, its row, the row's entries and the pivot's inverse.
        self.pivots: list[tuple[int, int, dict[int, int], int]] = []
        # Each step: the pivot's row, and each other row it was taken from with the factor.
        self.log: list[tuple[int, list[tuple[int, int]]]] = []
        self.steps_reading: dict[int, list[int]] = {}  # row: the steps it was changed by
        self._eliminate()
        self.step_of = {index: step for step, (index, _) in enumerate(self.log)}

    def _vector(self, total: Key, parts: tuple) -> dict[int, int]:
        row: dict[int, int] = {}
        if total in self.columns:
            row[self.columns[total]] = 1
        for part in parts:
            if part in self.columns:
                column = self.columns[part]
                row[column] = row.get(column, 0) - 1
        return {column: value % _PRIME for column, value in row.items() if value % _PRIME}

    def _eliminate(self) -> None:
        rows = [dict(row) for row in self.rows]
        in_rows: dict[int, set[int]] = {}
        for index, row in enumerate(rows):
            for column in row:
                in_rows.setdefault(column, set()).add(index)
        queue = [(len(row), index) for index, row in enumerate(rows) if row]
        heapq.heapify(queue)
        done: set[int] = set()
        while queue:
            length, index = heapq.heappop(queue)
            row = rows[index]
            if index in done or length != len(row):
                continue
            done.add(index)
            if not row:
                continue
            for column in row:
                in_rows[column].discard(index)
            pivot = min(row, key=lambda column: (len(in_rows[column]), column))
            inverse = _inverse(row[pivot])
            operations = []
            step = len(self.log)
            for other_index in sorted(in_rows[pivot]):
                other = rows[other_index]
                factor = other[pivot] * inverse % _PRIME
                operations.append((other_index, factor))
                self.steps_reading.setdefault(other_index, []).append(step)
                for column, value in row.items():
                    updated = (other.get(column, 0) - factor * value) % _PRIME
                    if updated:
                        if column not in other:
                            in_rows[column].add(other_index)
                        other[column] = updated
                    elif column in other:
                        del other[column]
                        in_rows[column].discard(other_index)
                heapq.heappush(queue, (len(other), other_index))
            self.pivots.append((pivot, index, row, inverse))
            self.log.append((index, operations))

    def determined(self) -> set[Key]:
        """The withheld figures every solution of the homogeneous equations leaves at zero,
        tried on a random solution (free unknowns drawn at random, pivots solved for from
        the last back)."""
        pivoted = {column for column, _, _, _ in self.pivots}
        # Not a secret: the draw only tells a determined figure (always zero) from the rest.
        generator = random.Random(_SEED)  # noqa: S311
        solution = {
            column: generator.randrange(1, _PRIME)
            for column in range(len(self.keys))
            if column not in pivoted
        }
        for column, _, row, inverse in reversed(self.pivots):
            solution[column] = 0
            rest = sum(value * solution[other] for other, value in row.items())
            solution[column] = -rest * inverse % _PRIME
        return {self.keys[column] for column, _, _, _ in self.pivots if solution[column] == 0}

    def certificate(self, key: Key) -> dict[int, int]:
        """For a determined figure, the combination y of the original sums that gives it
        alone (y·A = e_key): a triangular solve over the echelon rows, then the logged row
        operations replayed backwards (transposed)."""
        residual = {self.columns[key]: 1}
        combination: dict[int, int] = {}
        for column, index, row, inverse in self.pivots:
            coefficient = residual.get(column)
            if not coefficient:
                continue
            factor = coefficient * inverse % _PRIME
            combination[index] = factor
            for other, value in row.items():
                updated = (residual.get(other, 0) - factor * value) % _PRIME
                if updated:
                    residual[other] = updated
                else:
                    residual.pop(other, None)
        return self._transposed(combination)

    def _transposed(self, vector: dict[int, int]) -> dict[int, int]:
        """The logged row operations applied backwards and transposed (Lᵀ·v, L their
        product): only the steps that read a row the vector holds, latest first."""
        vector = dict(vector)
        queue: list[int] = []
        queued: set[int] = set()

        def reading(row: int, before: int) -> None:
            for step in self.steps_reading.get(row, ()):
                if step < before and step not in queued:
                    queued.add(step)
                    heapq.heappush(queue, -step)

        for row in list(vector):
            reading(row, len(self.log))
        while queue:
            step = -heapq.heappop(queue)
            index, operations = self.log[step]
            change = sum(factor * vector.get(other, 0) for other, factor in operations) % _PRIME
            if change:
                updated = (vector.get(index, 0) - change) % _PRIME
                if updated:
                    vector[index] = updated
                else:
                    vector.pop(index, None)
                reading(index, step)
        return vector

    def spans(self, column: dict[int, int]) -> bool:
        """Whether a figure's column is a combination of the withheld figures' columns, so
        that it would not be determined if withheld too: the logged row operations replayed
        forwards on the column (only the steps whose pivot row it holds, in order) leave
        nothing in the rows the elimination emptied."""
        vector = dict(column)
        queue = [self.step_of[row] for row in vector if row in self.step_of]
        heapq.heapify(queue)
        queued = set(queue)
        while queue:
            step = heapq.heappop(queue)
            index, operations = self.log[step]
            value = vector.get(index)
            if not value:
                continue
            for other, factor in operations:
                updated = (vector.get(other, 0) - factor * value) % _PRIME
                if updated:
                    vector[other] = updated
                    later = self.step_of.get(other)
                    if later is not None and later not in queued:
                        queued.add(later)
                        heapq.heappush(queue, later)
                else:
                    vector.pop(other, None)
        return all(row in self.step_of for row in vector)

    @staticmethod
    def column(key: Key, sums_of: dict[Key, list[int]], members: list[tuple]) -> dict[int, int]:
        """A figure's column in the sums: +1 where it is the total, -1 where a part."""
        column = {}
        for index in sums_of.get(key, ()):
            total, *parts = members[index]
            column[index] = (int(total == key) - parts.count(key)) % _PRIME
        return column

    @staticmethod
    def meets(combination: dict[int, int], column: dict[int, int]) -> bool:
        return bool(
            sum(combination.get(index, 0) * value for index, value in column.items()) % _PRIME
        )

    def partners(
        self,
        certificate: dict[int, int],
        members: list[tuple],
        sums_of: dict[Key, list[int]],
        withheld: set[Key],
    ) -> dict[Key, bool]:
        """The published figures that, withheld, stop the way `certificate` works a figure
        out, each True if it also closes a loop through the figure. A figure c does so iff
        its column a_c is a combination of the withheld figures' columns, A·z = a_c (so it
        is not determined itself once withheld), with z at the figure non-zero; and that
        entry of z is y·a_c, y the certificate. So c must meet the certificate."""
        candidates = {
            other
            for index in certificate
            for other in members[index]
            if other not in withheld and other not in self.columns
        }
        effects: dict[Key, bool] = {}
        for candidate in candidates:
            column = self.column(candidate, sums_of, members)
            if self.meets(certificate, column):
                effects[candidate] = self.spans(column)
        return effects
