"""Who may see capacity figures and the alert centre, and act on an alert.

Scoping querysets stay in `capacity.selectors` and use these predicates; the alert centre's
pages and API ask `alert_actions_for`; `capacity.services` requires.
"""

from __future__ import annotations

import rules

from capacity.models import Alert
from partnership.rules import (
    Action,
    Policy,
    has_commissioning_body,
    has_organisation,
    is_commissioner,
    is_practitioner,
    is_provider_admin,
    is_service_support,
)

# A commissioner reads the figures and alerts of their body's regions; a provider admin
# those of their own organisation; service support every service's and agreement's figures.
is_regional_commissioner = is_commissioner & has_commissioning_body
is_organisation_admin = is_provider_admin & has_organisation
has_alert_centre = is_regional_commissioner | is_organisation_admin
sees_every_figure = is_service_support
sees_demand = is_regional_commissioner
# Practitioners see the directory's indicator, and alternatives to a full service.
is_offered_alternatives = is_practitioner


@rules.predicate
def hears_of_alert(user, alert) -> bool:
    """The alert is in the user's alert centre (the selector has already scoped it)."""
    return has_alert_centre(user)


ALERTS = Policy(
    [
        Action(
            "acknowledge",
            hears_of_alert,
            frozenset({Alert.Status.OPEN}),
            label="Acknowledged",
            refused="This alert is {state}: there is nothing to acknowledge",
        ),
    ]
)


def require(user, action: str, alert: Alert) -> Action:
    return ALERTS.require(user, action, alert)


def alert_actions_for(user, alert: Alert) -> list[str]:
    return ALERTS.actions_for(user, alert)
