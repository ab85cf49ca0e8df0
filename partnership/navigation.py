"""Service navigation by role, declared as data.

An entry whose URL name does not exist yet is left out, so each part of the portal
appears in the navigation as soon as its pages do.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from partnership.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str


HOME = NavItem("Home", "home")
NOTIFICATIONS = NavItem("Notifications", "notifications")

NAVIGATION: dict[str, list[NavItem]] = {
    Role.PRACTITIONER: [
        HOME,
        NavItem("Find a service", "providers:directory"),
        NavItem("Referrals", "referrals:list"),
        NOTIFICATIONS,
    ],
    Role.PROVIDER_ADMIN: [
        HOME,
        NavItem("Referrals", "referrals:inbox"),
        NavItem("Organisation", "providers:organisation"),
        NavItem("Services", "providers:services"),
        NavItem("Funding", "commissioning:opportunities"),
        NavItem("Alerts", "capacity:alerts"),
        NavItem("Reports", "intelligence:reports"),
        NavItem("Webhooks", "integrations:endpoints"),
        NOTIFICATIONS,
    ],
    Role.CASEWORKER: [
        HOME,
        NavItem("Referrals", "referrals:inbox"),
        NavItem("Organisation", "providers:organisation"),
        NavItem("Find a service", "providers:directory"),
        NOTIFICATIONS,
    ],
    Role.COMMISSIONER: [
        HOME,
        NavItem("Funding rounds", "commissioning:rounds"),
        NavItem("Organisations", "providers:organisations"),
        NavItem("Find a service", "providers:directory"),
        NavItem("Demand", "capacity:demand"),
        NavItem("Unmet need", "intelligence:unmet-need"),
        NavItem("Equality", "intelligence:equality"),
        NavItem("Surveys", "intelligence:surveys"),
        NavItem("Reports", "intelligence:reports"),
        NavItem("Alerts", "capacity:alerts"),
        NOTIFICATIONS,
    ],
    Role.ASSESSOR: [
        HOME,
        NavItem("Assessments", "commissioning:assessments"),
        NOTIFICATIONS,
    ],
    Role.ADMIN: [
        HOME,
        NavItem("Support", "support:index"),
        NavItem("Find a service", "providers:directory"),
        NOTIFICATIONS,
    ],
}


# Settings some roles have beside "API tokens" and "Security" in the account navigation,
# kept out of the service navigation so that stays short. (Provider admins find their
# webhooks in the service navigation, beside their organisation's other pages.)
ACCOUNT_NAVIGATION: dict[str, list[NavItem]] = {
    Role.PRACTITIONER: [NavItem("Webhooks", "integrations:endpoints")],
}


def navigation_for(role: str, current_path: str) -> list[dict]:
    """The navigation items that exist for a role, with the current one marked."""
    return _items(NAVIGATION.get(role, [HOME]), current_path)


def account_navigation_for(role: str, current_path: str) -> list[dict]:
    """The role's own entries of the account navigation, with the current one marked."""
    return _items(ACCOUNT_NAVIGATION.get(role, []), current_path)


def _items(entries: list[NavItem], current_path: str) -> list[dict]:
    items = []
    for item in entries:
        try:
            href = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path == href if href == "/" else current_path.startswith(href)
        items.append({"label": item.label, "href": href, "active": active})
    return items
