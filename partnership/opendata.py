"""Open data over HTTP: any origin may read it, each response names its version (`ETag`) and
when its data last changed (`Last-Modified`), and a client that has that version is answered
`304 Not Modified` with no body. Nothing in it depends on who asks, so nothing varies on cookies."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

MAX_AGE_SECONDS = 300


def open_data_headers(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Expose-Headers"] = "ETag, Last-Modified"
    response["Cache-Control"] = f"public, max-age={MAX_AGE_SECONDS}"
    return response


def open_data_response(
    request: HttpRequest,
    body: bytes,
    *,
    content_type: str,
    last_modified: datetime | None = None,
    status: int = 200,
) -> HttpResponse:
    """`body` as an open-data response, or `304` when the request's `If-None-Match` or
    `If-Modified-Since` says the client already has it."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    modified = int(last_modified.timestamp()) if last_modified else None
    response = None
    if status == 200:
        response = get_conditional_response(request, etag=etag, last_modified=modified)
    if response is None:
        response = HttpResponse(body, content_type=content_type, status=status)
    if status == 200:
        response["ETag"] = etag
        if modified is not None:
            response["Last-Modified"] = http_date(modified)
    return open_data_headers(response)
