"""How each row of the matrix is requested: its URL for a role and scope, and its body."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from tests.access.table import Row
from tests.access.world import ANONYMOUS, World, admin_object_kwargs

# Arguments that name a choice rather than an object: a harmless one is picked.
FIXED_KWARGS = {
    "section": "risk",  # the most sensitive section of a referral
    "action": "decline",  # with no reason given: refused, nothing changes
    "step": "consult",  # not the next step of an open round: refused, nothing changes
    "app_label": "partnership",
    "name": "precondition-failed",  # an API problem's page
}

# POST bodies where an empty one would not reach the check that matters, or would change
# something that a no-op can show just as well. Anything else is posted empty.
POST_BODIES = {
    "providers:staff-set-active": {"active": "1"},
    # Acknowledging an alert takes a note of what is being done.
    "capacity:alert-acknowledge": {"note": "Looking into it."},
    "api:alert-acknowledge": {"note": "Looking into it."},
}

# Kinds whose "out" is not another user's object but a link that does not work.
LINK_KINDS = frozenset({"emailed link"})


def url_for(row: Row, world: World, role: str, scope: str, kwarg_names: tuple[str, ...]) -> str:
    """The row's URL, its arguments pointing at the object in (or out of) the role's scope."""
    kwargs = {name: FIXED_KWARGS[name] for name in kwarg_names if name in FIXED_KWARGS}
    if row.kind == "admin object":
        kwargs.update(admin_object_kwargs(row.path, kwarg_names))
    elif row.kind is not None:
        values = world.kwargs(row.kind, role, scope)
        for name in kwarg_names:
            if name in kwargs:
                continue
            if name not in values:
                raise LookupError(
                    f"{row.pattern} needs `{name}`, which objects of kind {row.kind!r} do not "
                    f"give (they give {sorted(values)})"
                )
            kwargs[name] = values[name]
    missing = [name for name in kwarg_names if name not in kwargs]
    if missing:
        raise LookupError(f"{row.pattern} needs {missing}: give the row an object kind")
    return reverse(row.pattern, kwargs=kwargs)


def is_api(path: str) -> bool:
    """The REST API answers a missing token with 401; pages send the browser to sign in."""
    return path.startswith("/api/")


def send(client: Client, world: World, role: str, row: Row, url: str):
    """Request the URL as the role: pages with the role's session, the API with its token."""
    headers = {}
    if is_api(url) and role != ANONYMOUS:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role]}"
    if row.method == "GET":
        return client.get(url, **headers)
    if row.method == "DELETE":
        return client.delete(url, **headers)
    body = POST_BODIES.get(row.pattern, {})
    if is_api(url):
        return client.post(url, json.dumps(body), content_type="application/json", **headers)
    return client.post(url, body, **headers)
