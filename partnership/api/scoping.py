"""Every resource reads through one selector scoped to the user."""

from django.db.models import QuerySet


class UserScopedViewMixin:
    """List and detail come from the same scoped queryset, so out of scope is a 404 by construction.

    Subclasses set `model` and implement `scoped_queryset(user)`, calling a selector.
    """

    model = None

    def scoped_queryset(self, user) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return self.model.objects.none()
        return self.scoped_queryset(self.request.user)
