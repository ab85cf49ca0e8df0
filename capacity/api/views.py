"""Alerts, and capacity: each service's and each agreement's month of demand against
capacity, as the people who manage them see it (commissioners their regions, providers'
admins their own)."""

from __future__ import annotations

from datetime import datetime

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from capacity import selectors, services, utilisation
from capacity.api import serializers
from capacity.models import Alert
from commissioning.models import Agreement
from partnership.api.scoping import UserScopedViewMixin
from partnership.months import month_bounds, month_start
from providers.models import Service

PERIOD = OpenApiParameter(
    "period", str, description="The month, as YYYY-MM (Europe/London); this month by default"
)
PERIOD_FORMAT = "Give the month as YYYY-MM, like 2026-11"


# Alerts -----------------------------------------------------------------------------------


class AlertFilter(filters.FilterSet):
    rule = filters.ChoiceFilter(choices=Alert.Rule.choices)
    severity = filters.ChoiceFilter(choices=Alert.Severity.choices)
    status = filters.ChoiceFilter(choices=Alert.Status.choices)
    period = filters.CharFilter(method="filter_period", help_text="A month, as YYYY-MM")

    class Meta:
        model = Alert
        fields = ["rule", "severity", "status", "period"]

    def filter_period(self, queryset, name, value):
        try:
            month = datetime.strptime(value, "%Y-%m").date()
        except ValueError as exc:
            raise ValidationError({"period": [PERIOD_FORMAT]}) from exc
        return queryset.filter(period=month)


class AlertViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Capacity and agreement alerts: commissioners see their regions', providers' admins
    their organisation's; nobody else has any. Acknowledging says it is being dealt with."""

    model = Alert
    lookup_field = "public_id"
    serializer_class = serializers.AlertSerializer
    filterset_class = AlertFilter

    def scoped_queryset(self, user):
        return selectors.alert_list_visible_to(user=user).order_by("-opened_at", "-id")

    @extend_schema(request=serializers.AcknowledgeSerializer, responses=serializers.AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, public_id=None):
        """Acknowledge the alert with a note of what is being done (required)."""
        alert = self.get_object()
        given = serializers.AcknowledgeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        alert = services.alert_acknowledge(
            alert=alert, by=request.user, note=given.validated_data["note"]
        )
        return Response(serializers.AlertSerializer(alert).data)


# Capacity figures -------------------------------------------------------------------------


class _CapacityViewSet(UserScopedViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Pages the subjects first, then computes the page's figures in one query."""

    def _period(self):
        try:
            first = month_start(self.request.query_params.get("period"))
            # The month's end must be a date too: December 9999 has none.
            month_bounds(first)
        except (ValueError, OverflowError) as exc:
            raise ValidationError({"period": [PERIOD_FORMAT]}) from exc
        return first

    def figures(self, subjects, period):
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        period = self._period()
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = self.figures(page, period)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        period = self._period()
        subject = self.get_object()
        return Response(self.get_serializer(self.figures([subject], period)[0]).data)


@extend_schema(parameters=[PERIOD])
class ServiceCapacityViewSet(_CapacityViewSet):
    """Each service's month: sent, accepted, active caseload, capacity and forecast."""

    model = Service
    serializer_class = serializers.ServiceCapacitySerializer
    filterset_fields = ["organisation"]

    def scoped_queryset(self, user):
        return selectors.capacity_services_visible_to(user=user).order_by("organisation_id", "pk")

    def figures(self, subjects, period):
        return utilisation.utilisation_by_service(period, services=list(subjects))


@extend_schema(parameters=[PERIOD])
class AgreementCapacityViewSet(_CapacityViewSet):
    """Each agreement's month: demand on the services it funds against what it contracts."""

    model = Agreement
    lookup_field = "public_id"
    serializer_class = serializers.AgreementCapacitySerializer
    filterset_fields = ["status"]

    def scoped_queryset(self, user):
        return selectors.capacity_agreements_visible_to(user=user).order_by("-starts_on", "pk")

    def figures(self, subjects, period):
        return utilisation.utilisation_by_agreement(period, agreements=list(subjects))
