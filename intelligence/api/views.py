"""Unmet need: commissioners list what was recorded in their regions; practitioners record
it for their own PDU. Surveys: commissioners read theirs, with suppressed results."""

from __future__ import annotations

from django.db.models import Count
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from intelligence import selectors, services
from intelligence.api import serializers
from intelligence.models import PartnershipReport, Survey, UnmetNeed
from partnership.api.scoping import UserScopedViewMixin


class UnmetNeedFilter(filters.FilterSet):
    category = filters.CharFilter(field_name="category__slug")
    region = filters.CharFilter(field_name="pdu__region__code")
    pdu = filters.NumberFilter(field_name="pdu_id")
    reason = filters.ChoiceFilter(choices=UnmetNeed.Reason.choices)
    recorded_after = filters.IsoDateTimeFilter(field_name="recorded_at", lookup_expr="gte")
    recorded_before = filters.IsoDateTimeFilter(field_name="recorded_at", lookup_expr="lt")

    class Meta:
        model = UnmetNeed
        fields = ["category", "region", "pdu", "reason"]


class UnmetNeedViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Needs practitioners could find nothing suitable for. Commissioners read their
    regions'; a practitioner records one for their PDU (and reads their PDU's). The person's
    characteristics are taken in but never given out one by one."""

    model = UnmetNeed
    lookup_field = "public_id"
    serializer_class = serializers.UnmetNeedSerializer
    filterset_class = UnmetNeedFilter

    def scoped_queryset(self, user):
        return selectors.unmet_need_list_visible_to(user=user).order_by("-recorded_at", "-id")

    @extend_schema(
        request=serializers.UnmetNeedCreateSerializer,
        responses={201: serializers.UnmetNeedSerializer},
    )
    def create(self, request):
        """Record an unmet need (practitioners, for their own PDU)."""
        incoming = serializers.UnmetNeedCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        pdu = data.pop("pdu", None) or getattr(request.user, "pdu", None)
        need = services.unmet_need_record(by=request.user, pdu=pdu, **data)
        need = self.scoped_queryset(request.user).get(pk=need.pk)
        return Response(serializers.UnmetNeedSerializer(need).data, status=status.HTTP_201_CREATED)


class SurveyViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Gap and partnership surveys: a commissioner reads their body's, each with its results
    in detail, every figure from fewer than five answers withheld. Nobody else sees any."""

    model = Survey
    lookup_field = "public_id"
    serializer_class = serializers.SurveySerializer

    def scoped_queryset(self, user):
        return (
            selectors.survey_list_commissioned_by(user=user)
            .prefetch_related("regions")
            .annotate(answered=Count("responses"))
            .order_by("-opens_on", "-id")
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.SurveyResultsSerializer
        return serializers.SurveySerializer


class PartnershipReportFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code")
    audience = filters.ChoiceFilter(choices=PartnershipReport.Audience.choices)
    period_start = filters.DateFilter()

    class Meta:
        model = PartnershipReport
        fields = ["region", "audience", "period_start"]


class PartnershipReportViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Kept partnership reports with their figures: commissioners read both versions for
    their regions, provider staff the providers' version (no personal data) for the regions
    their organisation has services in."""

    model = PartnershipReport
    lookup_field = "public_id"
    serializer_class = serializers.PartnershipReportSerializer
    filterset_class = PartnershipReportFilter

    def scoped_queryset(self, user):
        return selectors.partnership_report_list_visible_to(user=user).order_by(
            "-period_start", "region__name", "audience", "pk"
        )
