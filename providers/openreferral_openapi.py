"""The Open Referral feed's own OpenAPI 3.1 document: each path it serves, the parameters it
reads (named as HSDS's reference API names them) and the answers it gives. Documents are
described by the HSDS 3.1 compiled schemas they follow, linked rather than copied in."""

from __future__ import annotations

from providers.openreferral import HSDS_VERSION, PROFILE_URL, SCHEMA_URL

LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

PARAMETERS = {
    "search": {
        "name": "search",
        "in": "query",
        "required": False,
        "description": "Words to look for: in services, a full-text search of their names, "
        "descriptions and categories, best matches first; elsewhere, part of the name. "
        "200 characters at most.",
        "schema": {"type": "string", "maxLength": 200},
    },
    "page": {
        "name": "page",
        "in": "query",
        "required": False,
        "description": "Which page, from 1. A page past the last is empty.",
        "schema": {"type": "integer", "minimum": 1, "default": 1},
    },
    "per_page": {
        "name": "per_page",
        "in": "query",
        "required": False,
        "description": "Items a page, 1 to 100 (more is taken as 100).",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
    },
    "taxonomy_term_id": {
        "name": "taxonomy_term_id",
        "in": "query",
        "required": False,
        "description": "Only services with this category (a taxonomy term's id).",
        "schema": {"type": "string", "format": "uuid"},
    },
    "taxonomy_id": {
        "name": "taxonomy_id",
        "in": "query",
        "required": False,
        "description": "Only items with a term of this taxonomy (the feed has one).",
        "schema": {"type": "string", "format": "uuid"},
    },
    "organization_id": {
        "name": "organization_id",
        "in": "query",
        "required": False,
        "description": "Only this organisation's services.",
        "schema": {"type": "string", "format": "uuid"},
    },
    "modified_after": {
        "name": "modified_after",
        "in": "query",
        "required": False,
        "description": "Only services changed after this moment: ISO 8601 with a time, like "
        "2026-01-31T09:00:00Z or 2026-01-31T10:00:00+01:00 (a `+` may be sent as it is or as "
        "%2B); without an offset, UK time.",
        "schema": {"type": "string", "format": "date-time"},
    },
    "id": {
        "name": "id",
        "in": "path",
        "required": True,
        "description": "The item's id, a UUID. Anything else is a 404.",
        "schema": {"type": "string", "format": "uuid"},
    },
}


def _schema(name: str, description: str) -> dict:
    return {
        "type": "object",
        "description": description,
        "externalDocs": {"description": f"HSDS 3.1 `{name}`", "url": f"{SCHEMA_URL}{name}.json"},
    }


def _page(name: str, description: str) -> dict:
    return {
        "allOf": [
            {"$ref": "#/components/schemas/Page"},
            {
                "type": "object",
                "properties": {"contents": {"type": "array", "items": _schema(name, description)}},
            },
        ]
    }


def _json(description: str, schema: dict) -> dict:
    return {
        "description": description,
        "headers": {
            "ETag": {"$ref": "#/components/headers/ETag"},
            "Access-Control-Allow-Origin": {"$ref": "#/components/headers/AllowOrigin"},
        },
        "content": {"application/json": {"schema": schema}},
    }


ERRORS = {
    "304": {
        "description": "Not modified: the client's copy (If-None-Match, If-Modified-Since) is current."
    },
    "400": {"$ref": "#/components/responses/BadRequest"},
}
NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}


def _get(summary: str, operation: str, ok: dict, parameters: list[str], *, item=False) -> dict:
    refs = [{"$ref": f"#/components/parameters/{name}"} for name in parameters]
    responses = {"200": ok, **ERRORS, **(NOT_FOUND if item else {})}
    return {
        "get": {
            "summary": summary,
            "operationId": operation,
            "parameters": refs,
            "responses": responses,
        }
    }


def openapi_document(*, server: str) -> dict:
    listing = ["search", "page", "per_page"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Probation partnerships: Open Referral",
            "version": HSDS_VERSION,
            "summary": "Rehabilitative services for people on probation, as open data in HSDS 3.1.",
            "description": "The directory's organisations and their open services, with each "
            "service's capacity this month (HSDS 3.1 `service_capacity`). Read-only; anyone, "
            "from any origin; no personal data.",
            "license": {"name": "Open Government Licence v3.0", "url": LICENCE_URL},
        },
        "externalDocs": {"description": "HSDS", "url": PROFILE_URL},
        "servers": [{"url": server.rstrip("/")}],
        "paths": {
            "/": _get(
                "About this API and its HSDS version",
                "getAPIMetaInformation",
                _json(
                    "The HSDS version, profile and this document's address",
                    {
                        "type": "object",
                        "properties": {
                            "version": {"type": "string"},
                            "profile": {"type": "string", "format": "uri"},
                            "openapi_url": {"type": "string", "format": "uri"},
                        },
                    },
                ),
                [],
            ),
            "/services": _get(
                "Open services, a page at a time",
                "getServices",
                _json("A page of services", _page("service_list", "A service")),
                [*listing, "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after"],
            ),
            "/services/{id}": _get(
                "A service, fully nested",
                "getServiceById",
                _json("A service", _schema("service", "A service")),
                ["id"],
                item=True,
            ),
            "/organizations": _get(
                "Organisations, a page at a time",
                "getOrganizations",
                _json("A page of organisations", _page("organization_list", "An organisation")),
                listing,
            ),
            "/organizations/{id}": _get(
                "An organisation with its open services",
                "getOrganizationById",
                _json("An organisation", _schema("organization", "An organisation")),
                ["id"],
                item=True,
            ),
            "/taxonomies": _get(
                "The taxonomies (one: the service categories)",
                "getTaxonomies",
                _json("A page of taxonomies", _page("taxonomy", "A taxonomy")),
                listing,
            ),
            "/taxonomies/{id}": _get(
                "A taxonomy",
                "getTaxonomyById",
                _json("A taxonomy", _schema("taxonomy", "A taxonomy")),
                ["id"],
                item=True,
            ),
            "/taxonomy_terms": _get(
                "The service categories as taxonomy terms",
                "getTaxonomyTerms",
                _json("A page of taxonomy terms", _page("taxonomy_term", "A taxonomy term")),
                [*listing, "taxonomy_id"],
            ),
            "/taxonomy_terms/{id}": _get(
                "A taxonomy term",
                "getTaxonomyTermById",
                _json("A taxonomy term", _schema("taxonomy_term", "A taxonomy term")),
                ["id"],
                item=True,
            ),
        },
        "components": {
            "parameters": PARAMETERS,
            "headers": {
                "ETag": {
                    "description": "The document's version: send it back as If-None-Match "
                    "to be answered 304 while it is unchanged",
                    "schema": {"type": "string"},
                },
                "AllowOrigin": {"description": "Always *", "schema": {"type": "string"}},
            },
            "responses": {
                "BadRequest": {
                    "description": "A parameter is not valid; `error` says which and why",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
                "NotFound": {
                    "description": "No such item (an id that is not a UUID names nothing)",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
                "Page": {
                    "type": "object",
                    "required": [
                        "total_items",
                        "total_pages",
                        "page_number",
                        "size",
                        "first_page",
                        "last_page",
                        "empty",
                        "contents",
                    ],
                    "properties": {
                        "total_items": {"type": "integer"},
                        "total_pages": {"type": "integer"},
                        "page_number": {"type": "integer"},
                        "size": {"type": "integer"},
                        "first_page": {"type": "boolean"},
                        "last_page": {"type": "boolean"},
                        "empty": {"type": "boolean"},
                        "contents": {"type": "array"},
                    },
                },
            },
        },
    }
