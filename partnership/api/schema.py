"""OpenAPI post-processing: every operation documents its problem+json error responses."""

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

_RESPONSES = {
    "400": ("Invalid input", {"post", "put", "patch"}),
    "401": ("Not signed in, or the token is unknown, expired or revoked", None),
    "403": ("Not allowed, for example a write with a read-only token", None),
    "404": ("Not found, or outside your scope", None),
    "409": ("An invalid state transition or a duplicate", {"post", "put", "patch", "delete"}),
}


def add_problem_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path, operations in result.get("paths", {}).items():
        if path.startswith("/api/v1/schema"):
            continue
        for method, operation in operations.items():
            for status, (description, methods) in _RESPONSES.items():
                if methods is not None and method not in methods:
                    continue
                operation.setdefault("responses", {}).setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": reference}},
                    },
                )
    return result
