"""Addresses for the rows of a list: a route reversed once for the list, not once a row
(a `reverse()` or `{% url %}` a row was up to a fifth of a long list's time)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.urls import reverse

# Stand-ins for a route's one argument: values of its type that appear nowhere else in an
# address (a public id is a UUID, a primary key a whole number).
ANY_PUBLIC_ID = UUID(int=0)
ANY_ID = 987654321987


def address_maker(name: str, *, stand_in: UUID | int) -> Callable[[UUID | int], str]:
    """The address of the route `name` for any value of its one argument: reversed with
    `stand_in`, each value put in its place. For UUIDs and whole numbers only, which are
    written in an address as they are."""
    before, found, after = reverse(name, args=[stand_in]).rpartition(str(stand_in))
    if not found:
        raise ValueError(f"{name}'s address does not carry its argument as written")
    return lambda value: f"{before}{value}{after}"
