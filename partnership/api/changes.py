"""Lists that a change feed can answer: asked for `updated_since` or `cursor`, a list is
answered in change-feed order by the app that keeps the feed (integrations), which
registers here when ready; so the list's own app never imports it."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.response import Response

CHANGE_PARAMETERS = frozenset({"updated_since", "cursor"})
_HANDLERS: dict[str, Callable] = {}


def changes_list_register(*, basename: str, handler: Callable) -> None:
    """Answer the list named `basename` in change order with `handler(view, request)`."""
    _HANDLERS[basename] = handler


def changes_list_response(view, request) -> Response | None:
    """The change-ordered answer to a list request that asks for one, or None."""
    handler = _HANDLERS.get(view.basename)
    if handler is None or not CHANGE_PARAMETERS & set(request.query_params):
        return None
    return handler(view, request)
