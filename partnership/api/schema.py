"""OpenAPI post-processing: every operation has a summary, a description of its own and an
example, and documents its problem+json errors and rate limits; tags are described; nullable
references are valid OpenAPI 3.0.3."""

from __future__ import annotations

import copy

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

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
        "codes": {
            "type": "object",
            "description": "A code for each message of `errors`, by field name, such as `required`.",
            "additionalProperties": True,
        },
    },
}
PROBLEM_DESCRIPTION = (
    "RFC 9457 problem details. `type` is the address of a page that explains the problem "
    "(`/api/v1/problems/{name}`)."
)

PROBLEM_REFERENCE = {"$ref": "#/components/schemas/Problem"}


def uuid_path_parameter(name: str, description: str) -> OpenApiParameter:
    """A path parameter naming an object by its UUID, typed as the object's `id` is, so a
    generated client passes an id it has read without converting it. (The route's pattern
    alone would make it a string.)"""
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=description)


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
    "429": ("Too many requests: wait for `Retry-After` seconds", None),
}

RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": "Requests allowed in the current window (per token, and per address).",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the window ends.",
}


# What a 400 means for an operation that takes no body and no checked parameter.
UNREADABLE_ADDRESS = "The address cannot be read: it holds a NUL character (`%00`)"
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
    components["Problem"] = {**PROBLEM_SCHEMA, "description": PROBLEM_DESCRIPTION}
    for path, operations in result.get("paths", {}).items():
        if path.startswith("/api/v1/schema"):
            continue
        for method, operation in operations.items():
            for status, (description, methods) in _RESPONSES.items():
                methods = _methods_for(status, methods, operation)
                if status == "400" and methods is not None and method not in methods:
                    # Any address can be unreadable (QueryNulByteMiddleware).
                    description = UNREADABLE_ADDRESS
                elif methods is not None and method not in methods:
                    continue
                operation.setdefault("responses", {}).setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": PROBLEM_REFERENCE}},
                    },
                )
            _add_rate_limit_headers(operation)
    return result


def _header(description: str) -> dict:
    return {"description": description, "schema": {"type": "integer"}}


def _add_rate_limit_headers(operation: dict) -> None:
    for status, response in operation.get("responses", {}).items():
        headers = response.setdefault("headers", {})
        if status.startswith("2") or status == "429":
            for name, description in RATE_LIMIT_HEADERS.items():
                headers.setdefault(name, _header(description))
        if status == "429":
            headers["Retry-After"] = _header("Seconds to wait before trying again.")
        if not headers:
            del response["headers"]


# Tags: one a resource, each said in a line.
TAGS = {
    "me": "The signed-in user: role, and the PDU or organisation they work for.",
    "regions": "The 12 probation regions of England and Wales.",
    "pdus": "Probation Delivery Units, each in a region.",
    "service-categories": "Kinds of service, each with complexity levels and desired outcomes.",
    "organisations": "Voluntary and community organisations that provide services.",
    "services": "Services in the directory, with what a referral to each may choose.",
    "staff": "A provider organisation's staff and their risk training (provider admins).",
    "referrals": "Referrals of people on probation to services, with their risk information, "
    "documents, sessions, concerns, end-of-service report and timeline.",
    "funding-rounds": "Grant and contract rounds run by commissioners.",
    "lots": "The parts of a funding round that organisations apply for.",
    "applications": "Organisations' applications to a round's lots.",
    "assessments": "Assessors' conflict declarations and scores.",
    "agreements": "Grant and contract agreements awarded from rounds.",
    "market-health": "Figures on the provider market, by region and month.",
    "capacity": "Utilisation of services and agreements, month by month.",
    "alerts": "Capacity alerts and their acknowledgement.",
    "notifications": "The signed-in user's notifications.",
    "exports": "Open data: grants as 360Giving, contracts as OCDS.",
    "events": "The change feed: what happened to the referrals you may see, in order, "
    "from a cursor.",
    "partnership-reports": "Kept partnership reports of a region's month or quarter, their "
    "figures section by section: commissioners read both versions, provider staff the one "
    "with no personal data.",
    "unmet-needs": "Needs practitioners found nothing suitable for, with no identifiers: "
    "practitioners record them for their PDU; commissioners read their regions'.",
    "surveys": "Gap and partnership surveys of a commissioner's regions, with their results; "
    "every figure from fewer than five answers withheld.",
    "webhooks": "An organisation's endpoints for signed event deliveries, and their log "
    "(provider admins).",
}

# A summary for each operation that does not give its own in `extend_schema`.
SUMMARIES = {
    "agreements_list": "List agreements",
    "agreements_create": "Create an agreement from an award",
    "agreements_retrieve": "Read an agreement",
    "agreements_status_create": "Change an agreement's status",
    "alerts_list": "List alerts",
    "alerts_retrieve": "Read an alert",
    "alerts_acknowledge_create": "Acknowledge an alert",
    "applications_list": "List applications",
    "applications_create": "Start an application to a lot",
    "applications_retrieve": "Read an application",
    "applications_decide_create": "Decide an application",
    "applications_submit_create": "Submit an application",
    "applications_withdraw_create": "Withdraw an application",
    "assessments_list": "List assessments",
    "assessments_retrieve": "Read an assessment",
    "assessments_declare_create": "Declare conflicts of interest",
    "assessments_score_create": "Score an application",
    "capacity_agreements_list": "List agreements' utilisation",
    "capacity_agreements_retrieve": "Read an agreement's utilisation",
    "capacity_services_list": "List services' utilisation",
    "capacity_services_retrieve": "Read a service's utilisation",
    "exports_360giving_retrieve": "Export grants as 360Giving JSON",
    "exports_360giving_csv": "Export grants as 360Giving CSV",
    "exports_ocds_retrieve": "Export contracts as an OCDS release package",
    "exports_ocds_csv": "Export contracts as OCDS CSV",
    "exports_ocds_records": "Export contracts as an OCDS record package",
    "exports_ocds_record": "Read one contracting process's OCDS record",
    "events_list": "List changes since a cursor",
    "funding_rounds_list": "List funding rounds",
    "funding_rounds_create": "Create a funding round",
    "funding_rounds_retrieve": "Read a funding round",
    "funding_rounds_step": "Move a funding round a step",
    "funding_rounds_criteria_create": "Add an assessment criterion",
    "funding_rounds_market_health_retrieve": "Read a round's market health",
    "lots_list": "List lots",
    "lots_create": "Add a lot to a round",
    "lots_retrieve": "Read a lot",
    "market_health_trends": "Read market health trends",
    "me_retrieve": "Read the signed-in user",
    "notifications_list": "List your notifications",
    "notifications_retrieve": "Read a notification",
    "notifications_read_create": "Mark a notification read",
    "organisations_list": "List organisations",
    "organisations_create": "Register an organisation",
    "organisations_retrieve": "Read an organisation",
    "organisations_update": "Replace an organisation's profile",
    "organisations_partial_update": "Change an organisation's profile",
    "pdus_list": "List PDUs",
    "pdus_retrieve": "Read a PDU",
    "referrals_list": "List referrals",
    "regions_list": "List regions",
    "regions_retrieve": "Read a region",
    "service_categories_list": "List service categories",
    "service_categories_retrieve": "Read a service category",
    "services_list": "List services",
    "services_create": "Add a service",
    "services_retrieve": "Read a service",
    "services_update": "Replace a service",
    "services_partial_update": "Change a service",
    "staff_list": "List your organisation's staff",
    "staff_retrieve": "Read a member of staff",
    "partnership_reports_list": "List partnership reports",
    "partnership_reports_retrieve": "Read a partnership report's figures",
    "unmet_needs_list": "List unmet needs",
    "unmet_needs_create": "Record an unmet need",
    "unmet_needs_retrieve": "Read an unmet need",
    "surveys_list": "List your surveys",
    "surveys_retrieve": "Read a survey's results",
    "webhooks_list": "List your webhook endpoints",
    "webhooks_create": "Register a webhook endpoint",
    "webhooks_retrieve": "Read a webhook endpoint",
    "webhooks_destroy": "Remove a webhook endpoint",
    "webhooks_deliveries_retrieve": "List an endpoint's deliveries",
    "webhooks_deliveries_replay_create": "Send a delivery again",
}


def describe_operations(result, generator, request, public):
    """Every operation: a summary, a description of its own (a description several share,
    their view's, is led by the summary), and an example of its request and response."""
    operations = [
        operation
        for path, methods in result.get("paths", {}).items()
        for operation in methods.values()
    ]
    shared: dict[str, int] = {}
    for operation in operations:
        operation.setdefault(
            "summary", SUMMARIES.get(operation["operationId"]) or _summary_of(operation)
        )
        description = operation.get("description", "")
        shared[description] = shared.get(description, 0) + 1
    schemas = result.get("components", {}).get("schemas", {})
    for operation in operations:
        description = operation.get("description", "").strip()
        if not description or shared[operation.get("description", "")] > 1:
            lead = operation["summary"].rstrip(".") + "."
            operation["description"] = f"{lead}\n\n{description}".strip()
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            if media_type.endswith("json"):
                media.setdefault("example", example_of(media.get("schema"), schemas))
        for status, response in operation.get("responses", {}).items():
            if status.startswith("2"):
                for media_type, media in response.get("content", {}).items():
                    if media_type.endswith("json"):
                        media.setdefault("example", example_of(media.get("schema"), schemas))
    used = sorted({tag for operation in operations for tag in operation.get("tags", [])})
    result["tags"] = [{"name": tag, "description": TAGS.get(tag, tag)} for tag in used]
    return result


def _summary_of(operation: dict) -> str:
    words = operation["operationId"].replace("_", " ")
    return words[:1].upper() + words[1:]


def example_of(schema: dict | None, schemas: dict, depth: int = 0):
    """A value the schema takes, for the documentation: the schema's own example, else made
    from its type, format and enum."""
    if not schema or depth > 8:
        return None
    if "$ref" in schema:
        return example_of(schemas.get(schema["$ref"].rsplit("/", 1)[-1]), schemas, depth + 1)
    if "example" in schema:
        return schema["example"]
    for combined in ("allOf", "oneOf", "anyOf"):
        if schema.get(combined):
            return example_of(schema[combined][0], schemas, depth + 1)
    if schema.get("enum"):
        return next((value for value in schema["enum"] if value is not None), None)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            name: example_of(value, schemas, depth + 1)
            for name, value in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [example_of(schema.get("items"), schemas, depth + 1)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return max(1.0, float(schema.get("minimum", 1)))
    if kind == "boolean":
        return True
    return _STRING_EXAMPLES.get(schema.get("format"), "text")


_STRING_EXAMPLES = {
    "date": "2026-04-01",
    "date-time": "2026-04-01T09:30:00Z",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "uri": "https://example.org/",
    "email": "name@example.org",
    "binary": None,
}


def valid_nullable_references(result, generator, request, public):
    """`allOf: [$ref]` with `nullable` but no `type` is not nullable under OpenAPI 3.0.3:
    each becomes a reference to a nullable copy of the component (`<Name>OrNull`)."""
    schemas = result.get("components", {}).get("schemas", {})
    copies: dict[str, dict] = {}

    def visit(node):
        if isinstance(node, dict):
            reference = node.get("allOf")
            if (
                node.get("nullable")
                and "type" not in node
                and isinstance(reference, list)
                and len(reference) == 1
                and "$ref" in reference[0]
            ):
                name = reference[0]["$ref"].rsplit("/", 1)[-1]
                nullable = f"{name}OrNull"
                if nullable not in copies and name in schemas:
                    copies[nullable] = {
                        **copy.deepcopy(schemas[name]),
                        "nullable": True,
                        "type": schemas[name].get("type", "object"),
                    }
                node.clear()
                node["$ref"] = f"#/components/schemas/{nullable}"
                return
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result.get("paths", {}))
    visit(schemas)
    schemas.update(copies)
    return result


def doc_excludes() -> list[type]:
    """Classes whose docstrings never describe a schema: drf-spectacular's own list, and the
    input-bounding mixin, whose docstring is a note to this code's developers (without it,
    every serializer with no docstring of its own is described by it)."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    from partnership.api.serializers import CheckedTextMixin

    return [*get_lib_doc_excludes(), CheckedTextMixin]
