"""Page-number pagination in DRF's envelope: `count`, `next`, `previous`, `results`.

`next` is found by reading one row past the page; `count` is the list's length (a list,
a queryset or anything else with `count()`), or what the rows themselves say when the list
was read with `counted_in_rows`; `page_size` is capped at 100.
"""

from collections import OrderedDict

from django.core.paginator import InvalidPage
from django.db.models import Count, QuerySet, Window
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from partnership.lists import MAX_OFFSET

# The column in which `counted_in_rows` puts the list's length.
TOTAL = "list_total"


def counted_in_rows(rows: QuerySet) -> QuerySet:
    """A list of rows (a `values()` queryset) that carries its whole length in each row, so
    the page and its count are one statement. Only for a list that the database reads in
    full to order it anyway (a search ordered by rank): where an index gives the order, the
    count would make it read every row rather than a page of them."""
    return rows.annotate(**{TOTAL: Window(Count("*"))})


class PagePagination(BasePagination):
    page_size = 25
    max_page_size = 100
    page_query_param = "page"
    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size_value = self.get_page_size(request)
        try:
            self.page_number = int(request.query_params.get(self.page_query_param, 1))
            if self.page_number < 1:
                raise ValueError
        except ValueError as exc:
            raise NotFound("That page does not exist: pages are numbered from 1.") from exc
        offset = (self.page_number - 1) * self.page_size_value
        if offset > MAX_OFFSET:
            raise NotFound("That page does not exist.")
        rows = list(queryset[offset : offset + self.page_size_value + 1])
        if not rows and self.page_number > 1:
            raise NotFound("That page does not exist.") from InvalidPage()
        self.has_next = len(rows) > self.page_size_value
        if rows and isinstance(rows[0], dict) and TOTAL in rows[0]:
            self.count = rows[0][TOTAL]
            for row in rows:
                del row[TOTAL]
        else:
            self.count = _count(queryset, rows, offset, self.has_next)
        return rows[: self.page_size_value]

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page_number + 1)

    def get_previous_link(self) -> str | None:
        if self.page_number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.page_number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page_number - 1)

    def get_paginated_response(self, data) -> Response:
        return Response(
            OrderedDict(
                [
                    ("count", self.count),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "description": "How many there are in all."},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, at most {self.max_page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


def _count(queryset, rows: list, offset: int, has_next: bool) -> int:
    """How long the whole list is; a last page says so itself, without another query."""
    if not has_next and (rows or offset == 0):
        return offset + len(rows)
    if isinstance(queryset, list | tuple):
        return len(queryset)
    return queryset.count()
