"""Suppression: primary below five, secondary so that no withheld figure can be worked out
from the published ones, by an attacker who solves the table's sums exactly and by one who
also knows that counts are whole and never negative."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from unittest import mock

import pytest

from intelligence import suppression
from intelligence.suppression import PublishedTable, suppress, with_totals


def _equations(published: PublishedTable) -> tuple[list[tuple[int, int]], list[list[Fraction]]]:
    """What the published table says about its withheld figures: one equation per row and
    column (the figures add up to the total), over the withheld figures as unknowns, with
    the published figures moved to the right-hand side (the last entry)."""
    grid = published.grid
    height, width = len(grid), len(grid[0])
    unknowns = [(i, j) for i in range(height) for j in range(width) if grid[i][j] is None]
    index = {cell: k for k, cell in enumerate(unknowns)}
    equations = []
    lines = [[(i, j) for j in range(width)] for i in range(height)] + [
        [(i, j) for i in range(height)] for j in range(width)
    ]
    for line in lines:
        # The last figure of a line is its total: the others add up to it.
        row = [Fraction(0)] * (len(unknowns) + 1)
        for position, (i, j) in enumerate(line):
            sign = -1 if position == len(line) - 1 else 1
            if (i, j) in index:
                row[index[(i, j)]] += sign
            else:
                row[-1] -= sign * grid[i][j]
        equations.append(row)
    return unknowns, equations


def _reduced(equations: list[list[Fraction]]) -> list[list[Fraction]]:
    """Reduced row echelon form, in exact fractions."""
    rows = [list(row) for row in equations]
    width = len(rows[0]) - 1 if rows else 0
    pivot_row = 0
    for column in range(width):
        found = next((r for r in range(pivot_row, len(rows)) if rows[r][column] != 0), None)
        if found is None:
            continue
        rows[pivot_row], rows[found] = rows[found], rows[pivot_row]
        pivot = rows[pivot_row][column]
        rows[pivot_row] = [value / pivot for value in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][column] != 0:
                factor = rows[r][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivot_row += 1
    return rows[:pivot_row]


def recovered_exactly(published: PublishedTable) -> dict[tuple[int, int], Fraction]:
    """Every withheld figure that the published sums pin down to one value: linear algebra
    over all the table's equations at once (which subsumes one-line-at-a-time reasoning)."""
    unknowns, equations = _equations(published)
    if not unknowns:
        return {}
    found = {}
    for row in _reduced(equations):
        nonzero = [k for k, value in enumerate(row[:-1]) if value != 0]
        if len(nonzero) == 1:
            found[unknowns[nonzero[0]]] = row[-1]
    return found


def recovered_one_line_at_a_time(published: PublishedTable) -> dict[tuple[int, int], int]:
    """The naive attack: find a row or column with one withheld figure, subtract, repeat."""
    grid = [list(row) for row in published.grid]
    found = {}
    progress = True
    while progress:
        progress = False
        height, width = len(grid), len(grid[0])
        lines = [[(i, j) for j in range(width)] for i in range(height)] + [
            [(i, j) for i in range(height)] for j in range(width)
        ]
        for line in lines:
            hidden = [cell for cell in line if grid[cell[0]][cell[1]] is None]
            if len(hidden) != 1:
                continue
            i, j = hidden[0]
            *parts, total = line
            if (i, j) == total:
                value = sum(grid[a][b] for a, b in parts)
            else:
                value = grid[total[0]][total[1]] - sum(
                    grid[a][b] for a, b in parts if (a, b) != (i, j)
                )
            grid[i][j] = found[(i, j)] = value
            progress = True
    return found


def another_value(
    published: PublishedTable, grid: list[list[int]], cell: tuple[int, int]
) -> int | None:
    """A second whole, non-negative value the withheld figure could take, consistent with
    everything published (so the true one cannot be told from it), or None if none is found
    near the truth. The reduced equations give the withheld figures in terms of a few free
    ones; moving those a little from their true values walks the other solutions."""
    unknowns, equations = _equations(published)
    rows = _reduced(equations)
    pivots = {next(k for k, v in enumerate(row[:-1]) if v != 0): row for row in rows}
    free = [k for k in range(len(unknowns)) if k not in pivots]
    truth = [grid[i][j] for i, j in unknowns]
    target = unknowns.index(cell)
    for steps in itertools.product(range(-2, 3), repeat=len(free)):
        assignment = {f: truth[f] + step for f, step in zip(free, steps, strict=True)}
        if any(value < 0 for value in assignment.values()):
            continue
        for k, row in pivots.items():
            value = row[-1] - sum(row[f] * assignment[f] for f in free)
            if value.denominator != 1 or value < 0:
                break
            assignment[k] = int(value)
        else:
            if assignment[target] != truth[target]:
                return assignment[target]
    return None


def _lines_withheld(published: PublishedTable) -> list[int]:
    grid = published.grid
    rows = [sum(value is None for value in row) for row in grid]
    columns = [sum(row[j] is None for row in grid) for j in range(len(grid[0]))]
    return rows + columns


# Primary --------------------------------------------------------------------------------


def test_suppression_withholds_every_count_from_one_to_four_and_shows_zero_and_five():
    published = suppress([[0, 1, 4, 5, 40], [12, 9, 30, 22, 50]])

    cells = published.cells
    assert cells[0][0] == 0
    assert cells[0][1] is None and cells[0][2] is None
    assert cells[0][3] is not None or (0, 3) in published.secondary
    assert {(0, 1), (0, 2)} <= published.primary
    assert (0, 0) not in published.withheld
    assert all(value is None or value == 0 or value >= 5 for row in published.grid for value in row)


def test_suppression_withholds_a_small_total_and_protects_it_in_the_totals():
    # Group b has three referrals in all: its total is withheld, and since the totals add
    # up to the grand total, a second total is withheld with it.
    published = suppress([[20, 30], [1, 2], [15, 10]])

    assert published.row_totals[1] is None
    assert sum(total is None for total in published.row_totals) >= 2
    assert (1, 0) in published.primary and (1, 1) in published.primary


def test_suppression_of_a_table_without_small_counts_publishes_everything():
    counts = [[10, 20], [30, 40]]

    published = suppress(counts)

    assert published.withheld == frozenset()
    assert published.grid == tuple(tuple(row) for row in with_totals(counts))
    assert published.grand_total == 100


# Secondary ------------------------------------------------------------------------------


def test_secondary_suppression_withholds_a_second_figure_in_a_row_with_one():
    published = suppress([[3, 10, 12], [20, 30, 40], [25, 35, 45]])

    assert published.primary == {(0, 0)}
    row, column = published.cells[0], [row[0] for row in published.cells]
    assert sum(value is None for value in row) >= 2  # the row's smallest other figure
    assert published.cells[0][1] is None  # 10 is the smallest other figure in the row
    assert sum(value is None for value in column) >= 2
    assert published.cells[1][0] is None  # and 20 the smallest in the column


def test_secondary_suppression_prefers_a_non_zero_figure_to_a_zero():
    published = suppress([[2, 0, 9], [11, 12, 13], [14, 15, 16]])

    assert published.cells[0][1] == 0
    assert published.cells[0][2] is None


def test_every_row_and_column_has_no_withheld_figure_or_at_least_two():
    published = suppress([[1, 7, 8, 30], [6, 2, 9, 25], [5, 6, 3, 40], [8, 9, 10, 1]])

    assert all(count != 1 for count in _lines_withheld(published))


# The recovery test --------------------------------------------------------------------------


RECOVERY_TABLES = [
    # Rows: groups; columns: how far their referrals went (as the equality figures are).
    [[12, 3, 20, 9, 14], [7, 1, 11, 6, 9], [30, 8, 41, 17, 25], [2, 0, 3, 1, 1]],
    [[3, 10, 12], [20, 30, 40], [25, 35, 45]],
    [[1, 7, 8, 30], [6, 2, 9, 25], [5, 6, 3, 40], [8, 9, 10, 1]],
    [[20, 30], [1, 2], [15, 10]],
    [[4, 50, 60], [50, 4, 60], [60, 60, 4]],
    [[2, 9], [9, 9]],
]


@pytest.mark.parametrize("counts", RECOVERY_TABLES)
def test_no_withheld_figure_can_be_recovered_from_the_published_ones(counts):
    published = suppress(counts)
    grid = with_totals(counts)

    assert published.primary  # each of these tables has something to protect
    # The naive attack, one row or column at a time, finds nothing.
    assert recovered_one_line_at_a_time(published) == {}
    # Nor does solving every row and column total at once.
    assert recovered_exactly(published) == {}
    # And knowing that counts are whole and never negative leaves each small count at least
    # two possible values: the true one is never the only one.
    for cell in published.primary:
        assert another_value(published, grid, cell) is not None, cell


def test_the_attacks_do_recover_a_figure_withheld_without_secondary_suppression():
    """The attacks are real: with only primary suppression they recover the small count."""
    counts = [[3, 10, 12], [20, 30, 40], [25, 35, 45]]
    grid = with_totals(counts)
    primary_only = PublishedTable(
        grid=tuple(
            tuple(None if (i, j) == (0, 0) else value for j, value in enumerate(row))
            for i, row in enumerate(grid)
        ),
        primary=frozenset({(0, 0)}),
        secondary=frozenset(),
    )

    assert recovered_one_line_at_a_time(primary_only) == {(0, 0): 3}
    assert recovered_exactly(primary_only) == {(0, 0): 3}


def test_a_chain_of_withheld_figures_that_no_row_or_column_gives_away_is_closed_into_a_loop():
    """Two in every line is not enough when withheld figures form a chain through the table:
    the bridge between two loops can be solved for. The table is built so that the line
    rule alone leaves such a bridge; the published table has none."""
    counts = [
        [1, 1, 50, 50, 50],
        [1, 1, 50, 50, 50],
        [50, 3, 3, 50, 50],
        [50, 50, 1, 1, 50],
        [50, 50, 1, 1, 50],
    ]

    with mock.patch.object(suppression, "_close_bridges", lambda grid, withheld: False):
        lines_only = suppress(counts)
    published = suppress(counts)

    assert all(count != 1 for count in _lines_withheld(lines_only))
    assert recovered_exactly(lines_only) == {(2, 1): 3, (2, 2): 3}
    assert recovered_exactly(published) == {}
    assert all(count != 1 for count in _lines_withheld(published))


@pytest.mark.parametrize("seed", range(60))
def test_random_tables_never_give_a_withheld_figure_away(seed):
    generator = random.Random(seed)
    height, width = generator.randint(2, 6), generator.randint(2, 6)
    counts = [
        [generator.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 35]) for _ in range(width)]
        for _ in range(height)
    ]

    published = suppress(counts)

    assert all(count != 1 for count in _lines_withheld(published))
    assert recovered_exactly(published) == {}
    for i, row in enumerate(with_totals(counts)):
        for j, value in enumerate(row):
            if 0 < value < 5:
                assert published.grid[i][j] is None


def test_a_table_must_be_rectangular_counts():
    with pytest.raises(ValueError):
        suppress([])
    with pytest.raises(ValueError):
        suppress([[1, 2], [3]])
    with pytest.raises(ValueError):
        suppress([[1, -2]])


# Linked tables --------------------------------------------------------------------------------


def _sparse_reduced(equations: list[dict]) -> list[dict]:
    """Gauss–Jordan elimination in exact fractions over sparse rows ({unknown: coefficient},
    the constant under the key None): every pivot cleared from every other row."""
    rows = [dict(row) for row in equations]
    reduced: list[dict] = []
    while rows:
        row = rows.pop()
        for done in reduced:
            pivot = next(iter(key for key in done if key is not None))
            if row.get(pivot):
                factor = row[pivot]
                for key, value in done.items():
                    row[key] = row.get(key, 0) - factor * value
                row = {key: value for key, value in row.items() if value or key is None}
        unknowns = [key for key in row if key is not None and row[key]]
        if not unknowns:
            continue
        pivot = min(unknowns, key=repr)
        scale = row[pivot]
        row = {key: Fraction(value) / scale for key, value in row.items()}
        row = {pivot: row.pop(pivot), **row}
        for done in reduced:
            if done.get(pivot):
                factor = done[pivot]
                for key, value in row.items():
                    done[key] = done.get(key, 0) - factor * value
                for key in [key for key, value in done.items() if not value and key is not None]:
                    del done[key]
        reduced.append(row)
    return reduced


def recovered_from_linked(
    published: dict[tuple[str, object], tuple[tuple[int | None, ...], ...]], region: object
) -> dict:
    """The attack on linked tables, from the published grids alone: every table's rows and
    columns, each region cell the sum of the services' cells, and one whole row (the last)
    per scope shared by every characteristic's table of it. Each withheld figure is an
    unknown (a whole-row one the same unknown in every table of its scope); the published
    ones are constants. Returns the unknowns the equations pin to one value."""

    def name(characteristic, scope, i, j, height):
        return ("whole", scope, j) if i == height - 1 else (characteristic, scope, i, j)

    def term(characteristic, scope, i, j):
        grid = published[characteristic, scope]
        value = grid[i][j]
        key = name(characteristic, scope, i, j, len(grid))
        return (key, None) if value is None else (None, value)

    equations = []

    def add(total, parts):
        row: dict = {None: Fraction(0)}
        for sign, (key, value) in [(1, total)] + [(-1, part) for part in parts]:
            if key is None:
                row[None] -= sign * value
            else:
                row[key] = row.get(key, 0) + sign
        equations.append(row)

    services = sorted({scope for _, scope in published if scope != region}, key=repr)
    for (characteristic, scope), grid in published.items():
        height, width = len(grid), len(grid[0])
        for i in range(height):
            add(
                term(characteristic, scope, i, width - 1),
                [term(characteristic, scope, i, j) for j in range(width - 1)],
            )
        for j in range(width):
            add(
                term(characteristic, scope, height - 1, j),
                [term(characteristic, scope, i, j) for i in range(height - 1)],
            )
        if scope == region and services:
            for i in range(height):
                for j in range(width):
                    add(
                        term(characteristic, region, i, j),
                        [term(characteristic, service, i, j) for service in services],
                    )
    found = {}
    for row in _sparse_reduced(equations):
        unknowns = [key for key, value in row.items() if key is not None and value]
        if len(unknowns) == 1:
            found[unknowns[0]] = row[None] / row[unknowns[0]]
    return found


def _linked_layout(seed: int):
    """A region of a few services and two characteristics (groups of different sizes), the
    counts small, as {characteristic: {scope: counts}} with the region's the sums."""
    generator = random.Random(seed)
    services = list(range(generator.randint(2, 5)))
    people = [
        (service, generator.randrange(3))
        for service in services
        for _ in range(generator.randint(3, 30))
    ]
    layout = {}
    for characteristic, groups in [("a", 2), ("b", 3)]:
        tables = {service: [[0] * 3 for _ in range(groups)] for service in services}
        for service, stage in people:
            tables[service][generator.randrange(groups)][stage] += 1
        tables["R"] = [
            [sum(tables[service][i][j] for service in services) for j in range(3)]
            for i in range(groups)
        ]
        layout[characteristic] = tables
    return layout


def _suppress_layout(layout) -> dict:
    """The layout through `suppress_linked`: the sums of every table, the links, and one
    whole row per scope."""
    values, equations, places = {}, [], {}
    scopes = list(next(iter(layout.values())))
    services = [scope for scope in scopes if scope != "R"]
    for characteristic, tables in layout.items():
        for scope, counts in tables.items():
            grid = with_totals(counts)
            keys = [
                [(characteristic, scope, i, j) for j in range(len(grid[0]))]
                for i in range(len(grid) - 1)
            ] + [[("whole", scope, j) for j in range(len(grid[0]))]]
            for key_row, value_row in zip(keys, grid, strict=True):
                values.update(zip(key_row, value_row, strict=True))
            equations += suppression.table_equations(keys)
            places[characteristic, scope] = keys
        region = places[characteristic, "R"]
        for i in range(len(region)):
            for j in range(len(region[0])):
                total = places[characteristic, "R"][i][j]
                equations.append((total, [places[characteristic, s][i][j] for s in services]))
    result = suppression.suppress_linked(values, equations)
    return {
        place: tuple(tuple(result.published(key) for key in row) for row in keys)
        for place, keys in places.items()
    }


def _suppress_one_at_a_time(layout) -> dict:
    return {
        (characteristic, scope): suppress(counts).grid
        for characteristic, tables in layout.items()
        for scope, counts in tables.items()
    }


@pytest.mark.parametrize("seed", range(12))
def test_no_withheld_figure_can_be_worked_out_from_the_linked_tables_together(seed):
    layout = _linked_layout(seed)

    published = _suppress_layout(layout)

    assert recovered_from_linked(published, "R") == {}
    # Each table alone is safe too, every small figure is withheld, and a scope's whole row
    # is withheld alike in every characteristic's table.
    for (_, scope), grid in published.items():
        assert all(value is None or value == 0 or value >= 5 for row in grid for value in row)
        assert grid[-1] == published["a", scope][-1]
        table = PublishedTable(grid=grid, primary=frozenset(), secondary=frozenset())
        assert recovered_exactly(table) == {}


def test_tables_suppressed_one_at_a_time_give_figures_away_when_read_together():
    """The attack is real: the old way, each table safe alone, leaks in linked layouts (the
    region's cell less the services' published ones, or a whole row read across
    characteristics), and what it recovers is the truth."""
    leaked = 0
    for seed in range(12):
        layout = _linked_layout(seed)
        found = recovered_from_linked(_suppress_one_at_a_time(layout), "R")
        for key, value in found.items():
            if key[0] == "whole":
                assert value == with_totals(layout["a"][key[1]])[-1][key[2]]
            else:
                characteristic, scope, i, j = key
                assert value == with_totals(layout[characteristic][scope])[i][j]
        leaked += bool(found)
    assert leaked >= 1


def test_the_linked_attack_recovers_a_service_figure_from_the_region_less_the_others():
    # Service 0's three is withheld in its own table, yet the region's row and service 1's
    # are published whole: 13 - 10.
    layout = {"a": {0: [[3, 20], [30, 40]], 1: [[10, 20], [30, 40]]}}
    layout["a"]["R"] = [[13, 40], [60, 80]]

    old = recovered_from_linked(_suppress_one_at_a_time(layout), "R")
    new = recovered_from_linked(_suppress_layout(layout), "R")

    assert old[("a", 0, 0, 0)] == 3
    assert new == {}


def test_linked_suppression_refuses_sums_that_do_not_add_up():
    with pytest.raises(ValueError):
        suppression.suppress_linked({"a": 1, "b": 2, "t": 4}, [("t", ["a", "b"])])
    with pytest.raises(ValueError):
        suppression.suppress_linked({"a": 1, "t": 1}, [("t", ["a", "missing"])])
    with pytest.raises(ValueError):
        suppression.suppress_linked({"a": -1, "t": -1}, [("t", ["a"])])


def test_linked_suppression_of_one_table_is_as_safe_as_the_table_rule():
    for seed in range(30):
        generator = random.Random(seed)
        width = generator.randint(2, 5)
        counts = [
            [generator.choice([0, 1, 2, 3, 5, 8, 20]) for _ in range(width)]
            for _ in range(generator.randint(2, 4))
        ]
        grid = with_totals(counts)
        keys = [[(i, j) for j in range(len(grid[0]))] for i in range(len(grid))]
        values = {(i, j): value for i, row in enumerate(grid) for j, value in enumerate(row)}

        result = suppression.suppress_linked(values, suppression.table_equations(keys))

        table = PublishedTable(
            grid=tuple(tuple(result.published(key) for key in row) for row in keys),
            primary=frozenset(),
            secondary=frozenset(),
        )
        assert recovered_exactly(table) == {}
        assert {key for key, value in values.items() if 0 < value < 5} <= result.withheld
