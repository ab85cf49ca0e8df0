"""The API's OpenAPI document as schemathesis sees it, served in-process by the Django app.

The document comes from drf-spectacular's generator (what `/api/v1/schema/` serves); the
requests go to Django's WSGI handler in this process, so they see the test's database.
Path parameters, and body fields that name other objects, often take the ids of the world's
real objects, so that the fuzzing reaches the code behind a found object, not only the 404s.
"""

from __future__ import annotations

import functools
import json
import re
from urllib.parse import parse_qs, urlsplit

import requests
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import strategies as st
from schemathesis.core.failures import AcceptedNegativeData

API_PREFIX = "/api/v1/"
# A path parameter named other than the id of its collection.
PARAMETER_COLLECTIONS = {"document_id": "documents"}


@functools.cache
def openapi_document() -> dict:
    """The schema as served: generated, then rendered to JSON and read back."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def fuzz_config(*, max_examples: int) -> schemathesis.Config:
    """Examples from the schema and a bounded number of generated ones, valid and invalid."""
    return schemathesis.Config.from_dict(
        {
            "seed": 2026,
            "phases": {
                "examples": {"enabled": True},
                "fuzzing": {"enabled": True},
                # Thorough, but hundreds of requests per operation: more than the suite affords.
                "coverage": {"enabled": False},
                "stateful": {"enabled": False},
            },
            "checks": {
                # Expects every request the schema allows to succeed, but a body may name an
                # object that does not exist or break a rule no schema can express (a date in
                # the past, a closed round): 400 with the reason by field is right for those.
                "positive_data_acceptance": {"enabled": False},
            },
            "generation": {
                # The role's bearer token is sent with every request; generating the schemes'
                # headers and cookies as well would only be overwritten, or sign in as nobody.
                "with-security-parameters": False,
                "mode": "all",
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
            },
        }
    )


class InProcessApp:
    """Django's WSGI handler, keeping the test's database connection between requests.

    The handler closes "old" connections when a request starts and ends; inside a test's
    transaction that would close the connection, so (as Django's test client does) those
    signal receivers are disconnected while a request runs.
    """

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return self.handler(environ, start_response)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def _is_positive(case, part: str) -> bool:
    """Whether the case's path or body was generated valid."""
    component = case.meta.components.get(part) if case.meta else None
    return component is not None and component.mode.is_positive


def _mutated_parameters(case) -> set[tuple[str, str]]:
    """The (location, name) of each parameter made invalid on purpose for a negative case."""
    data = case.meta.phase.data if case.meta else None
    if data is None:
        return set()
    mutations = getattr(data, "mutations", ())
    if mutations:
        return {(str(m.parameter_location.value), m.parameter or "") for m in mutations}
    location = data.parameter_location
    return {(str(location.value), data.parameter or "")} if location else set()


FORM_MEDIA_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


def _lenient_on_purpose(location: str, name: str, sent: list[str], media_type: str | None) -> bool:
    """Whether the API accepting an invalid part is right, so that accepting it is no failure."""
    if location == "query":
        # `page_size` out of 1 to 100 is read as the nearest size (or the default), as in DRF.
        # A parameter sent empty, as a search form sends it, does not filter, as in
        # django-filter. One sent more than once is read from its last value, as in Django.
        empty = bool(sent) and all(value == "" for value in sent)
        return name == "page_size" or empty or len(sent) > 1
    # An invalid body only reaches the API as such in JSON: the test client's form encoder
    # cannot write a body that is not an object, and ends a form at an empty value.
    return location == "body" and media_type in FORM_MEDIA_TYPES


class KnownIds:
    """The ids of the world's objects, while a world exists: by collection for paths, and by
    field name for bodies."""

    def __init__(self):
        self.ids: dict[str, list[str]] = {}
        self.references: dict[str, list] = {}

    def ids_for(self, path: str) -> dict[str, list[str]]:
        """Real ids for the path's parameters, by name: the first names an object of the
        path's collection; a later one only if it names another collection, as `document_id`."""
        names = re.findall(r"{(\w+)}", path)
        if not names:
            return {}
        collection = path[len(API_PREFIX) : path.index("{")].strip("/")
        collections = {names[0]: collection} | {
            name: PARAMETER_COLLECTIONS[name] for name in names[1:] if name in PARAMETER_COLLECTIONS
        }
        return {
            name: self.ids[collection]
            for name, collection in collections.items()
            if self.ids.get(collection)
        }


def load(known: KnownIds, *, max_examples: int):
    """The schema to fuzz, sending requests into this process and knowing the world's ids."""
    schema = schemathesis.openapi.from_dict(
        openapi_document(), config=fuzz_config(max_examples=max_examples)
    )
    schema.app = InProcessApp()

    @schema.hook
    def flatmap_case(context, case):
        # Only valid parts get real ids: a real id would make an invalid part valid.
        path = known.ids_for(case.operation.path) if _is_positive(case, "path") else {}
        body = (
            {name: known.references[name] for name in case.body if name in known.references}
            if isinstance(case.body, dict) and _is_positive(case, "body")
            else {}
        )
        if not path and not body:
            return st.just(case)

        def with_ids(chosen):
            real = {key: value for key, value in chosen.items() if value is not None}
            if path:
                case.path_parameters = {
                    **case.path_parameters,
                    **{name: value for (part, name), value in real.items() if part == "path"},
                }
            if body:
                case.body = {
                    **case.body,
                    **{name: value for (part, name), value in real.items() if part == "body"},
                }
            return case

        # Each keeps its generated value or takes a real id, independently: a real referral
        # with a made-up document reaches code that two made-up ids never would. The
        # generated value comes first, so that shrinking a failure leads back to it.
        options = {("path", name): values for name, values in path.items()}
        options |= {("body", name): values for name, values in body.items()}
        return st.fixed_dictionaries(
            {key: st.sampled_from([None, *values]) for key, values in options.items()}
        ).map(with_ids)

    @schema.hook
    def filter_failure(context, failure, case, response):
        if not isinstance(failure, AcceptedNegativeData):
            return True
        mutated = _mutated_parameters(case)
        sent = parse_qs(urlsplit(response.request.url).query, keep_blank_values=True)
        return not mutated or not all(
            _lenient_on_purpose(location, name, sent.get(name, []), case.media_type)
            for location, name in mutated
        )

    return schema


def assert_conforms(response, *, method: str, path: str) -> None:
    """Fail unless a test client's response is one the schema documents for the operation:
    its status code, its content type and its body."""
    operation = openapi_document()["paths"][path][method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{response.status_code} is not documented for {method} {path}"
    content_type = response.get("Content-Type", "").split(";")[0]
    if documented.get("content"):
        assert content_type in documented["content"], (
            f"{content_type} is not documented for {response.status_code} of {method} {path}"
        )
    request = requests.Request(method, f"http://localhost{response.wsgi_request.get_full_path()}")
    answer = schemathesis.Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.items()},
        content=response.getvalue() if response.streaming else response.content,
        request=request.prepare(),
        elapsed=0.0,
        verify=True,
    )
    _plain_schema()[path][method].validate_response(answer)


@functools.cache
def _plain_schema():
    return schemathesis.openapi.from_dict(openapi_document())
