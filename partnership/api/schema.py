"""OpenAPI post-processing: every operation documents its problem+json error responses."""

from drf_spectacular.utils import OpenApiResponse

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Messages by field name, for invalid input.",
            "additionalProperties": True,
        },
    },
}

PROBLEM_REFERENCE = {"$ref": "#/components/schemas/Problem"}


def problem_response(description: str) -> OpenApiResponse:
    """A problem response for `extend_schema`, for an error only some operations give."""
    return OpenApiResponse(response=PROBLEM_REFERENCE, description=description)


_RESPONSES = {
    "400": ("Invalid input, such as a body or a filter's value", {"post", "put", "patch"}),
    "401": ("Not signed in, or the token is unknown, expired or revoked", None),
    "403": ("Not allowed, for example a write with a read-only token", None),
    "404": ("Not found, or outside your scope", None),
    "409": ("An invalid state transition or a duplicate", {"post", "put", "patch", "delete"}),
    "415": ("The body's media type is not one the operation reads", {"post", "put", "patch"}),
}


# Query parameters that never make a request invalid: a bad page is a 404, a bad page size the
# default size.
_PAGINATION = {"page", "page_size"}


def _methods_for(status: str, methods: set[str] | None, operation: dict) -> set[str] | None:
    """Reads answer 400 too when they take a query parameter that is checked, like a filter."""
    if status == "400" and any(
        parameter.get("in") == "query" and parameter.get("name") not in _PAGINATION
        for parameter in operation.get("parameters", [])
    ):
        return None
    return methods


def add_problem_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for path, operations in result.get("paths", {}).items():
        if path.startswith("/api/v1/schema"):
            continue
        for method, operation in operations.items():
            for status, (description, methods) in _RESPONSES.items():
                methods = _methods_for(status, methods, operation)
                if methods is not None and method not in methods:
                    continue
                operation.setdefault("responses", {}).setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": PROBLEM_REFERENCE}},
                    },
                )
    return result
