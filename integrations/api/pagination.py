"""Cursor paging for the change feed: a page is what comes after a position, and the next
page starts where it ended, so writes while a client pages neither hide nor repeat a change."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from integrations import selectors

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25

PARAMETERS = [
    OpenApiParameter(
        "updated_since",
        OpenApiTypes.DATETIME,
        description="Begin a sync: changes from this time on (ISO 8601, with its offset).",
    ),
    OpenApiParameter(
        "cursor",
        OpenApiTypes.STR,
        description="Carry on a sync from the `cursor` of your last response (opaque).",
    ),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, description=f"At most {MAX_PAGE_SIZE} (default 25)."
    ),
]


def start_position(request) -> int:
    """The position a request reads after: its cursor, or just before its `updated_since`,
    or the feed's beginning."""
    cursor = request.query_params.get("cursor")
    if cursor:
        try:
            return selectors.cursor_decode(cursor)
        except selectors.CursorInvalid as exc:
            raise ValidationError({"cursor": [str(exc)]}) from exc
    since = request.query_params.get("updated_since")
    if since:
        moment = parse_datetime(since.replace(" ", "+"))
        if moment is None or moment.tzinfo is None:
            raise ValidationError(
                {
                    "updated_since": [
                        "Give a date and time with its offset, like 2026-04-01T09:00:00Z"
                    ]
                }
            )
        return selectors.position_before(moment)
    return 0


def page_size(request) -> int:
    try:
        size = int(request.query_params.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        size = DEFAULT_PAGE_SIZE
    return max(1, min(size, MAX_PAGE_SIZE))


def changes_page(request, query, *, position_of) -> tuple[list, Response]:
    """Read one page of a feed: `query(after)` gives the rows in position order, and
    `position_of(row)` each row's position. Returns the rows and a function that wraps
    their representations in the response."""
    after = start_position(request)
    size = page_size(request)
    rows = list(query(after)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    last = position_of(rows[-1]) if rows else after
    cursor = selectors.cursor_encode(last)
    url = remove_query_param(request.build_absolute_uri(), "updated_since")
    next_url = replace_query_param(url, "cursor", cursor) if more else None

    def respond(data: list) -> Response:
        return Response({"next": next_url, "previous": None, "cursor": cursor, "results": data})

    return rows, respond
