"""Capacity: each service's and each agreement's month of demand against capacity, as the
people who manage them see it (commissioners their regions, providers' admins their own)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from commissioning import capacity as utilisation
from commissioning.models import Agreement
from partnership.api.scoping import UserScopedViewMixin
from partnership.api.serializers import CheckedSerializer
from providers.models import Service

PERIOD = OpenApiParameter(
    "period", str, description="The month, as YYYY-MM (Europe/London); this month by default"
)


class _UtilisationSerializer(CheckedSerializer):
    period = serializers.CharField(source="period_code")
    sent = serializers.IntegerField(help_text="Referrals sent in the month, less withdrawn")
    accepted = serializers.IntegerField(help_text="Referrals accepted in the month")
    active = serializers.IntegerField(help_text="Accepted or in progress now")
    capacity = serializers.IntegerField(help_text="Referrals a month: contracted, else declared")
    percent = serializers.FloatField(allow_null=True, help_text="Sent as a share of capacity")
    forecast = serializers.FloatField(
        allow_null=True, help_text="Referrals expected by the month's end at the pace so far"
    )
    forecast_percent = serializers.FloatField(allow_null=True)
    indicator = serializers.ChoiceField(choices=list(utilisation.INDICATOR_LABELS))


class ServiceCapacitySerializer(_UtilisationSerializer):
    service = serializers.IntegerField(source="service_id")
    service_name = serializers.CharField()
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField()
    capacity_source = serializers.ChoiceField(choices=["contracted", "declared"])
    funded = serializers.BooleanField(help_text="A live agreement funds the service this month")
    wait_days = serializers.IntegerField(help_text="The service's declared wait")


class AgreementCapacitySerializer(_UtilisationSerializer):
    agreement = serializers.UUIDField(source="agreement_public_id")
    agreement_status = serializers.CharField()
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField()
    lot_title = serializers.CharField()


class _CapacityViewSet(UserScopedViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Pages the subjects first, then computes the page's figures in one query."""

    def _period(self):
        try:
            first = utilisation.month_start(self.request.query_params.get("period"))
            # The month's end must be a date too: December 9999 has none.
            utilisation.month_bounds(first)
        except (ValueError, OverflowError) as exc:
            raise ValidationError({"period": ["Give the month as YYYY-MM, like 2026-11"]}) from exc
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
    serializer_class = ServiceCapacitySerializer
    filterset_fields = ["organisation"]

    def scoped_queryset(self, user):
        return utilisation.capacity_services_visible_to(user=user).order_by("organisation_id", "pk")

    def figures(self, subjects, period):
        return utilisation.utilisation_by_service(period, services=list(subjects))


@extend_schema(parameters=[PERIOD])
class AgreementCapacityViewSet(_CapacityViewSet):
    """Each agreement's month: demand on the services it funds against what it contracts."""

    model = Agreement
    lookup_field = "public_id"
    serializer_class = AgreementCapacitySerializer
    filterset_fields = ["status"]

    def scoped_queryset(self, user):
        return utilisation.capacity_agreements_visible_to(user=user).order_by("-starts_on", "pk")

    def figures(self, subjects, period):
        return utilisation.utilisation_by_agreement(period, agreements=list(subjects))
