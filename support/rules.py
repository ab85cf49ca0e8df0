"""Who may use the service support console: service support (the `admin` role) alone.

| action                | who             |
|-----------------------|-----------------|
| use_console           | service support |
| invite_user           | service support |
| deactivate            | service support, not themselves, an active account |
| reactivate            | service support, a deactivated account |
| reset_two_factor      | service support |
| lift_lockout          | service support |
| end_sessions          | service support, not their own |
| read_access_log       | service support |
| verify_organisation   | service support |

Everyone else is answered 404 on every support page.
"""

from __future__ import annotations

import rules

from partnership.models import User
from partnership.rules import Action, Policies, Policy, is_service_support
from providers.models import Organisation

is_admin = is_service_support


@rules.predicate
def is_someone_else(user, account) -> bool:
    return account is not None and getattr(user, "pk", None) != account.pk


ACTIVE, DEACTIVATED = "active", "deactivated"

CONSOLE = Policy(
    [
        Action("use_console", is_admin),
        Action("invite_user", is_admin),
        Action("read_access_log", is_admin),
    ],
    state_of=lambda obj: "",
    state_label=lambda obj: "",
)

ACCOUNTS = Policy(
    [
        Action(
            "deactivate",
            is_admin & is_someone_else,
            states=frozenset({ACTIVE}),
            target=DEACTIVATED,
            label="Deactivated",
            refused="This account is already deactivated",
        ),
        Action(
            "reactivate",
            is_admin,
            states=frozenset({DEACTIVATED}),
            target=ACTIVE,
            label="Reactivated",
            refused="This account is already active",
        ),
        Action("reset_two_factor", is_admin),
        Action("lift_lockout", is_admin),
        Action("end_sessions", is_admin & is_someone_else),
    ],
    state_of=lambda user: ACTIVE if user.is_active else DEACTIVATED,
    state_label=lambda user: ACTIVE if user.is_active else DEACTIVATED,
)

ORGANISATIONS = Policy(
    [
        Action(
            "verify_organisation",
            is_admin,
            states=frozenset({Organisation.Verification.UNVERIFIED}),
            refused="This organisation's verification is already recorded",
        )
    ],
    state_of=lambda organisation: organisation.verification_status,
    state_label=lambda organisation: organisation.get_verification_status_display().lower(),
)

POLICIES = Policies({type(None): CONSOLE, User: ACCOUNTS, Organisation: ORGANISATIONS})


def require(user, action: str, obj=None):
    return POLICIES.of_action[action].require(user, action, obj)


def allows(user, action: str, obj=None) -> bool:
    return POLICIES.of_action[action].allows(user, action, obj)


def actions_for(user, obj) -> list[str]:
    return POLICIES.policy_for(obj).actions_for(user, obj)


def may_use_console(user) -> bool:
    return allows(user, "use_console")
