"""The authorisation matrix: every URL pattern, for every role, with an object inside and
one outside the role's scope, answers as docs/access-matrix.md says; and the API's lists show
nothing that their details refuse.

The world of data is built once for the module, inside a transaction rolled back at its end;
each request runs in a savepoint of its own, so an action that does change something is
undone before the next request.
"""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from partnership import health
from tests.access.patterns import all_patterns, same_view
from tests.access.table import REDIRECT_TARGETS, Outcome, Row, read_rows, skeleton_row
from tests.access.visits import FIXED_KWARGS, LINK_KINDS, is_api, send, url_for
from tests.access.world import (
    ANONYMOUS,
    ANY,
    IN,
    OUT,
    ROLES,
    SCOPED_KINDS,
    UNSCOPED_KINDS,
    build_world,
)

ROWS = read_rows()
ALL_PATTERNS = all_patterns()
PATTERNS = {p.name: p for p in ALL_PATTERNS if p.name and not p.is_format_variant}
# The field of a list item that its detail URL takes, where it is not `id`.
LIST_ID_FIELDS = {
    "api:capacity-service-list": "service",
    "api:capacity-agreement-list": "agreement",
}


def _role_id(role: str) -> str:
    return role.replace(" ", "-")


# The world --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db(django_db_setup, django_db_blocker):
    """The database for the whole module: one transaction, rolled back at the end.

    It stands in for pytest-django's `db` (whose name is also what tells pytest-django to
    set up the test database): rather than a test case's transaction around every test,
    each request runs in a savepoint of its own (`undone`), which costs far less a cell.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def matrix(db):
    """The world and a signed-in client per role, kept for the whole module."""
    with _quick_open_pages():
        world = build_world()
        clients = {ANONYMOUS: Client()}
        for role, user in world.users.items():
            clients[role] = Client()
            clients[role].force_login(user)
        yield world, clients


@contextmanager
def _quick_open_pages():
    """Two open pages answer by what is running, not by access: readiness reads the workers'
    heartbeats, and the OpenAPI schema is generated afresh for each request (seconds). Here
    a worker is alive, and the schema is generated once."""
    generate = SchemaGenerator.get_schema
    built = {}

    def get_schema(self, request=None, public=False):
        if "schema" not in built:
            built["schema"] = generate(self, request=request, public=public)
        return built["schema"]

    with (
        mock.patch.object(health, "workers_alive", return_value=["worker@matrix"]),
        mock.patch.object(SchemaGenerator, "get_schema", get_schema),
    ):
        yield


@contextmanager
def undone():
    """A savepoint rolled back afterwards: whatever a request changes is gone for the next."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def matches(outcome: Outcome, response) -> bool:
    """Whether a response is the outcome; a plain 3xx must not lead to a sign-in page."""
    if response.status_code != outcome.status:
        return False
    if not 300 <= outcome.status < 400:
        return True
    location = urlsplit(response["Location"]).path
    if outcome.target is None:
        return location not in {reverse(name) for name in REDIRECT_TARGETS.values()}
    return location == reverse(REDIRECT_TARGETS[outcome.target])


def describe(response) -> str:
    text = str(response.status_code)
    if response.has_header("Location"):
        text += f" → {response['Location']}"
    return text


# The table and the URLconf agree --------------------------------------------------------


def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    rows: dict[str, Row] = {}
    duplicated = []
    for row in ROWS:
        if row.pattern in rows:
            duplicated.append(f"{row.pattern} (lines {rows[row.pattern].line} and {row.line})")
        rows[row.pattern] = row
    missing = [pattern for name, pattern in PATTERNS.items() if name not in rows]
    stale = [f"{row.pattern} (line {row.line})" for row in ROWS if row.pattern not in PATTERNS]
    moved = [
        f"{row.pattern} (line {row.line}): the table says {row.path}, the URLconf "
        f"{PATTERNS[row.pattern].path}"
        for row in ROWS
        if row.pattern in PATTERNS and PATTERNS[row.pattern].path != row.path
    ]
    problems = []
    if missing:
        problems.append(
            "URL patterns with no row in docs/access-matrix.md (fill these in and add them):\n"
            + "\n".join(skeleton_row(p.name, p.path, p.kwargs) for p in missing)
        )
    if stale:
        problems.append("Rows for patterns that no longer exist: " + ", ".join(stale))
    if moved:
        problems.append("Rows whose path has changed:\n" + "\n".join(moved))
    if duplicated:
        problems.append("Patterns with more than one row: " + ", ".join(duplicated))
    assert not problems, "\n\n".join(problems)


def test_format_suffixes_and_unnamed_patterns_are_covered_by_rows():
    """DRF's routers add a `.<format>` twin of each route: the same view, so the same row.
    Only the Django admin has unnamed patterns (its redirects and catch-all)."""
    problems = []
    for pattern in ALL_PATTERNS:
        if pattern.is_format_variant:
            twin = PATTERNS.get(pattern.name)
            if twin is None or not same_view(twin.callback, pattern.callback):
                problems.append(f"{pattern.path} is not the same view as a pattern with a row")
        elif pattern.name is None and not pattern.path.startswith("/django-admin/"):
            problems.append(f"{pattern.path} has no name, so the matrix cannot have a row for it")
    assert not problems, "\n".join(problems)


def test_the_table_is_well_formed():
    problems = []
    for row in ROWS:
        where = f"{row.pattern} (line {row.line})"
        if row.kind is not None and row.kind not in SCOPED_KINDS | UNSCOPED_KINDS:
            problems.append(f"{where}: unknown object kind {row.kind!r}")
        pattern = PATTERNS.get(row.pattern)
        if pattern and set(pattern.kwargs) - set(FIXED_KWARGS) and row.kind is None:
            problems.append(f"{where}: the pattern takes {pattern.kwargs}: name its object")
        if is_api(row.path) and row.cells[ANONYMOUS].expected(IN).target is not None:
            problems.append(f"{where}: the API says 401 to anonymous clients, never redirects")
        for role, cell in row.cells.items():
            if cell.is_split and row.kind not in SCOPED_KINDS:
                problems.append(f"{where}, {role}: in/out for an object that has no scope")
            if not cell.is_split or row.kind in LINK_KINDS:
                continue
            inside, outside = cell.expected(IN), cell.expected(OUT)
            # Out of scope, the answer must not tell that the object exists (DESIGN.md).
            if outside.status in (201, 204, 400, 403, 409) or (
                outside.status == 200 and inside.status != 200
            ):
                problems.append(f"{where}, {role}: out of scope answers {outside}")
    assert not problems, "\n".join(problems)


# Every cell -------------------------------------------------------------------------------


def _cells():
    for row in ROWS:
        scopes = (IN, OUT) if row.kind in SCOPED_KINDS else (ANY,)
        for role in ROLES:
            for scope in scopes:
                yield pytest.param(row, role, scope, id=f"{row.pattern}/{_role_id(role)}/{scope}")


@pytest.mark.parametrize(("row", "role", "scope"), list(_cells()))
def test_access(matrix, row, role, scope):
    world, clients = matrix
    pattern = PATTERNS.get(row.pattern)
    if pattern is None:
        pytest.fail(f"{row.pattern} is not a URL pattern any more")
    url = url_for(row, world, role, scope, pattern.kwargs)
    with undone():
        response = send(clients[role], world, role, row, url)
    expected = row.cells[role].expected(scope)
    assert matches(expected, response), (
        f"{row.method} {row.pattern} as {role}"
        + ("" if scope == ANY else f", object {scope} of scope")
        + f": expected {expected}, got {describe(response)}"
    )


# Lists never show what the detail refuses -------------------------------------------------


def _lists():
    for row in ROWS:
        if row.pattern.startswith("api:") and row.pattern.endswith("-list"):
            for role in ROLES:
                if role != ANONYMOUS:
                    yield pytest.param(row, role, id=f"{row.pattern}/{_role_id(role)}")


@pytest.mark.parametrize(("row", "role"), list(_lists()))
def test_a_list_shows_only_what_its_detail_shows(matrix, row, role):
    world, clients = matrix
    client = clients[role]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[role]}"}
    detail_name = row.pattern.removesuffix("-list") + "-detail"
    detail = PATTERNS.get(detail_name)
    assert detail is not None, f"{row.pattern} has no {detail_name} to check its items against"
    (lookup,) = detail.kwargs
    detail_row = next(r for r in ROWS if r.pattern == detail_name)

    with undone():
        response = client.get(reverse(row.pattern), **headers)
        assert response.status_code == 200, f"{row.pattern} as {role}: {describe(response)}"
        field = LIST_ID_FIELDS.get(row.pattern, "id")
        listed = [str(item[field]) for item in response.json()["results"]]
        refused = []
        for value in listed:
            answer = client.get(reverse(detail_name, kwargs={lookup: value}), **headers)
            if answer.status_code != 200:
                refused.append(f"{value} ({describe(answer)})")
    assert not refused, f"{row.pattern} as {role} lists what {detail_name} refuses: {refused}"

    if detail_row.kind in SCOPED_KINDS:
        for scope in (IN, OUT):
            value = str(world.kwargs(detail_row.kind, role, scope)[lookup])
            shown = detail_row.cells[role].expected(scope).status == 200
            assert (value in listed) is shown, (
                f"{row.pattern} as {role}: the object {scope} of scope "
                + ("is missing from the list" if shown else "is listed, but its detail is refused")
            )
