"""The shared API resources: me, regions, PDUs and service categories."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import generics, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from partnership import selectors, services
from partnership.api import serializers
from partnership.api.scoping import UserScopedViewMixin
from partnership.models import Notification, Pdu


class MeView(generics.RetrieveAPIView):
    """The signed-in user: role and organisation context."""

    serializer_class = serializers.MeSerializer

    def get_object(self):
        return selectors.user_with_context(user_id=self.request.user.pk)


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The 12 probation regions of England and Wales."""

    serializer_class = serializers.RegionSerializer
    queryset = selectors.region_list()


class PduFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        field_name="region__code", help_text="Region code, such as L"
    )
    name = django_filters.CharFilter(lookup_expr="icontains", help_text="Part of the PDU's name")

    class Meta:
        model = Pdu
        fields = ["region", "name"]


class PduViewSet(viewsets.ReadOnlyModelViewSet):
    """Probation Delivery Units and their regions."""

    serializer_class = serializers.PduSerializer
    queryset = selectors.pdu_list()
    filterset_class = PduFilter


@extend_schema(description="Service categories with their complexity levels and desired outcomes.")
class ServiceCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ServiceCategorySerializer
    queryset = selectors.service_category_list()


class TrueOrFalseField(forms.NullBooleanField):
    """`true` or `false` as the schema says, or left out; django-filter's own boolean reads
    anything else as no filter, which would answer a typo with every notification."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value not in ("true", "false"):
            raise ValidationError("Give true or false", code="invalid")
        return value == "true"


class TrueOrFalseFilter(django_filters.BooleanFilter):
    field_class = TrueOrFalseField


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
