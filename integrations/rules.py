"""Who manages which webhook endpoints, declared once: a provider organisation's admins
manage its case system's endpoints; a PDU's practitioners manage their PDU's system's. Each
side chooses from the events its system wants. Pages, the API, selectors and services ask
here."""

from __future__ import annotations

from dataclasses import dataclass

import rules

from integrations import events
from partnership.errors import NotPermitted
from partnership.rules import has_organisation, has_pdu, is_practitioner, is_provider_admin


@dataclass(frozen=True)
class Owner:
    """One kind of endpoint owner: the endpoint's field (and the user's) naming it, who
    manages its endpoints, and the events they choose from."""

    field: str
    managers: rules.Predicate
    event_types: tuple[str, ...]

    @property
    def column(self) -> str:
        return f"{self.field}_id"

    def of(self, holder) -> int | None:
        """The id of the owner of this kind that a user, an endpoint or a referral has
        (their organisation, their PDU), if any."""
        return getattr(holder, self.column)


ORGANISATION = Owner(
    field="organisation",
    managers=is_provider_admin & has_organisation,
    event_types=events.PROVIDER_EVENT_TYPES,
)
PDU = Owner(field="pdu", managers=is_practitioner & has_pdu, event_types=events.PDU_EVENT_TYPES)
OWNERS = (ORGANISATION, PDU)


def owner_for(user) -> Owner | None:
    """The kind of endpoint the user manages, or None when they manage none."""
    return next((owner for owner in OWNERS if owner.managers(user)), None)


def owner_of(endpoint) -> Owner:
    """The kind of the endpoint's owner (the database holds it to exactly one)."""
    return next(owner for owner in OWNERS if getattr(endpoint, owner.column) is not None)


def require_may_manage_webhooks(user) -> Owner:
    owner = owner_for(user)
    if owner is None:
        raise NotPermitted(
            "Only an admin of a provider organisation or a practitioner in a PDU can manage "
            "webhooks"
        )
    return owner


def endpoints_lookup(user) -> dict[str, int] | None:
    """The filter that takes in exactly the endpoints the user manages (None: no endpoint)."""
    owner = owner_for(user)
    if owner is None:
        return None
    return {owner.column: owner.of(user)}


def may_manage_endpoint(user, endpoint) -> bool:
    """The endpoint is of the user's own organisation (a provider admin) or PDU (a
    practitioner): never of another's, never of the other side's."""
    lookup = endpoints_lookup(user)
    return lookup is not None and all(
        getattr(endpoint, column) == value for column, value in lookup.items()
    )


def require_may_manage_endpoint(user, endpoint) -> None:
    if endpoint is None or not may_manage_endpoint(user, endpoint):
        raise NotPermitted("Only the endpoint's organisation or PDU can change it")
