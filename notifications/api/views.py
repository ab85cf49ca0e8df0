"""The signed-in user's notifications through the API."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import selectors, services
from notifications.api import serializers
from notifications.models import Notification
from partnership.api.filters import TrueOrFalseFilter
from partnership.api.scoping import UserScopedViewMixin


class NotificationFilter(django_filters.FilterSet):
    unread = TrueOrFalseFilter(
        field_name="read_at", lookup_expr="isnull", help_text="Only unread (true) or read (false)"
    )

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


class NotificationViewSet(UserScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    """The signed-in user's own notifications, newest first."""

    model = Notification
    serializer_class = serializers.NotificationSerializer
    filterset_class = NotificationFilter

    def scoped_queryset(self, user):
        return selectors.notification_list_for(user=user)

    @extend_schema(request=None, responses=serializers.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification as read."""
        notification = services.notification_mark_read(notification=self.get_object())
        return Response(self.get_serializer(notification).data)
