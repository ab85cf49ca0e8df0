"""Fields of request bodies shared by the apps' serializers."""

from __future__ import annotations

from django.http import QueryDict
from rest_framework import serializers


class IdField(serializers.PrimaryKeyRelatedField):
    """A reference to another object by its integer id: a whole number in JSON, never a
    float (DRF would read 1.5 as 1), a boolean or a string. A form (the browsable API) sends
    only strings, so there a string of digits is taken. Every serializer's related fields are
    this (`CheckedModelSerializer.serializer_related_field` and the scoped field below)."""

    default_error_messages = {
        "incorrect_type": "Give the id as a whole number, not {data_type}.",
    }

    def to_internal_value(self, data):
        from_form = isinstance(getattr(self.root, "initial_data", None), QueryDict)
        if from_form and isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=_json_type(data))
        return super().to_internal_value(data)


def _json_type(value) -> str:
    """What a JSON value is, in words for an error message."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return "a list" if isinstance(value, list) else "an object"


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


class ScopedPrimaryKeyRelatedField(ScopedRelatedMixin, IdField):
    pass


class ScopedSlugRelatedField(ScopedRelatedMixin, serializers.SlugRelatedField):
    pass
