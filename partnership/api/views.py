"""The shared API resources: me, regions, PDUs and service categories."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, viewsets

from partnership import selectors
from partnership.api import serializers
from partnership.models import Pdu


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
