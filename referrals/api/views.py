"""`/api/v1/referrals/` with nested risk, documents and events, and the referral's actions.

Who may do what is asked of `referrals.rules` by the services; their refusals reach the
client through the API's exception handler (`partnership.api.exceptions`): 403, 409, 400.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from partnership.api.changes import changes_list_response
from partnership.api.exceptions import PROBLEM_CONTENT_TYPE, PayloadTooLarge
from partnership.api.parsers import BoundedJSONParser
from partnership.api.schema import problem_response
from partnership.api.scoping import UserScopedViewMixin
from partnership.errors import NotPermitted
from partnership.models import User
from referrals import documents, rules, selectors, services
from referrals.api import serializers
from referrals.filters import ReferralFilter, referral_status_filter
from referrals.models import Referral

WHY = "API request"
# What a risk document can be, and so the types a download is served as.
DOCUMENT_KINDS = (documents.PDF, documents.DOCX, documents.ODT, documents.JPEG, documents.PNG)


class ReferralViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Referrals you may see: your PDU's (practitioners) or those sent to your organisation
    (provider staff). Risk information and documents are separate resources, readable only
    by the referring PDU and by trained provider staff while the agreement is signed; every
    read is logged."""

    model = Referral
    lookup_field = "public_id"
    serializer_class = serializers.ReferralSerializer
    filterset_class = ReferralFilter
    parser_classes = [BoundedJSONParser, MultiPartParser]

    def scoped_queryset(self, user):
        # The desired outcomes' ids come in the same query, in their usual order.
        outcome_ids = ArraySubquery(
            Referral.desired_outcomes.through.objects.filter(referral=OuterRef("pk"))
            .order_by("desiredoutcome__category", "desiredoutcome__position")
            .values("desiredoutcome_id")
        )
        return selectors.referral_list_visible_to(user=user).annotate(
            desired_outcome_ids=outcome_ids
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description="Only referrals changed since then, in the order of their latest "
                "change, paged by cursor (see `/api/v1/events/`)",
            ),
            OpenApiParameter(
                "cursor", OpenApiTypes.STR, description="Carry on a sync from a `cursor` given"
            ),
        ]
    )
    def list(self, request):
        """Referrals you may see, newest first, a page at a time; `status` narrows them.
        With `updated_since` or `cursor`, those changed since, in change-feed order."""
        changed = changes_list_response(self, request)
        if changed is not None:
            return changed
        # Rows, not objects: the detail's scope, in one prepared statement a page
        # (`selectors.ReferralRows`).
        rows = selectors.referral_rows_visible_to(
            user=request.user, status=referral_status_filter(request.query_params)
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            [serializers.referral_representation(row) for row in page]
        )

    def _out(self, referral: Referral, code: int = status.HTTP_200_OK) -> Response:
        referral = self.scoped_queryset(self.request.user).get(pk=referral.pk)
        return Response(serializers.ReferralSerializer(referral).data, status=code)

    @extend_schema(
        request=serializers.ReferralCreateSerializer,
        responses={201: serializers.ReferralSerializer, 200: serializers.ReferralSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Repeat a request with the same key to get the same referral",
            )
        ],
    )
    def create(self, request):
        """Start a draft referral of a person (by CRN) to a service."""
        incoming = serializers.ReferralCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        incoming.is_valid(raise_exception=True)
        service = incoming.validated_data["service"]
        referral, created = services.referral_start(
            practitioner=request.user,
            service=service,
            crn=incoming.validated_data["crn"],
            idempotency_key=request.headers.get("Idempotency-Key", "")[:100],
        )
        return self._out(referral, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=serializers.ReferralUpdateSerializer, responses=serializers.ReferralSerializer
    )
    def partial_update(self, request, public_id=None):
        """Change parts of a referral; after sending, with an `amendment_reason`."""
        referral = self.get_object()
        incoming = serializers.ReferralUpdateSerializer(referral, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        outcomes = data.pop("desired_outcomes", None)
        reason = data.pop("amendment_reason", "")
        services.referral_update(
            referral=referral,
            by=request.user,
            data=data,
            desired_outcomes=outcomes,
            amendment_reason=reason,
        )
        return self._out(referral)

    def _risk_read(self, referral: Referral):
        """The risk, for a response that carries it: the read is logged, and so is a refusal,
        which is a 404 (risk information is out of the user's scope)."""
        try:
            return services.risk_read(
                referral=referral, by=self.request.user, channel="api", why=WHY
            )
        except NotPermitted as exc:
            raise NotFound() from exc

    def _risk_in_scope(self, referral: Referral) -> None:
        """Risk and its documents are out of scope (404) for whoever may not read them; asking
        this is not a read, so nothing is logged."""
        if not rules.allows(self.request.user, "read_risk", referral):
            raise NotFound()

    @extend_schema(responses=serializers.RiskSerializer)
    # Each nested resource names its serializer, for the browsable API's forms too.
    @action(detail=True, methods=["get"], serializer_class=serializers.RiskSerializer)
    def risk(self, request, public_id=None):
        """The referral's risk information (every read is logged)."""
        referral = self.get_object()
        return Response(serializers.RiskSerializer(self._risk_read(referral)).data)

    # Writes have handlers of their own: HEAD reaches only the read above.
    @extend_schema(request=serializers.RiskSerializer, responses=serializers.RiskSerializer)
    @risk.mapping.put
    def risk_update(self, request, public_id=None):
        """Change the referral's risk information; after sending, with an `amendment_reason`."""
        referral = self.get_object()
        self._risk_in_scope(referral)
        incoming = serializers.RiskSerializer(referral.risk, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        reason = data.pop("amendment_reason", "")
        services.risk_update(referral=referral, by=request.user, data=data, amendment_reason=reason)
        # The response carries the risk information as saved: a read, logged as one.
        return Response(serializers.RiskSerializer(self._risk_read(referral)).data)

    @extend_schema(responses=serializers.RiskDocumentSerializer(many=True))
    # The nested lists (documents, events, sessions, concerns) are short and come whole.
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        serializer_class=serializers.RiskDocumentSerializer,
    )
    def documents(self, request, public_id=None):
        """The referral's risk documents (a list that names any is a logged read)."""
        referral = self.get_object()
        try:
            listed = services.document_list_read(
                referral=referral, by=request.user, channel="api", why=WHY
            )
        except NotPermitted as exc:
            raise NotFound() from exc  # out of scope for them; nothing was read
        return Response(serializers.RiskDocumentSerializer(listed, many=True).data)

    @extend_schema(
        request={"multipart/form-data": serializers.RiskDocumentUploadSerializer},
        responses={
            201: serializers.RiskDocumentSerializer,
            (413, PROBLEM_CONTENT_TYPE): problem_response("The file is larger than allowed"),
        },
    )
    @documents.mapping.post
    def document_upload(self, request, public_id=None):
        """Upload a risk document as multipart field `file` (10 MB at most)."""
        referral = self.get_object()
        self._risk_in_scope(referral)
        # Refuse an oversized upload from its declared length, before reading the body.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.RISK_DOCUMENT_MAX_BYTES + 64 * 1024:
            raise PayloadTooLarge(
                f"A risk document must be smaller than {settings.RISK_DOCUMENT_MAX_BYTES // (1024 * 1024)} MB"
            )
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(
                {"file": ["Choose a file to upload as the multipart field 'file'"]}
            )
        if upload.size > settings.RISK_DOCUMENT_MAX_BYTES:
            raise PayloadTooLarge(
                f"A risk document must be smaller than {settings.RISK_DOCUMENT_MAX_BYTES // (1024 * 1024)} MB"
            )
        document = services.document_add(
            referral=referral, by=request.user, name=upload.name, content=upload.read()
        )
        return Response(
            serializers.RiskDocumentSerializer(document).data, status=status.HTTP_201_CREATED
        )

    def _document(self, referral: Referral, document_id: str):
        try:
            # The route takes any 36 hex digits and dashes, which is not always a UUID.
            public_id = uuid.UUID(document_id)
        except ValueError as exc:
            raise NotFound() from exc
        document = referral.documents.filter(public_id=public_id).first()
        if document is None:
            raise NotFound()
        return document

    @extend_schema(
        responses={(200, kind.content_type): OpenApiTypes.BINARY for kind in DOCUMENT_KINDS}
    )
    @action(
        detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[0-9a-f-]{36})/download"
    )
    def download(self, request, public_id=None, document_id=None):
        """A risk document's bytes, as an attachment (the read is logged)."""
        referral = self.get_object()
        document = self._document(referral, document_id)
        try:
            content = services.document_read(
                document=document, by=request.user, channel="api", why=WHY
            )
        except NotPermitted as exc:
            raise NotFound() from exc  # the refusal is logged
        return documents.download_response(document, content)

    @extend_schema(responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<document_id>[0-9a-f-]{36})")
    def remove_document(self, request, public_id=None, document_id=None):
        """Remove a risk document."""
        referral = self.get_object()
        self._risk_in_scope(referral)
        services.document_remove(document=self._document(referral, document_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=serializers.EventSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        serializer_class=serializers.EventSerializer,
    )
    def events(self, request, public_id=None):
        """The referral's timeline: every state change and amendment, by whom and when.
        Entries about risk information appear only to those who may read it."""
        referral = self.get_object()
        events = services.timeline_read(referral=referral, by=request.user, channel="api", why=WHY)
        return Response(serializers.EventSerializer(events, many=True).data)

    def _record(self, serializer_class, record):
        """Record a piece of the provider's work (a session, a concern) from the body."""
        referral = self.get_object()
        incoming = serializer_class(data=self.request.data)
        incoming.is_valid(raise_exception=True)
        recorded = record(referral=referral, by=self.request.user, **incoming.validated_data)
        return Response(serializer_class(recorded).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=serializers.SessionSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        serializer_class=serializers.SessionSerializer,
    )
    def sessions(self, request, public_id=None):
        """Sessions with the person."""
        referral = self.get_object()
        return Response(
            serializers.SessionSerializer(
                referral.sessions.select_related("recorded_by"), many=True
            ).data
        )

    @extend_schema(
        request=serializers.SessionSerializer, responses={201: serializers.SessionSerializer}
    )
    @sessions.mapping.post
    def session_record(self, request, public_id=None):
        """Record a session with the person; recording the first starts the work."""
        return self._record(serializers.SessionSerializer, services.session_record)

    @extend_schema(responses=serializers.ConcernSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        serializer_class=serializers.ConcernSerializer,
    )
    def concerns(self, request, public_id=None):
        """Concerns raised by the provider."""
        referral = self.get_object()
        return Response(
            serializers.ConcernSerializer(
                referral.concerns.select_related("raised_by"), many=True
            ).data
        )

    @extend_schema(
        request=serializers.ConcernSerializer, responses={201: serializers.ConcernSerializer}
    )
    @concerns.mapping.post
    def concern_raise(self, request, public_id=None):
        """Raise a concern; urgent ones reach the practitioner at once."""
        return self._record(serializers.ConcernSerializer, services.concern_raise)

    @extend_schema(responses=serializers.EndOfServiceReportSerializer)
    @action(
        detail=True,
        methods=["get"],
        url_path="end-of-service-report",
        serializer_class=serializers.EndOfServiceReportSerializer,
    )
    def end_of_service_report(self, request, public_id=None):
        """The end-of-service report, once it has been sent."""
        referral = self.get_object()
        report = getattr(referral, "end_of_service_report", None)
        if report is None:
            raise NotFound()
        return Response(_report_data(report))

    @extend_schema(
        request=serializers.EndOfServiceReportSerializer,
        responses={201: serializers.EndOfServiceReportSerializer},
    )
    @end_of_service_report.mapping.post
    def report_send(self, request, public_id=None):
        """Send the end-of-service report: once, for an accepted referral (409 otherwise)."""
        referral = self.get_object()
        incoming = serializers.EndOfServiceReportSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        outcomes = {o["desired_outcome"]: (o["result"], o["comment"]) for o in data["outcomes"]}
        report = services.report_send(
            referral=referral,
            by=request.user,
            closing_reason=data["closing_reason"],
            summary=data["summary"],
            outcomes=outcomes,
        )
        return Response(_report_data(report), status=status.HTTP_201_CREATED)

    def _act(self, request, call, input_serializer=None):
        referral = self.get_object()
        data = {}
        if input_serializer is not None:
            incoming = input_serializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            data = incoming.validated_data
        return self._out(call(referral, data))

    @extend_schema(request=None, responses=serializers.ReferralSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, public_id=None):
        """Send the referral; 400 lists what is missing, 409 if it cannot be sent now."""
        return self._act(request, lambda r, d: services.referral_send(referral=r, by=request.user))

    @extend_schema(request=None, responses=serializers.ReferralSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, public_id=None):
        return self._act(
            request, lambda r, d: services.referral_accept(referral=r, by=request.user)
        )

    @extend_schema(request=serializers.ReturnSerializer, responses=serializers.ReferralSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_information(self, request, public_id=None):
        return self._act(
            request,
            lambda r, d: services.referral_return(referral=r, by=request.user, reason=d["reason"]),
            serializers.ReturnSerializer,
        )

    @extend_schema(request=serializers.DeclineSerializer, responses=serializers.ReferralSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, public_id=None):
        return self._act(
            request,
            lambda r, d: services.referral_decline(referral=r, by=request.user, **d),
            serializers.DeclineSerializer,
        )

    @extend_schema(request=serializers.WithdrawSerializer, responses=serializers.ReferralSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, public_id=None):
        return self._act(
            request,
            lambda r, d: services.referral_withdraw(referral=r, by=request.user, **d),
            serializers.WithdrawSerializer,
        )

    @extend_schema(request=serializers.AssignSerializer, responses=serializers.ReferralSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, public_id=None):
        def call(referral, data):
            caseworker = User.objects.filter(pk=data["caseworker"]).first()
            if caseworker is None:
                raise DjangoValidationError(
                    {"caseworker": ["Choose a member of your organisation's staff"]}
                )
            return services.referral_assign(
                referral=referral, by=request.user, caseworker=caseworker
            )

        return self._act(request, call, serializers.AssignSerializer)


def _report_data(report) -> dict:
    return {
        "closing_reason": report.closing_reason,
        "summary": report.summary,
        "sent_at": report.sent_at,
        "outcomes": [
            {"desired_outcome": r.desired_outcome_id, "result": r.result, "comment": r.comment}
            for r in report.outcomes.all()
        ],
    }
