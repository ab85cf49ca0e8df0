"""Optimistic concurrency: a resource's `ETag` is a digest of its representation, and a write
that carries `If-Match` goes ahead only while that is still current (else `412`)."""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from partnership.api.exceptions import PreconditionFailed


def etag_of(representation: dict) -> str:
    """A strong entity tag for a representation: equal exactly when the JSON is."""
    text = json.dumps(representation, sort_keys=True, cls=DjangoJSONEncoder)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def require_current(request, current: str) -> None:
    """Refuse the write (412) if `If-Match` names no current version; no header, no check."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return
    tags = {tag.strip() for tag in header.split(",")}
    if current not in tags:
        raise PreconditionFailed()


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "The `ETag` of the version you read: the change is made only if it is still current, "
        "else `412 Precondition Failed`. Leave it out to change whatever is current."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description="The version of the resource, for `If-Match` on a later change.",
)
