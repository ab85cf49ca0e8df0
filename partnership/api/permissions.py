"""API permissions shared by every resource."""

from rest_framework import permissions

from partnership.models import ApiToken


class TokenScopeAllows(permissions.BasePermission):
    """A read-only token may only read."""

    message = "This token is read-only: writing needs a token with the write scope."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.scope == ApiToken.Scope.READ:
            return request.method in permissions.SAFE_METHODS
        return True
