"""The schema is valid OpenAPI, and every response of every `GET` it lists, for every role,
is one it documents: status, content type, and a body that openapi-schema-validator finds
valid against it (`tests/fuzz/world.py` gives each role a part in a small world)."""

from __future__ import annotations

import functools
import inspect
from collections import Counter

import pytest
from django.db import transaction
from django.test import override_settings
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from tests.fuzz.schema import KnownIds, openapi_document
from tests.fuzz.world import ROLES, build_world

known = KnownIds()
# Enough of a collection's objects to meet its states (the world's referrals), not all.
IDS_PER_PATH = 4


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for the whole module, built once and rolled back at its end."""
    media = override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private"))
    with django_db_blocker.unblock(), media:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
            known.ids, known.references = built.ids, built.references
            yield built
        finally:
            known.ids, known.references = {}, {}
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_the_schema_is_valid_openapi():
    validate_spec(openapi_document())


def _urls(path: str) -> list[str]:
    """The path with real ids in it, a few of each collection; none if it takes ids the
    world does not have."""
    names = path.count("{")
    ids = known.ids_for(path)
    if len(ids) < names:
        return []
    if names == 0:
        return [path]
    first, *rest = ids
    urls = []
    for value in ids[first][:IDS_PER_PATH]:
        url = path.replace("{" + first + "}", str(value))
        for name in rest:
            url = url.replace("{" + name + "}", str(ids[name][0]))
        urls.append(url)
    return urls


@functools.cache
def _validator(path: str, status: str, media_type: str) -> OAS30Validator:
    document = openapi_document()
    media = document["paths"][path]["get"]["responses"][status]["content"][media_type]
    return OAS30Validator({**media["schema"], "components": document["components"]})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.django_db
def test_every_get_answers_as_the_schema_documents(client, world, role):
    document = openapi_document()
    checked = 0
    for path, operations in document["paths"].items():
        if "get" not in operations or path.startswith("/api/v1/schema"):
            continue
        for url in _urls(path):
            response = client.get(url, headers=world.headers[role])
            where = f"{role}: GET {url} answered {response.status_code}"
            documented = operations["get"]["responses"].get(str(response.status_code))
            assert documented is not None, f"{where}, which is not documented"
            media_type = response.get("Content-Type", "").split(";")[0]
            if not documented.get("content"):
                continue
            assert media_type in documented["content"], f"{where} as {media_type}"
            if media_type.endswith("json") and not response.streaming:
                errors = list(
                    _validator(path, str(response.status_code), media_type).iter_errors(
                        response.json()
                    )
                )
                assert not errors, f"{where}: {errors[0].message} at {list(errors[0].path)}"
            checked += 1
    assert checked > 40
    if role != "anonymous":
        assert client.get("/api/v1/me/", headers=world.headers[role]).status_code == 200


def test_every_operation_has_a_summary_a_description_of_its_own_and_examples():
    document = openapi_document()
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    descriptions = [operation["description"] for _, operation in operations]
    assert len(set(descriptions)) == len(descriptions)
    for name, operation in operations:
        assert operation["summary"], name
        assert "Subclasses" not in operation["description"], name  # no developer docstring
        bodies = [
            media
            for media_type, media in operation.get("requestBody", {}).get("content", {}).items()
            if media_type == "application/json"
        ] + [
            media
            for status, response in operation["responses"].items()
            if status.startswith("2")
            for media_type, media in response.get("content", {}).items()
            if media_type == "application/json"
        ]
        assert all("example" in media for media in bodies), name
    tags = {tag["name"]: tag["description"] for tag in document["tags"]}
    used = {tag for _, operation in operations for tag in operation["tags"]}
    assert used <= tags.keys() and all(tags[tag] != tag for tag in used)


def test_the_create_schema_gives_the_crn_pattern_and_a_step_is_an_enum():
    document = openapi_document()
    crn = document["components"]["schemas"]["ReferralCreateRequest"]["properties"]["crn"]
    assert crn["pattern"] == "^[A-Za-z][0-9]{6}$"
    step = next(
        parameter
        for parameter in document["paths"]["/api/v1/funding-rounds/{public_id}/{step}/"]["post"][
            "parameters"
        ]
        if parameter["name"] == "step"
    )
    assert "reopen" not in step["schema"]["enum"] and "consult" in step["schema"]["enum"]
    nested = document["paths"]["/api/v1/referrals/{public_id}/sessions/"]["get"]["parameters"]
    assert "status" not in {parameter["name"] for parameter in nested}


def _resolved(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_list_documents_its_count_and_pages_or_its_cursor():
    """A client generated from the schema sees each list's total `count` and its `page` and
    `page_size`; the change feeds alone page by `cursor` instead."""
    document = openapi_document()
    lists = 0
    for path, operations in document["paths"].items():
        get = operations.get("get")
        content = (get or {}).get("responses", {}).get("200", {}).get("content", {})
        if "application/json" not in content:
            continue
        body = _resolved(document, content["application/json"]["schema"])
        if "next" not in body.get("properties", {}):
            continue  # not paged: a report of bounded size, such as market health's years
        lists += 1
        parameters = {parameter["name"] for parameter in get.get("parameters", [])}
        if "cursor" in body["properties"]:
            assert "cursor" in parameters, path
            continue
        assert "count" in body["required"], f"GET {path} documents no count"
        assert {"page", "page_size"} <= parameters, f"GET {path} documents no pages"
    assert lists > 20


def test_no_schema_is_described_by_a_note_to_developers():
    """A schema's description is its own class's, never the docstring of a mixin that bounds
    input (which, inherited, described some 60 schemas alike)."""
    from partnership.api.serializers import CheckedTextMixin

    note = inspect.cleandoc(CheckedTextMixin.__doc__)
    schemas = openapi_document()["components"]["schemas"]
    described = [schema["description"] for schema in schemas.values() if "description" in schema]
    assert note not in described
    assert max(Counter(described).values()) <= 2  # `Reference` and its nullable twin


def test_a_path_parameter_naming_an_object_is_typed_as_its_id():
    """`document_id`, `concern_id`, `delivery_id` are UUIDs as the objects' `id`s are, so a
    generated client takes the id it read as it is."""
    document = openapi_document()
    named = {}
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"].endswith("_id"):
                    named.setdefault(parameter["name"], []).append(parameter["schema"])
    assert {"document_id", "concern_id", "delivery_id", "public_id"} <= named.keys()
    for name, schemas in named.items():
        for schema in schemas:
            assert schema.get("format") == "uuid", (name, schema)
