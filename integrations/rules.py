"""Who may manage an organisation's webhooks: its provider admins."""

from __future__ import annotations

from partnership.errors import NotPermitted
from partnership.rules import is_provider_admin


def may_manage_webhooks(user) -> bool:
    """A provider admin manages their own organisation's endpoints."""
    return bool(is_provider_admin(user) and user.organisation_id)


def require_may_manage_webhooks(user) -> None:
    if not may_manage_webhooks(user):
        raise NotPermitted("Only an admin of a provider organisation can manage webhooks")


def may_manage_endpoint(user, endpoint) -> bool:
    """An admin of the endpoint's organisation."""
    return may_manage_webhooks(user) and endpoint.organisation_id == user.organisation_id


def require_may_manage_endpoint(user, endpoint) -> None:
    if endpoint is None or not may_manage_endpoint(user, endpoint):
        raise NotPermitted("Only an admin of the endpoint's organisation can change it")
