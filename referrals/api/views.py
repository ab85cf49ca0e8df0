"""`/api/v1/referrals/` with nested risk, documents and events, and the referral's actions.

Who may do what is asked of `referrals.rules` by the services; their refusals reach the
client through the API's exception handler (`partnership.api.exceptions`): 403, 409, 400.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import OuterRef
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from partnership.api.changes import changes_list_response
from partnership.api.conditional import ETAG, IF_MATCH, etag_of, require_current
from partnership.api.exceptions import PROBLEM_CONTENT_TYPE, PayloadTooLarge
from partnership.api.schema import problem_response, uuid_path_parameter
from partnership.api.scoping import UserScopedViewMixin
from partnership.errors import NotPermitted
from partnership.models import User
from referrals import documents, rules, selectors, services
from referrals.api import serializers
from referrals.filters import ReferralFilter, referral_status_filter
from referrals.models import Referral

WHY = "API request"
# A change that carries `If-Match` with a version no longer current.
PRECONDITION = {
    (412, PROBLEM_CONTENT_TYPE): problem_response(
        "`If-Match` names a version that is no longer current: read it again"
    )
}
DOCUMENT_ID = uuid_path_parameter("document_id", "The risk document's `id`")
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

    @property
    def filter_backends(self):
        # The filters are the referral list's; the nested lists take none.
        return api_settings.DEFAULT_FILTER_BACKENDS if self.action == "list" else []

    def scoped_queryset(self, user):
        referrals = selectors.referral_list_visible_to(user=user)
        if self.action != "list":
            # What a change acts on; its answer is read afresh as a row (`_representation`).
            return referrals
        # The change feed's pages are objects: the desired outcomes' ids come in the same
        # query, in their usual order.
        outcome_ids = ArraySubquery(
            Referral.desired_outcomes.through.objects.filter(referral=OuterRef("pk"))
            .order_by("desiredoutcome__category", "desiredoutcome__position")
            .values("desiredoutcome_id")
        )
        return referrals.annotate(desired_outcome_ids=outcome_ids)

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

    def _representation(self, referral: Referral | str) -> dict:
        """The referral (or the one with this public id) as the user may now see it, read
        afresh through the list's scope (`selectors.referral_row_visible_to`)."""
        public_id = referral if isinstance(referral, str) else referral.public_id
        row = selectors.referral_row_visible_to(user=self.request.user, public_id=public_id)
        if row is None:
            raise NotFound
        return serializers.referral_representation(row)

    def _out(self, referral: Referral | str, code: int = status.HTTP_200_OK) -> Response:
        data = self._representation(referral)
        return Response(data, status=code, headers={"ETag": etag_of(data)})

    def _current(self, referral: Referral) -> Referral:
        """The referral, if `If-Match` names the version the client read (412 otherwise); it
        stays locked until the change is made. Called inside the change's transaction."""
        if "If-Match" in self.request.headers:
            locked = Referral.objects.select_for_update().get(pk=referral.pk)
            require_current(self.request, etag_of(self._representation(locked)))
        return referral

    @extend_schema(
        summary="Read a referral",
        parameters=[ETAG],
        responses=serializers.ReferralSerializer,
    )
    def retrieve(self, request, public_id=None):
        """A referral you may see, with its `ETag` (send it as `If-Match` when you change it)."""
        return self._out(public_id)

    @extend_schema(
        summary="Start a draft referral",
        request=serializers.ReferralCreateSerializer,
        responses={
            201: serializers.ReferralSerializer,
            200: serializers.ReferralSerializer,
            (422, PROBLEM_CONTENT_TYPE): problem_response(
                "The `Idempotency-Key` was first sent with another request"
            ),
        },
        parameters=[
            ETAG,
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description=(
                    "Repeat a request with the same key to get the same referral (200 rather "
                    "than 201); the same key with another service or CRN is a 422."
                ),
            ),
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
        summary="Change a referral",
        request=serializers.ReferralUpdateSerializer,
        responses={200: serializers.ReferralSerializer, **PRECONDITION},
        parameters=[IF_MATCH, ETAG],
    )
    def partial_update(self, request, public_id=None):
        """Change parts of a referral. `complexity_level` and `desired_outcomes` are ids from
        the service's own (`GET /api/v1/services/{id}/`); after sending, every change needs
        an `amendment_reason`."""
        referral = self.get_object()
        incoming = serializers.ReferralUpdateSerializer(referral, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        outcomes = data.pop("desired_outcomes", None)
        reason = data.pop("amendment_reason", "")
        with transaction.atomic():
            services.referral_update(
                referral=self._current(referral),
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

    def _risk_out(self, referral: Referral) -> Response:
        data = serializers.RiskSerializer(self._risk_read(referral)).data
        return Response(data, headers={"ETag": etag_of(data)})

    @extend_schema(summary="Read the risk information", parameters=[ETAG])
    # Each nested resource names its serializer, for the browsable API's forms too.
    @action(detail=True, methods=["get"], serializer_class=serializers.RiskSerializer)
    def risk(self, request, public_id=None):
        """The referral's risk information, with its `ETag`. Every read is logged; it is a
        404 for whoever may not read it (another PDU; provider staff without current risk
        training, or while their organisation's information-sharing agreement is unsigned)."""
        return self._risk_out(self.get_object())

    # Writes have handlers of their own: HEAD reaches only the read above.
    @extend_schema(
        summary="Change the risk information",
        request=serializers.RiskSerializer,
        responses={200: serializers.RiskSerializer, **PRECONDITION},
        parameters=[IF_MATCH, ETAG],
    )
    @risk.mapping.put
    def risk_update(self, request, public_id=None):
        """Change the referral's risk information: the fields sent change, the rest stay. Once
        the referral has been sent, every change needs an `amendment_reason`."""
        referral = self.get_object()
        self._risk_in_scope(referral)
        incoming = serializers.RiskSerializer(referral.risk, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        reason = data.pop("amendment_reason", "")
        with transaction.atomic():
            if "If-Match" in request.headers:
                risk = type(referral.risk).objects.select_for_update().get(referral=referral)
                # Compared, not shown: not a read of the risk, so not logged as one.
                require_current(request, etag_of(serializers.RiskSerializer(risk).data))
            services.risk_update(
                referral=referral, by=request.user, data=data, amendment_reason=reason
            )
        # The response carries the risk information as saved: a read, logged as one.
        return self._risk_out(referral)

    def _paged(self, rows, serializer_class) -> Response:
        """A nested list, a page at a time like every other list."""
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializer_class(page, many=True).data)

    @extend_schema(
        summary="List the risk documents",
        responses=serializers.RiskDocumentSerializer(many=True),
    )
    # Only the upload reads multipart; the list is a GET, with no body.
    @action(
        detail=True,
        methods=["get"],
        parser_classes=[MultiPartParser],
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
        return self._paged(listed, serializers.RiskDocumentSerializer)

    @extend_schema(
        summary="Upload a risk document",
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
        document = referral.documents.filter(public_id=_uuid_or_404(document_id)).first()
        if document is None:
            raise NotFound()
        return document

    @extend_schema(
        summary="Download a risk document",
        parameters=[DOCUMENT_ID],
        # Each type a risk document can be, and `application/octet-stream` for clients that
        # read any file as bytes whatever `Content-Type` says.
        responses={
            (200, content_type): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file's bytes, as an attachment"
            )
            for content_type in (
                "application/octet-stream",
                *(kind.content_type for kind in DOCUMENT_KINDS),
            )
        },
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

    @extend_schema(
        summary="Remove a risk document", parameters=[DOCUMENT_ID], responses={204: None}
    )
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<document_id>[0-9a-f-]{36})")
    def remove_document(self, request, public_id=None, document_id=None):
        """Remove a risk document."""
        referral = self.get_object()
        self._risk_in_scope(referral)
        services.document_remove(document=self._document(referral, document_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="List the referral's events", responses=serializers.EventSerializer(many=True)
    )
    @action(detail=True, methods=["get"], serializer_class=serializers.EventSerializer)
    def events(self, request, public_id=None):
        """The referral's timeline: every state change and amendment, by whom and when.
        Entries about risk information appear only to those who may read it."""
        referral = self.get_object()
        events = services.timeline_read(referral=referral, by=request.user, channel="api", why=WHY)
        return self._paged(events, serializers.EventSerializer)

    def _record(self, serializer_class, record):
        """Record a piece of the provider's work (a session, a concern) from the body."""
        referral = self.get_object()
        incoming = serializer_class(data=self.request.data)
        incoming.is_valid(raise_exception=True)
        recorded = record(referral=referral, by=self.request.user, **incoming.validated_data)
        return Response(serializer_class(recorded).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="List sessions", responses=serializers.SessionSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=serializers.SessionSerializer)
    def sessions(self, request, public_id=None):
        """Sessions with the person, in the order they were held."""
        referral = self.get_object()
        return self._paged(
            referral.sessions.select_related("recorded_by").order_by("held_on", "pk"),
            serializers.SessionSerializer,
        )

    @extend_schema(
        summary="Record a session",
        request=serializers.SessionSerializer,
        responses={201: serializers.SessionSerializer},
    )
    @sessions.mapping.post
    def session_record(self, request, public_id=None):
        """Record a session with the person; recording the first starts the work."""
        return self._record(serializers.SessionSerializer, services.session_record)

    @extend_schema(summary="List concerns", responses=serializers.ConcernSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=serializers.ConcernSerializer)
    def concerns(self, request, public_id=None):
        """Concerns raised by the provider, oldest first, with when each was acknowledged."""
        referral = self.get_object()
        return self._paged(
            referral.concerns.select_related("raised_by").order_by("raised_at", "pk"),
            serializers.ConcernSerializer,
        )

    @extend_schema(
        summary="Raise a concern",
        request=serializers.ConcernSerializer,
        responses={201: serializers.ConcernSerializer},
    )
    @concerns.mapping.post
    def concern_raise(self, request, public_id=None):
        """Raise a concern; urgent ones reach the practitioner at once."""
        return self._record(serializers.ConcernSerializer, services.concern_raise)

    @extend_schema(
        summary="Acknowledge a concern",
        parameters=[uuid_path_parameter("concern_id", "The concern's `id`")],
        request=None,
        responses={200: serializers.ConcernSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"concerns/(?P<concern_id>[0-9a-f-]{36})/acknowledge",
    )
    def concern_acknowledge(self, request, public_id=None, concern_id=None):
        """The referring practitioner acknowledges a concern the provider raised (once: a
        repeat changes nothing)."""
        referral = self.get_object()
        concern = (
            referral.concerns.select_related("raised_by")
            .filter(public_id=_uuid_or_404(concern_id))
            .first()
        )
        if concern is None:
            raise NotFound()
        services.concern_acknowledge(concern=concern, by=request.user)
        return Response(serializers.ConcernSerializer(concern).data)

    @extend_schema(
        summary="Read the end-of-service report", responses=serializers.EndOfServiceReportSerializer
    )
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
        summary="Send the end-of-service report",
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
        with transaction.atomic():
            changed = call(self._current(referral), data)
        return self._out(changed)

    @extend_schema(
        summary="Send a referral",
        request=None,
        responses={200: serializers.ReferralSerializer, **PRECONDITION},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def send(self, request, public_id=None):
        """Send the referral to the service's provider. It needs, for every service: the
        person's first and last names and sex (with a prison if in custody), a
        `consent_basis`, a `reason` of at least 20 characters and the four risk-of-harm levels
        (`risk.rosh_*`); and whatever the service lists in `referral_requirements`. A refusal
        is a 400 whose `errors` and `codes` are keyed by field (risk fields as `risk.<field>`,
        a risk document as `documents`); codes are `required`, `too_short` and `ineligible`.
        409 if it cannot be sent in its state."""
        return self._act(request, lambda r, d: services.referral_send(referral=r, by=request.user))

    @extend_schema(
        summary="Accept a referral",
        request=None,
        responses={200: serializers.ReferralSerializer, **PRECONDITION},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, public_id=None):
        """The provider accepts a sent referral (provider admins)."""
        return self._act(
            request, lambda r, d: services.referral_accept(referral=r, by=request.user)
        )

    @extend_schema(
        summary="Return a referral for more information",
        request=serializers.ReturnSerializer,
        responses={200: serializers.ReferralSerializer, **PRECONDITION},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_information(self, request, public_id=None):
        """The provider sends a referral back to the practitioner, saying what is missing."""
        return self._act(
            request,
            lambda r, d: services.referral_return(referral=r, by=request.user, reason=d["reason"]),
            serializers.ReturnSerializer,
        )

    @extend_schema(
        summary="Decline a referral",
        request=serializers.DeclineSerializer,
        responses={200: serializers.ReferralSerializer, **PRECONDITION},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, public_id=None):
        """The provider declines a sent referral, with a coded reason."""
        return self._act(
            request,
            lambda r, d: services.referral_decline(referral=r, by=request.user, **d),
            serializers.DeclineSerializer,
        )

    @extend_schema(
        summary="Withdraw a referral",
        request=serializers.WithdrawSerializer,
        responses={200: serializers.ReferralSerializer, **PRECONDITION},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, public_id=None):
        """The practitioner withdraws a referral, with a coded reason."""
        return self._act(
            request,
            lambda r, d: services.referral_withdraw(referral=r, by=request.user, **d),
            serializers.WithdrawSerializer,
        )

    @extend_schema(
        summary="Assign a referral to a caseworker",
        request=serializers.AssignSerializer,
        responses={200: serializers.ReferralSerializer, **PRECONDITION},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, public_id=None):
        """A provider admin assigns an accepted referral to a member of their staff with
        current risk training (`GET /api/v1/staff/` lists them)."""

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


def _uuid_or_404(text: str) -> uuid.UUID:
    """The route takes any 36 hex digits and dashes, which is not always a UUID."""
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise NotFound() from exc


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
