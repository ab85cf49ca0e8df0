"""Rounds, lots, applications, assessments, agreements and market health; open-data exports."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from commissioning import exports, rules, selectors, services
from commissioning.api import serializers
from commissioning.market import market_health
from commissioning.models import (
    Agreement,
    Application,
    AssessorAssignment,
    FundingRound,
    Lot,
)
from commissioning.trends import market_trend_regions_for, market_trends
from partnership.api.scoping import UserScopedViewMixin
from partnership.opendata import open_data_headers, open_data_response

# The steps of a round's life a commissioner takes (`POST /funding-rounds/{id}/{step}/`).
ROUND_STEPS = ("consult", "open", "close_applications", "award", "close")

# The services' refusals (`partnership.errors`, Django's ValidationError) reach the client
# through the API's exception handler (`partnership.api.exceptions.as_api_exception`).


class FundingRoundViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Funding rounds: commissioners see their regions' rounds; providers see rounds from
    consultation on. Only the lead commissioner changes one (403 for anyone else who sees
    it); a step the round's state or terms refuse answers 409 with what must be true first."""

    model = FundingRound
    lookup_field = "public_id"
    serializer_class = serializers.FundingRoundSerializer
    filterset_fields = ["status", "mechanism"]

    def scoped_queryset(self, user):
        return selectors.round_list_visible_to(user=user).prefetch_related(
            "regions", "lots__pdus", "lots__category", "criteria"
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        regions = data.pop("regions")
        serializer.instance = services.round_create(
            by=self.request.user, data=data, regions=regions
        )

    @extend_schema(
        summary="Move a funding round a step",
        request=serializers.StepSerializer,
        responses=serializers.FundingRoundSerializer,
        operation_id="funding_rounds_step",
        parameters=[
            OpenApiParameter(
                "step",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=ROUND_STEPS,
                description="The step to take",
            )
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"(?P<step>{})".format("|".join(ROUND_STEPS)),
    )
    def step(self, request, public_id=None, step=None):
        """Move the round a step: consult, open, close_applications, award or close. A step
        before its date, or closing applications before the closing date without a
        `reason`, answers 409 with what must be true first."""
        incoming = serializers.StepSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        funding_round = services.round_transition(
            funding_round=self.get_object(),
            by=request.user,
            action=step,
            reason=incoming.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=funding_round.pk)).data)

    @extend_schema(
        request=serializers.CriterionSerializer, responses={201: serializers.CriterionSerializer}
    )
    @action(detail=True, methods=["post"])
    def criteria(self, request, public_id=None):
        funding_round = self.get_object()
        incoming = serializers.CriterionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        criterion = services.criterion_add(
            funding_round=funding_round, by=request.user, **incoming.validated_data
        )
        return Response(
            serializers.CriterionSerializer(criterion).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="market-health")
    def market_health(self, request, public_id=None):
        """Bidders per lot, thin lots, funding by size band and reach, largest six, HHI."""
        funding_round = self.get_object()
        # Market figures are not for providers or assessors: as if there were none.
        if not rules.allows(request.user, "view_market_health", funding_round):
            raise NotFound()
        return Response(market_health(funding_round=funding_round))


class LotViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Lots of the funding rounds you may see: each a category of service, the PDUs it
    covers and its budget. The round's lead commissioner adds them while it is a draft."""

    model = Lot
    serializer_class = serializers.LotSerializer

    def scoped_queryset(self, user):
        return (
            selectors.lot_list_visible_to(user=user)
            .select_related("funding_round", "category")
            .prefetch_related("pdus")
        )

    @extend_schema(
        request=serializers.LotInputSerializer, responses={201: serializers.LotSerializer}
    )
    def create(self, request, *args, **kwargs):
        incoming = serializers.LotInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        round_id, pdus = data.pop("funding_round"), data.pop("pdus")
        funding_round = (
            selectors.round_list_visible_to(user=request.user).filter(public_id=round_id).first()
        )
        if funding_round is None:
            raise ValidationError({"funding_round": ["Give the id of a round you can see"]})
        lot = services.lot_add(funding_round=funding_round, by=request.user, data=data, pdus=pdus)
        return Response(serializers.LotSerializer(lot).data, status=status.HTTP_201_CREATED)


class ApplicationViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Applications: a provider sees its own, an assessor only those assigned to it after
    declaring no conflict, a commissioner submitted ones in its rounds."""

    model = Application
    lookup_field = "public_id"
    serializer_class = serializers.ApplicationSerializer
    filterset_fields = ["status", "lot"]

    def scoped_queryset(self, user):
        return selectors.application_list_visible_to(user=user).prefetch_related("pdus")

    @extend_schema(
        request=serializers.ApplicationSerializer,
        responses={201: serializers.ApplicationSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Start or update your organisation's draft application to a lot."""
        incoming = serializers.ApplicationSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        lot, pdus = data.pop("lot"), data.pop("pdus", [])
        application = services.application_save(lot=lot, by=request.user, data=data, pdus=pdus)
        return Response(
            serializers.ApplicationSerializer(application).data, status=status.HTTP_201_CREATED
        )

    def _do(self, call):
        application = call(self.get_object())
        return Response(serializers.ApplicationSerializer(application).data)

    @extend_schema(request=None, responses=serializers.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, public_id=None):
        return self._do(lambda a: services.application_submit(application=a, by=request.user))

    @extend_schema(request=None, responses=serializers.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, public_id=None):
        return self._do(lambda a: services.application_withdraw(application=a, by=request.user))

    @extend_schema(
        request=serializers.DecisionSerializer, responses=serializers.ApplicationSerializer
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, public_id=None):
        self.get_object()  # out of scope is 404 whatever the body
        incoming = serializers.DecisionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        return self._do(
            lambda a: services.application_decide(
                application=a, by=request.user, **incoming.validated_data
            )
        )


class AssessmentViewSet(
    UserScopedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """An assessor's assignments: declare conflicts, then score."""

    model = AssessorAssignment
    serializer_class = serializers.AssignmentSerializer

    def scoped_queryset(self, user):
        return selectors.assignment_list_for(user=user)

    @extend_schema(
        request=serializers.DeclarationSerializer, responses=serializers.AssignmentSerializer
    )
    @action(detail=True, methods=["post"])
    def declare(self, request, pk=None):
        assignment = self.get_object()  # out of scope is 404 whatever the body
        incoming = serializers.DeclarationSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        assignment = services.conflict_declare(
            assignment=assignment,
            by=request.user,
            has_conflict=incoming.validated_data["has_conflict"],
            details=incoming.validated_data["details"],
        )
        return Response(serializers.AssignmentSerializer(assignment).data)

    @extend_schema(request=serializers.ScoresSerializer, responses=serializers.AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        assignment = self.get_object()  # out of scope is 404 whatever the body
        incoming = serializers.ScoresSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        scores = {
            s["criterion"]: (s["score"], s["comment"]) for s in incoming.validated_data["scores"]
        }
        assignment = services.scores_record(
            assignment=assignment,
            by=request.user,
            scores=scores,
            comment=incoming.validated_data["comment"],
        )
        return Response(serializers.AssignmentSerializer(assignment).data)


class AgreementViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Agreements: commissioners see their rounds' agreements, providers their own."""

    model = Agreement
    lookup_field = "public_id"
    serializer_class = serializers.AgreementSerializer
    filterset_fields = ["status"]

    def scoped_queryset(self, user):
        return selectors.agreement_list_visible_to(user=user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.agreement_create(
            application=data.pop("application"), by=self.request.user, **data
        )

    @extend_schema(request=serializers.StatusSerializer, responses=serializers.AgreementSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, public_id=None):
        agreement = self.get_object()  # out of scope is 404 whatever the body
        incoming = serializers.StatusSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        agreement = services.agreement_set_status(
            agreement=agreement, by=request.user, status=incoming.validated_data["status"]
        )
        return Response(serializers.AgreementSerializer(agreement).data)


class OpenDataView(APIView):
    """Open data: awards to organisations, no personal data, so open to anyone, from any
    origin, with `ETag` and `Last-Modified` so an unchanged download is a `304`."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def finalize_response(self, request, response, *args, **kwargs):
        return open_data_headers(super().finalize_response(request, response, *args, **kwargs))


def _json(request, package: dict, last_modified) -> HttpResponse:
    """The package as JSON bytes of its own, so the same data is the same download; a browser
    asking for HTML still gets the browsable API's page."""
    if request.accepted_renderer.media_type == "text/html":
        return Response(package)
    body = json.dumps(package, ensure_ascii=False, indent=2).encode()
    return open_data_response(
        request, body, content_type="application/json", last_modified=last_modified
    )


class GivingExportView(OpenDataView):
    """Awarded grants as a 360Giving data package."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        if request.accepted_renderer.media_type == "text/html":
            return Response(exports.giving_package())
        # The stored grants spliced into the package's text: what `_json` would write.
        text, last_modified = exports.giving_package_json()
        return open_data_response(
            request, text.encode(), content_type="application/json", last_modified=last_modified
        )


class OcdsExportView(OpenDataView):
    """Contract rounds as an OCDS 1.1 release package: every release of each round, a new
    one each time the round, its awards or its contracts changed."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        package = exports.ocds_package(base_uri=request.build_absolute_uri())
        return _json(request, package, exports.ocds_last_modified(package))


class OcdsRecordsView(OpenDataView):
    """Contract rounds as an OCDS 1.1 record package: each round's releases and its
    compiled release (its current state)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="exports_ocds_records")
    def get(self, request):
        package = exports.ocds_record_package(
            base_uri=request.build_absolute_uri(),
            releases_uri=request.build_absolute_uri(reverse("api:export-ocds")),
        )
        return _json(request, package, exports.ocds_last_modified(package))


class OcdsRecordView(OpenDataView):
    """One contract round's OCDS record, by the round's id (the end of its `ocid`)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="exports_ocds_record")
    def get(self, request, round_id):
        package = exports.ocds_record_package(
            base_uri=request.build_absolute_uri(),
            releases_uri=request.build_absolute_uri(reverse("api:export-ocds")),
            round_id=round_id,
        )
        if package is None:
            raise NotFound("No contract round with that id has been published.")
        return _json(request, package, exports.ocds_last_modified(package))


class MarketHealthView(APIView):
    """Market health per region and year, for a commissioner's regions only."""

    @extend_schema(
        parameters=[serializers.MarketHealthQuerySerializer],
        responses=serializers.MarketTrendListSerializer,
        operation_id="market_health_trends",
    )
    def get(self, request):
        """Rounds awarded or closed in each of your body's regions, year by year: thin lots,
        funding by size band and reach, the six largest recipients' share, HHI, and grants
        against contracts. Out-of-scope regions answer 404."""
        regions = market_trend_regions_for(user=request.user)
        if regions is None:
            raise NotFound()
        query = serializers.MarketHealthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        if "region" in wanted:
            regions = regions.filter(code=wanted["region"])
            if not regions.exists():
                raise NotFound("No such region among your commissioning body's regions.")
        rows = market_trends(
            regions=regions,
            years=wanted["to_year"] - wanted["from_year"] + 1,
            to_year=wanted["to_year"],
        )
        return Response(serializers.MarketTrendListSerializer({"results": rows}).data)


class CsvRenderer(BaseRenderer):
    """The CSV exports' only renderer, so content negotiation offers `text/csv` alone. The CSV
    itself streams past the renderers; what is rendered here is an error's problem document,
    which stays JSON (the exception handler marks it `application/problem+json`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data, renderer_context=renderer_context)


CSV_RESPONSE = {(200, "text/csv"): OpenApiTypes.STR}


class CsvExportView(OpenDataView):
    """An open-data package as a CSV download, one row per award, read off the same package
    the JSON export serves so the two always agree; named by the day its data last changed."""

    renderer_classes = [CsvRenderer]
    filename = ""

    def package(self, request) -> dict:
        raise NotImplementedError

    def rows(self, package: dict):
        raise NotImplementedError

    def last_modified(self, package: dict):
        raise NotImplementedError

    def get(self, request):
        package = self.package(request)
        body = "".join(exports.csv_lines(self.rows(package))).encode()
        last_modified = self.last_modified(package)
        response = open_data_response(
            request, body, content_type="text/csv; charset=utf-8", last_modified=last_modified
        )
        day = last_modified.date().isoformat() if last_modified else "empty"
        response["Content-Disposition"] = f'attachment; filename="{self.filename}-{day}.csv"'
        return response


@extend_schema_view(get=extend_schema(responses=CSV_RESPONSE, operation_id="exports_360giving_csv"))
class GivingCsvExportView(CsvExportView):
    """Awarded grants as a CSV in the 360Giving flat template's columns, one row per grant."""

    filename = "360giving-grants"

    def package(self, request):
        return exports.giving_package()

    def rows(self, package):
        return exports.giving_csv_rows(package)

    def last_modified(self, package):
        return exports.giving_last_modified(package)


@extend_schema_view(get=extend_schema(responses=CSV_RESPONSE, operation_id="exports_ocds_csv"))
class OcdsCsvExportView(CsvExportView):
    """Contract awards as a CSV, one row per award with its release, lot and contract, from
    each round's latest release."""

    filename = "ocds-awards"

    def package(self, request):
        json_uri = request.build_absolute_uri(reverse("api:export-ocds"))
        return exports.ocds_package(base_uri=json_uri)

    def rows(self, package):
        return exports.ocds_csv_rows(package)

    def last_modified(self, package):
        return exports.ocds_last_modified(package)
