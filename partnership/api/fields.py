"""Fields of request bodies shared by the apps' serializers."""

from __future__ import annotations

from rest_framework import serializers


class ScopedRelatedMixin:
    """A reference to another object in a body, looked up only among what the requesting
    user may see (`scope(user=...)`, a selector): an object outside their scope reads
    exactly as one that does not exist, so a write tells no more than a read."""

    def __init__(self, *, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.queryset.none()
        return self.scope(user=user)


class ScopedPrimaryKeyRelatedField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    pass


class ScopedSlugRelatedField(ScopedRelatedMixin, serializers.SlugRelatedField):
    pass
