"""Who may do what in the provider registry: one table of actions per kind of object.

An organisation's admins keep its profile, staff and services and sign the
information-sharing agreement for it; commissioners verify organisations; service support
registers them. Services call `require` first; pages, the API and templates ask
`actions_for` (or `allows`) and offer nothing else.

Organisations (`ORGANISATIONS`):

| action          | who                              |
|-----------------|----------------------------------|
| edit_profile    | an admin of the organisation     |
| sign_agreement  | an admin of the organisation     |
| manage_staff    | an admin of the organisation     |
| manage_services | an admin of the organisation     |
| verify          | a commissioner                   |

Services (`SERVICES`; states are the service's status):

| action         | who                                 | states                  |
|----------------|-------------------------------------|-------------------------|
| edit_service   | an admin of the service's provider  | any                     |
| pause          | an admin of the service's provider  | active → paused         |
| take_referrals | an admin of the service's provider  | paused, closed → active |
| close          | an admin of the service's provider  | active, paused → closed |

Staff (`STAFF`, a member of a provider's staff; "active" or "deactivated"):

| action          | who                                             | states                 |
|-----------------|-------------------------------------------------|------------------------|
| record_training | an admin of their organisation                  | any                    |
| remove_training | an admin of their organisation                  | any                    |
| deactivate      | an admin of their organisation, not themselves  | active → deactivated   |
| reactivate      | an admin of their organisation                  | deactivated → active   |

What is done to no organisation yet (`REGISTRY`): `register_organisation` (service
support) and `view_market` (commissioners: the organisations working in their regions).

Each action is in exactly one table: `require` and `allows` find it by its name,
`actions_for` by the object's kind (an Organisation, a Service, a User of a provider's
staff, or None).
"""

from __future__ import annotations

from datetime import date

import rules
from django.db.models import Q
from django.utils import timezone

from partnership.models import User
from partnership.rules import (
    Action,
    Policies,
    Policy,
    is_commissioner,
    is_provider_admin,
    is_service_support,
)
from providers.models import Organisation, Service, TrainingRecord

# Relationships -----------------------------------------------------------------------------


@rules.predicate
def is_admin_of(user, organisation) -> bool:
    """An admin of the organisation itself."""
    return bool(
        is_provider_admin(user)
        and organisation is not None
        and user.organisation_id
        and user.organisation_id == organisation.pk
    )


@rules.predicate
def is_admin_of_its_organisation(user, obj) -> bool:
    """An admin of the organisation a service or a member of staff belongs to."""
    return bool(
        is_provider_admin(user)
        and obj is not None
        and user.organisation_id
        and user.organisation_id == obj.organisation_id
    )


@rules.predicate
def belongs_to(thing, organisation) -> bool:
    """A person or a service is the organisation's own (its staff, its service)."""
    return organisation is not None and thing.organisation_id == getattr(
        organisation, "pk", organisation
    )


@rules.predicate
def is_themselves(user, member) -> bool:
    return member is not None and user.pk == member.pk


# Risk training: what reading a referral's risk information needs (with the organisation's
# signed information-sharing agreement). The rule is written here once.


def current_risk_training_q(prefix: str = "", on: date | None = None) -> Q:
    """A filter for users holding risk-awareness training that is current on a date (today
    by default): completed by then and not yet expired. `prefix` reaches the users through a
    relation ("staff__" from an organisation)."""
    on = on or timezone.localdate()
    p = f"{prefix}training_records__"
    return Q(**{f"{p}kind": TrainingRecord.Kind.RISK_AWARENESS, f"{p}completed_on__lte": on}) & (
        Q(**{f"{p}expires_on__isnull": True}) | Q(**{f"{p}expires_on__gte": on})
    )


@rules.predicate
def has_current_risk_training(user, *, on: date | None = None) -> bool:
    """Whether the user holds risk-awareness training current today (or `on` a date)."""
    if not getattr(user, "pk", None):
        return False
    return User.objects.filter(current_risk_training_q(on=on), pk=user.pk).exists()


# Organisations -----------------------------------------------------------------------------

ORGANISATIONS = Policy(
    [
        Action("edit_profile", is_admin_of),
        Action("sign_agreement", is_admin_of),
        Action("manage_staff", is_admin_of),
        Action("manage_services", is_admin_of),
        Action("verify", is_commissioner),
    ]
)


# Services ----------------------------------------------------------------------------------

ServiceStatus = Service.Status

SERVICES = Policy(
    [
        Action("edit_service", is_admin_of_its_organisation),
        Action(
            "pause",
            is_admin_of_its_organisation,
            frozenset({ServiceStatus.ACTIVE}),
            target=ServiceStatus.PAUSED,
            refused="A service that is {state} cannot be paused",
        ),
        Action(
            "take_referrals",
            is_admin_of_its_organisation,
            frozenset({ServiceStatus.PAUSED, ServiceStatus.CLOSED}),
            target=ServiceStatus.ACTIVE,
            refused="This service is already taking referrals",
        ),
        Action(
            "close",
            is_admin_of_its_organisation,
            frozenset({ServiceStatus.ACTIVE, ServiceStatus.PAUSED}),
            target=ServiceStatus.CLOSED,
            refused="This service is already closed",
        ),
    ]
)

# The status each change leads to, and the change that leads there.
SERVICE_STEPS = {action.target: name for name, action in SERVICES.actions.items() if action.target}


# Staff -------------------------------------------------------------------------------------

ACTIVE, DEACTIVATED = "active", "deactivated"


def staff_state(member: User) -> str:
    return ACTIVE if member.is_active else DEACTIVATED


STAFF = Policy(
    [
        Action("record_training", is_admin_of_its_organisation),
        Action("remove_training", is_admin_of_its_organisation),
        Action(
            "deactivate",
            is_admin_of_its_organisation & ~is_themselves,
            frozenset({ACTIVE}),
            refused="This account is already deactivated",
        ),
        Action(
            "reactivate",
            is_admin_of_its_organisation,
            frozenset({DEACTIVATED}),
            refused="This account is already active",
        ),
    ],
    state_of=staff_state,
    state_label=staff_state,
)


# What is done to no organisation yet ----------------------------------------------------------

REGISTRY = Policy(
    [
        Action("register_organisation", is_service_support),
        Action("view_market", is_commissioner),
    ]
)


# Asking -----------------------------------------------------------------------------------

POLICIES: dict[type, Policy] = {
    Organisation: ORGANISATIONS,
    Service: SERVICES,
    User: STAFF,
    type(None): REGISTRY,
}
# Services call `require` first; pages and the API ask `allows` and `actions_for`.
ASK = Policies(POLICIES)
POLICY_OF_ACTION = ASK.of_action
policy_for = ASK.policy_for
require = ASK.require
allows = ASK.allows
actions_for = ASK.actions_for
