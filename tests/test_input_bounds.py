"""Input without bounds: every way in refuses, with a clear 4xx and nothing stored, what no
person would send. Overflowing numbers (1e999, 10**30), JSON nested a thousand deep, NUL
bytes and control characters, strings of a million characters, page numbers of 31 digits,
ids of the wrong type (1.5, true, "1") and absurd dates (0001-01-01, 9999-12-31).

The ways in are enumerated, not listed by hand: the API's writes from its OpenAPI document,
the lists from the access matrix's rows (API, pages, Open Referral and the open-data
exports), and the pages' forms from the pages themselves, as the role the matrix lets in.
All of it runs in the matrix's world; each request in a savepoint rolled back afterwards,
with writes watched at the database.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from providers.models import Service
from referrals.models import Status
from referrals.tests.factories import referral_in
from tests.access.visits import is_api, url_for
from tests.access.world import ANONYMOUS, ANY, IN, ROLES, SCOPED_KINDS
from tests.fuzz.schema import openapi_document
from tests.test_access_matrix import PATTERNS, ROWS, db, matrix, undone  # noqa: F401
from tests.test_head_writes import writes_watched

PROBLEM = "application/problem+json"
HUGE = "x" * 1_000_000
DEEP = 1000
BIG_PAGE = "1" + "0" * 30


class Raw:
    """A JSON value written as is: `1e999` cannot come out of `json.dumps`."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def dumps(body) -> str:
    raws: list[Raw] = []

    def default(value):
        raws.append(value)
        return f"@@raw{len(raws) - 1}@@"

    def walk(value):
        if isinstance(value, Raw):
            return default(value)
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    text = json.dumps(walk(body))
    for number, raw in enumerate(raws):
        text = text.replace(f'"@@raw{number}@@"', raw.text)
    return text


# What each kind of value in the OpenAPI document is sent as, beyond its bounds.
BAD_STRINGS = [HUGE, "a\x00b", "a\x07b"]
BAD_INTEGERS = [Raw("1e999"), 10**30, -(10**30), 1.5, True]
BAD_NUMBERS = [Raw("1e999"), Raw("-1e999")]
BAD_DATES = ["0001-01-01", "9999-12-31"]
BAD_IDS = [Raw("1e999"), 10**30, 1.5, True, "1"]


# The world, with what the matrix's lacks for writes: a draft referral and a sent one.


@pytest.fixture(scope="module")
def world(matrix):  # noqa: F811
    world, clients = matrix
    practitioner = world.users["practitioner"]
    referral_id = world.kwargs("referral", "practitioner", IN)["public_id"]
    from referrals.models import Referral

    service = Referral.objects.get(public_id=referral_id).service
    extra = {
        "referral": [
            {"public_id": referral_in(status, practitioner=practitioner, service=service).public_id}
            for status in (Status.DRAFT, Status.SENT)
        ]
    }
    return world, clients, extra


def _schema(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _schema(document, schema["allOf"][0])
    return schema


def _is_id(name: str, schema: dict) -> bool:
    return schema.get("type") == "integer" and "maximum" not in schema and "minimum" not in schema


def bad_values(document: dict, name: str, schema: dict):
    """(label, value) for each out-of-bounds value of a body field."""
    schema = _schema(document, schema)
    kind = schema.get("type")
    if "enum" in schema or ("oneOf" in schema and kind is None):
        yield "NUL in a choice", "a\x00b"
    elif kind == "string" and schema.get("format") == "date":
        for value in BAD_DATES:
            yield f"date {value}", value
    elif kind == "string" and schema.get("format") in (None, "email", "uri"):
        for value in BAD_STRINGS:
            yield f"string {value[:8]!r}{'…' if len(value) > 8 else ''}", value
    elif kind == "integer":
        for value in BAD_IDS if _is_id(name, schema) else BAD_INTEGERS:
            yield f"integer {value!r}", value
    elif kind == "number":
        for value in BAD_NUMBERS:
            yield f"number {value!r}", value
    elif kind == "array":
        items = _schema(document, schema.get("items", {}))
        if items.get("type") == "object":
            for field, inner in items.get("properties", {}).items():
                if not inner.get("readOnly"):
                    for label, value in bad_values(document, field, inner):
                        yield f"[{{{field}: {label}}}]", [{field: value}]
        else:
            for label, value in bad_values(document, name, items):
                yield f"[{label}]", [value]
        if items.get("type") in ("integer", "string"):
            yield "a list of 100,000 items", [1] * 100_000


def _api_writes():
    document = openapi_document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if method in ("post", "put", "patch") and "application/json" in content:
                schema = _schema(document, content["application/json"]["schema"])
                yield pytest.param(method, path, schema, id=f"{method.upper()} {path}")


def _row_for_api(path: str):
    """The matrix's row of an OpenAPI path (whose parameters may be named otherwise)."""
    full = path if path.startswith("/api/v1") else "/api/v1" + path
    return next(row for row in ROWS if re.sub(r"{\w+}", "{}", row.path) == _shape(full))


def _shape(path: str) -> str:
    return re.sub(r"{\w+}", "{}", path)


def _candidates(world, extra, row):
    """(url, role) to try, the row's object in scope for each role, and the extra objects."""
    for role in ROLES:
        if role == ANONYMOUS:
            continue
        scope = IN if row.kind in SCOPED_KINDS else ANY
        kwargs_names = PATTERNS[row.pattern].kwargs
        yield url_for(row, world, role, scope, kwargs_names), role
        for kwargs in extra.get(row.kind, []):
            yield reverse(row.pattern, kwargs=kwargs), role


def _api(client, method: str, url: str, text: str, token: str):
    return client.generic(
        method.upper(),
        url,
        text,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _reaches_validation(response) -> bool:
    return response.status_code < 300 or (
        response.status_code == 400 and "errors" in response.json()
    )


def _problem(response) -> dict:
    assert response["Content-Type"].startswith(PROBLEM), (
        f"{response.status_code} is not problem+json: {response.content[:200]!r}"
    )
    return response.json()


@pytest.mark.parametrize(("method", "path", "schema"), list(_api_writes()))
def test_input_bounds_api_write_refuses_every_field_out_of_bounds(world, method, path, schema):
    """Each writable field of each write, sent beyond its bounds, is a 400 problem naming the
    field, and nothing is stored; so is a body too deep or with a number no column holds."""
    world, clients, extra = world
    document = openapi_document()
    row = _row_for_api(path)
    with undone():
        reached = None
        for url, role in _candidates(world, extra, row):
            with undone():
                if _reaches_validation(_api(clients[role], method, url, "{}", world.tokens[role])):
                    reached = url, role
                    break
    if reached is None:
        pytest.skip(f"no role reaches the validation of {method.upper()} {path} in this world")
    url, role = reached
    client, token = clients[role], world.tokens[role]
    problems = []

    def check(label: str, text: str, field: str | None):
        with undone(), writes_watched() as written:
            response = _api(client, method, url, text, token)
        where = f"{method.upper()} {path} as {role} with {label}"
        if response.status_code != 400:
            problems.append(f"{where}: {response.status_code} {response.content[:150]!r}")
        elif not response["Content-Type"].startswith(PROBLEM):
            problems.append(f"{where}: 400 without problem+json")
        elif response.json()["type"].endswith("parse-error"):
            # A number no JSON value may hold is refused by the parser, for the whole body.
            if "1e999" not in label and "deep" not in label and "NaN" not in label:
                problems.append(f"{where}: refused as unreadable JSON")
        elif field is not None and field not in response.json().get("errors", {}):
            problems.append(f"{where}: the errors do not name {field}: {response.json()}")
        if written:
            problems.append(f"{where} wrote: {written}")

    for field, field_schema in schema.get("properties", {}).items():
        if field_schema.get("readOnly"):
            continue
        for label, value in bad_values(document, field, field_schema):
            check(f"{field}={label}", dumps({field: value}), field)
    check("1e999 in the body", '{"amount": 1e999, "service": 1e999}', None)
    check("NaN in the body", '{"amount": NaN}', None)
    check(f"lists {DEEP} deep", "[" * DEEP + "]" * DEEP, None)
    check(f"objects {DEEP} deep", '{"a":' * DEEP + "1" + "}" * DEEP, None)
    assert not problems, "\n".join(problems)


def test_input_bounds_api_writes_are_enumerated():
    """The walk above covers the writes that once stored absurd input."""
    walked = {(values[0], values[1]) for values in (p.values for p in _api_writes())}
    for expected in [
        ("post", "/api/v1/referrals/"),
        ("patch", "/api/v1/referrals/{public_id}/"),
        ("put", "/api/v1/referrals/{public_id}/risk/"),
        ("post", "/api/v1/referrals/{public_id}/sessions/"),
    ]:
        assert expected in walked, expected


# Lists: API, pages, Open Referral and the open-data exports ---------------------------------


READ_RECEIPTS = frozenset({"partnership_notification"})
LIST_QUERIES = [
    ("a 31-digit page", {"page": BIG_PAGE}),
    ("a 20-digit page", {"page": "1" + "0" * 19}),
    ("a 31-digit page size", {"page_size": BIG_PAGE, "per_page": BIG_PAGE}),
    ("a NUL in search", {"search": "\x00"}),
    ("a NUL in region", {"region": "\x00"}),
    ("a NUL in a filter", {"status": "\x00", "q": "a\x00"}),
    ("a huge search", {"search": "x" * 100_000, "q": "x" * 100_000}),
    ("a date of year 1", {"updated_since": "0001-01-01T00:00:00Z", "modified_after": "0001-01-01"}),
    ("an overflowing id", {"service": BIG_PAGE, "organisation": BIG_PAGE, "period": BIG_PAGE}),
    # The browsable API renders a form for each write beside the read.
    ("the browsable API", {"format": "api"}),
]


HEALTH = {"/healthz", "/readyz"}


def _readers():
    """Every GET row and a role the matrix lets read it."""
    for row in ROWS:
        # Health checks take no input and answer before any middleware.
        if row.method != "GET" or row.pattern.startswith("admin:") or row.path in HEALTH:
            continue
        scope = IN if row.kind in SCOPED_KINDS else ANY
        role = next(
            (r for r in ROLES if row.cells[r].expected(scope).status == 200 and r != ANONYMOUS),
            ANONYMOUS if row.cells[ANONYMOUS].expected(scope).status == 200 else None,
        )
        if role is not None:
            yield pytest.param(row, role, scope, id=row.pattern)


def _paginated(path: str) -> bool:
    return path.endswith("/") and "{" not in path.rsplit("/", 2)[-2]


@pytest.mark.parametrize(("row", "role", "scope"), list(_readers()))
def test_input_bounds_list_queries_are_answered_with_a_clear_4xx(world, row, role, scope):
    """No query a list is sent fails on the server: NUL bytes are a 400, page numbers past
    any list a 400 or 404 (in the API a problem, in Open Referral its JSON error)."""
    world, clients, _ = world
    base = url_for(row, world, role, scope, PATTERNS[row.pattern].kwargs)
    headers = {}
    if is_api(base) and role != ANONYMOUS:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role]}"
    problems = []
    queries = LIST_QUERIES
    if not is_api(base) and not row.path.startswith("/openreferral/"):
        # Pages read few parameters and some take seconds: the rest of the bounds at once.
        at_once = {
            k: v for label, q in LIST_QUERIES[2:] if "NUL" not in label for k, v in q.items()
        }
        queries = [*LIST_QUERIES[:1], *(q for q in LIST_QUERIES if "NUL" in q[0])]
        queries.append(("every other bound at once", at_once))
    for label, query in queries:
        # Opening a page marks its subject's notifications read: a GET's own bookkeeping.
        with undone(), writes_watched(READ_RECEIPTS) as written:
            response = clients[role].get(f"{base}?{urlencode(query)}", **headers)
        where = f"GET {row.path} as {role} with {label}"
        status = response.status_code
        if status >= 500:
            problems.append(f"{where}: {status}")
        elif "NUL" in label and status != 400:
            problems.append(f"{where}: {status}, not 400")
        elif status >= 400 and is_api(base) and not response["Content-Type"].startswith(PROBLEM):
            problems.append(f"{where}: {status} without problem+json")
        elif (
            status >= 400
            and row.path.startswith("/openreferral/")
            and not (
                response["Content-Type"].startswith("application/json") and response.json()["error"]
            )
        ):
            problems.append(f"{where}: {status} without an error")
        if written:
            problems.append(f"{where} wrote: {written}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ["api:referral-list", "api:service-list", "api:alert-list"])
def test_input_bounds_page_past_any_api_list_is_a_404_problem(world, name):
    world, clients, _ = world
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens['practitioner']}"}
    for page in (BIG_PAGE, "1" + "0" * 19, "100000"):
        with undone():
            response = clients["practitioner"].get(reverse(name), {"page": page}, **headers)
        assert response.status_code == 404, (name, page, response.status_code)
        assert "page" in _problem(response)["detail"]


@pytest.mark.parametrize(
    "name",
    [
        "providers:openreferral-services",
        "providers:openreferral-organizations",
        "providers:openreferral-taxonomy-terms",
    ],
)
def test_input_bounds_page_past_an_open_referral_list_is_empty(world, name):
    """HSDS answers a page past the last with an empty page; its offset never reaches the
    database, where a 20-digit one overflowed a bigint."""
    world, clients, _ = world
    for page in (BIG_PAGE, "1" + "0" * 19, "100000"):
        with undone():
            response = clients[ANONYMOUS].get(reverse(name), {"page": page})
        assert response.status_code == 200, (name, page, response.status_code)
        assert response.json()["empty"] is True
        assert response.json()["contents"] == []


# Page forms ------------------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields (name, kind, value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "get").lower() == "post":
            self._form = {"action": attrs.get("action"), "fields": []}
            self.forms.append(self._form)
        if self._form is None or not attrs.get("name"):
            return
        name = attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            numeric = attrs.get("inputmode") == "numeric"
            self._form["fields"].append(
                [name, "number" if numeric else kind, attrs.get("value", "")]
            )
        elif tag == "textarea":
            self._textarea = [name, "textarea", ""]
            self._form["fields"].append(self._textarea)
        elif tag == "select":
            self._select = [name, "select", None]
            self._form["fields"].append(self._select)
        elif (
            tag == "option"
            and self._select is not None
            and (self._select[2] is None or "selected" in attrs)
        ):
            self._select[2] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _page_readers():
    for param in _readers():
        row = param.values[0]
        opens_a_page = not is_api(row.path) and not row.path.startswith("/openreferral/")
        if opens_a_page and "csv" not in row.path and "download" not in row.pattern:
            yield param


BAD_FORM_VALUES = {
    "text": [("a million characters", HUGE), ("a NUL", "a\x00b")],
    "email": [("a million characters", HUGE), ("a NUL", "a\x00b")],
    "textarea": [("a million characters", HUGE), ("a NUL", "a\x00b")],
    "number": [("a 31-digit number", BIG_PAGE), ("-10**30", "-" + BIG_PAGE)],
    # Choices of an object name it by id.
    "select": [("an overflowing id", BIG_PAGE), ("a NUL", "a\x00b")],
    "radio": [("an overflowing id", BIG_PAGE), ("a NUL", "a\x00b")],
    "checkbox": [("an overflowing id", BIG_PAGE), ("a NUL", "a\x00b")],
}
# A request for a password reset is counted, valid or not, to limit how often one is made.
RATE_LIMITS = ("partnership_passwordresetrequest",)
SKIPPED_FIELDS = {"csrfmiddlewaretoken", "password", "token", "otp_token", "q"}


def _field_of(name: str, kind: str) -> str:
    """The form field an input belongs to: a date's day, month and year are `name_0`…`_2`."""
    return re.sub(r"_[012]$", "", name) if kind == "number" else name


@pytest.mark.parametrize(("row", "role", "scope"), list(_page_readers()))
def test_input_bounds_page_forms_refuse_every_field_out_of_bounds(world, row, role, scope):
    """Each field of each form on the page, sent beyond its bounds with the rest as the page
    filled them in, is shown back with an error (or refused with a 4xx); nothing is stored."""
    world, clients, _ = world
    url = url_for(row, world, role, scope, PATTERNS[row.pattern].kwargs)
    problems = _form_problems(clients[role], url, f"{row.path} as {role}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("section", ["person", "sentence", "needs", "risk"])
def test_input_bounds_referral_task_forms_refuse_every_field_out_of_bounds(world, section):
    """The referral's task pages, on a draft and on a referral already sent (which asks for
    the reason for each change), as the matrix walks only one of them."""
    world, clients, extra = world
    problems = []
    for kwargs in [*extra["referral"], world.kwargs("referral", "practitioner", IN)]:
        url = reverse("referrals:section", kwargs={**kwargs, "section": section})
        problems += _form_problems(clients["practitioner"], url, url)
    assert not problems, "\n".join(problems)


# Fields a radio answer reveals (GOV.UK conditional reveal): sent with that answer, as a
# field the answer hides is cleared, not checked.
REVEALED_BY = {
    "prison": ("setting", "custody"),
    **{f"expected_release_date_{part}": ("setting", "custody") for part in range(3)},
    "details": ("has_conflict", "yes"),
}


def _form_problems(client, url: str, source: str) -> list[str]:
    with undone():
        page = client.get(url)
    if page.status_code != 200 or "text/html" not in page["Content-Type"]:
        return []
    parser = _Forms()
    parser.feed(page.content.decode())
    problems = []
    for form in parser.forms:
        action = form["action"] or url
        if "sign-out" in action:
            continue
        filled = {name: value for name, _, value in form["fields"] if value is not None}
        for name, kind, _ in form["fields"]:
            if name in SKIPPED_FIELDS or kind not in BAD_FORM_VALUES:
                continue
            for label, value in BAD_FORM_VALUES[kind]:
                with undone(), writes_watched() as written:
                    shown = dict([REVEALED_BY[name]]) if name in REVEALED_BY else {}
                    response = client.post(action, {**filled, **shown, name: value})
                written = [w for w in written if not w.startswith(RATE_LIMITS)]
                where = f"POST {action} (from {source}) with {name}={label}"
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                elif response.status_code == 200 and (
                    b"govuk-error-summary" not in response.content
                    or f'id="id_{_field_of(name, kind)}-error"' not in response.text
                ):
                    problems.append(f"{where}: 200 without an error on the field")
                if written:
                    problems.append(f"{where} wrote: {written}")
    return problems


# One place each -----------------------------------------------------------------------------


def test_input_bounds_body_too_large_is_a_413(world):
    """A body larger than the portal reads is a 413: problem+json in the API, a page
    elsewhere; one too large for memory but within a document's limit too."""
    world, clients, _ = world
    client = clients["practitioner"]
    token = world.tokens["practitioner"]
    for size in (3 * 1024 * 1024, 50 * 1024 * 1024):
        body = '{"reason": "' + "x" * size + '"}'
        response = _api(client, "post", reverse("api:referral-list"), body, token)
        assert response.status_code == 413
        assert _problem(response)["status"] == 413
        page = client.post(
            reverse("api-tokens"), "name=" + "x" * size, "application/x-www-form-urlencoded"
        )
        assert page.status_code == 413
        assert b"govuk-heading-l" in page.content


def test_input_bounds_pages_refuse_transitions_they_do_not_offer(world):
    """Start and complete happen through sessions and the report: the page route says 404."""
    world, clients, extra = world
    referral = world.kwargs("referral", "provider admin", IN)["public_id"]
    for action in ("start", "complete"):
        with undone(), writes_watched() as written:
            response = clients["provider admin"].post(
                reverse("referrals:act", kwargs={"public_id": referral, "action": action})
            )
        assert response.status_code == 404
        assert not written


def test_input_bounds_browsable_api_on_risk(world):
    world, clients, _ = world
    referral = world.kwargs("referral", "practitioner", IN)["public_id"]
    url = reverse("api:referral-risk", kwargs={"public_id": referral})
    with undone():
        response = clients["practitioner"].get(url, {"format": "api"})
    assert response.status_code == 200
    assert b"Risk" in response.content


def test_input_bounds_id_of_the_wrong_type_refers_nowhere(world):
    world, clients, _ = world
    service = world.kwargs("service", "practitioner", IN)["pk"]
    token = world.tokens["practitioner"]
    for value in (Raw("1.5"), Raw(f"{service}.0"), Raw("true"), f'"{service}"'):
        with undone(), writes_watched() as written:
            text = '{"service": %s, "crn": "X123456"}' % (
                value.text if isinstance(value, Raw) else value
            )
            response = _api(
                clients["practitioner"], "post", reverse("api:referral-list"), text, token
            )
        assert response.status_code == 400, (value, response.content)
        assert "whole number" in " ".join(_problem(response)["errors"]["service"])
        assert not written


@pytest.mark.django_db
def test_input_bounds_notification_titles_fit_a_service_name_of_any_length():
    """A service's name fills its column: a referral to it still notifies, its title cut to
    fit with an ellipsis."""
    from notifications.models import Notification
    from partnership.models import Role
    from partnership.tests.factories import UserFactory
    from providers.tests.factories import make_service

    limit = Notification._meta.get_field("title").max_length
    name = "Accommodation support " * 10
    service = make_service(name[: Service._meta.get_field("name").max_length])
    UserFactory(role=Role.PROVIDER_ADMIN, organisation=service.organisation)
    referral_in(Status.SENT, service=service)
    titles = list(Notification.objects.values_list("title", flat=True))
    assert titles
    assert all(len(title) <= limit for title in titles)
    assert any(title.endswith("…") for title in titles)


def test_input_bounds_date_of_birth_is_from_1900_to_today(world):
    """Other dates take the pages' years (1900 to 2200); a date of birth is not in the future."""
    world, clients, extra = world
    client, token = clients["practitioner"], world.tokens["practitioner"]
    draft = extra["referral"][0]
    page = reverse("referrals:section", kwargs={**draft, "section": "person"})
    api = reverse("api:referral-detail", kwargs=draft)
    for day, month, year in [(1, 1, 2150), (31, 12, 1899), (1, 1, 1)]:
        with undone(), writes_watched() as written:
            response = client.post(
                page,
                {"date_of_birth_0": day, "date_of_birth_1": month, "date_of_birth_2": year},
            )
            answer = _api(
                client,
                "patch",
                api,
                dumps({"date_of_birth": f"{year:04}-{month:02}-{day:02}"}),
                token,
            )
        assert 'id="id_date_of_birth-error"' in response.text, year
        assert answer.status_code == 400
        assert "date_of_birth" in _problem(answer)["errors"], year
        assert not written


def test_input_bounds_form_of_too_many_fields_to_the_api_is_a_problem(world):
    """A form of more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields to the API is a problem
    document, not Django's HTML: the API reads JSON only (multipart for an upload), so it is
    refused as a media type it does not read, before any field is counted."""
    world, clients, _ = world
    with undone(), writes_watched() as written:
        response = clients["practitioner"].post(
            reverse("api:referral-list"),
            {f"field{n}": "x" for n in range(1500)},
            HTTP_AUTHORIZATION=f"Bearer {world.tokens['practitioner']}",
        )
    assert response.status_code == 415
    assert _problem(response)["status"] == 415
    assert not written


# Every way in is bounded in one place -----------------------------------------------------


def _writable_fields(cls) -> list:
    try:
        fields = cls().get_fields()
    except Exception:  # a serializer that needs arguments to be built
        fields = getattr(cls, "_declared_fields", {})
    return [field for field in fields.values() if not field.read_only]


def test_input_bounds_every_input_serializer_and_form_takes_the_default_bounds():
    """Any serializer that takes input, of any kind, and any form with a field mixes in the
    class that bounds it; every reference to an object by id is an IdField."""
    from django import forms
    from rest_framework import serializers

    from partnership.api.fields import IdField
    from partnership.api.serializers import CheckedTextMixin
    from partnership.forms import GovukFormMixin
    from tests.test_control_chars import _project_classes

    serializers_unbounded, loose_ids = [], []
    for name, cls in _project_classes(serializers.Serializer).items():
        writable = _writable_fields(cls)
        if writable and not issubclass(cls, CheckedTextMixin):
            serializers_unbounded.append(name)
        for field in writable:
            relation = getattr(field, "child_relation", field)
            if isinstance(relation, serializers.PrimaryKeyRelatedField) and not isinstance(
                relation, IdField
            ):
                loose_ids.append(f"{name}.{field.field_name}")
    forms_unbounded = [
        name
        for name, cls in _project_classes(forms.BaseForm).items()
        if cls.base_fields and not issubclass(cls, GovukFormMixin)
    ]
    assert not serializers_unbounded, (
        f"Serializers without CheckedTextMixin: {serializers_unbounded}"
    )
    assert not loose_ids, f"Ids that take 1.5 or true: {loose_ids}"
    assert not forms_unbounded, f"Forms without GovukFormMixin: {forms_unbounded}"


def test_input_bounds_overflowing_id_in_a_path_is_a_404(world):
    """An id too large for its column, in the address of any page or API read, finds
    nothing: 404, never a database error."""
    world, clients, _ = world
    problems = []
    for row in ROWS:
        pattern = PATTERNS.get(row.pattern)
        if row.method != "GET" or not row.kind or row.kind == "admin object" or not pattern:
            continue
        role = next(
            (r for r in ROLES if r != ANONYMOUS and row.cells[r].expected(IN).status == 200),
            None,
        )
        if role is None:
            continue
        scope = IN if row.kind in SCOPED_KINDS else ANY
        url = original = url_for(row, world, role, scope, pattern.kwargs)
        for value in world.kwargs(row.kind, role, scope).values():
            if isinstance(value, int):
                url = url.replace(f"/{value}/", f"/{BIG_PAGE}/", 1)
        if url == original:
            continue  # named by UUID or slug
        headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[role]}"} if is_api(url) else {}
        with undone():
            response = clients[role].get(url, **headers)
        if response.status_code != 404:
            problems.append(f"GET {url} as {role}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_input_bounds_form_fields_past_memory_in_a_small_enough_body_are_a_413(world):
    """A multipart body within a document's limit whose text fields exceed what is read into
    memory: 413 as a problem in the API and a page elsewhere, not Django's bare 400."""
    world, clients, extra = world
    client = clients["practitioner"]
    fields = {"reason": "x" * (3 * 1024 * 1024)}
    draft = extra["referral"][0]
    with undone(), writes_watched() as written:
        api = client.post(
            reverse("api:referral-documents", kwargs=draft),
            fields,
            HTTP_AUTHORIZATION=f"Bearer {world.tokens['practitioner']}",
        )
        page = client.post(
            reverse("referrals:section", kwargs={**draft, "section": "person"}), fields
        )
    assert api.status_code == 413 and _problem(api)["status"] == 413
    assert page.status_code == 413 and b"govuk-heading-l" in page.content
    assert not written
