"""Open-data exports of awards (no personal data)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from commissioning import exports


class GivingExportView(APIView):
    """Awarded grants as a 360Giving data package."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(exports.giving_package())


class OcdsExportView(APIView):
    """Contract rounds, awards and contracts as an OCDS 1.1 release package."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(exports.ocds_package(base_uri=request.build_absolute_uri()))
