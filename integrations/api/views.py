"""`/api/v1/events/` (the change feed), `/api/v1/webhooks/` (an organisation's or a PDU's
endpoints, their delivery logs and replays), and the change-feed order of `/api/v1/referrals/`."""

from __future__ import annotations

import uuid

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations import events, selectors, services
from integrations.api import pagination, serializers
from integrations.models import WebhookEndpoint
from partnership.api.pagination import PagePagination
from partnership.api.schema import uuid_path_parameter
from partnership.api.scoping import UserScopedViewMixin
from referrals.filters import referral_status_filter


class ChangeFeedView(APIView):
    """Changes to the referrals you may see, in the order they committed: start with
    `updated_since`, then follow `next`, and keep the last `cursor` for your next sync. A
    change never appears twice and never goes missing, however many happen while you page."""

    @extend_schema(
        parameters=pagination.PARAMETERS,
        responses=serializers.ChangePageSerializer,
        operation_id="events_list",
    )
    def get(self, request):
        rows, respond = pagination.changes_page(
            request,
            lambda after: selectors.changes_visible_to(user=request.user, after=after),
            position_of=lambda change: change.position,
        )
        return respond([events.webhook_payload(change) for change in rows])


def referral_changes_response(view, request) -> Response:
    """`/api/v1/referrals/?updated_since=…` (or `?cursor=…`): the referrals you may see that
    changed since, each at its latest change, in the order the changes committed; the same
    representation as the list's."""
    referrals = view.scoped_queryset(request.user)
    status_wanted = referral_status_filter(request.query_params)
    if status_wanted:
        referrals = referrals.filter(status=status_wanted)
    rows, respond = pagination.changes_page(
        request,
        lambda after: selectors.referrals_changed_since(referrals=referrals, after=after),
        position_of=lambda referral: referral.change_position,
    )
    return respond(view.get_serializer(rows, many=True).data)


class WebhookEndpointViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your organisation's webhook endpoints (provider admins), or your PDU's (practitioners:
    told only of your PDU's referrals, of what providers do with them). Each delivery is
    signed with the endpoint's secret (`Webhook-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
    "t.body">`) and carries ids only; fetch what changed with your token."""

    model = WebhookEndpoint
    lookup_field = "public_id"
    serializer_class = serializers.WebhookEndpointSerializer
    pagination_class = PagePagination

    def scoped_queryset(self, user):
        return selectors.endpoints_visible_to(user=user)

    @extend_schema(
        request=serializers.WebhookEndpointSerializer,
        responses={201: serializers.WebhookEndpointCreatedSerializer},
    )
    def create(self, request):
        """Add an endpoint; the response carries its secret, shown this once."""
        incoming = serializers.WebhookEndpointSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(
            by=request.user,
            url=incoming.validated_data["url"],
            event_types=incoming.validated_data["event_types"],
            description=incoming.validated_data.get("description", ""),
        )
        return Response(
            serializers.WebhookEndpointCreatedSerializer(endpoint).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_destroy(self, instance):
        services.endpoint_delete(endpoint=instance, by=self.request.user)

    # A list like every other: paged by number, with its `count`.
    @extend_schema(responses=serializers.WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=serializers.WebhookDeliverySerializer)
    def deliveries(self, request, public_id=None):
        """The endpoint's delivery log, newest first."""
        endpoint = self.get_object()
        page = self.paginate_queryset(selectors.deliveries_of(endpoint=endpoint))
        return self.get_paginated_response(
            serializers.WebhookDeliverySerializer(page, many=True).data
        )

    @extend_schema(
        parameters=[uuid_path_parameter("delivery_id", "The delivery's `id`")],
        request=None,
        responses={202: serializers.WebhookDeliverySerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[0-9a-f-]{36})/replay",
    )
    def replay(self, request, public_id=None, delivery_id=None):
        """Send a delivery again, signed afresh."""
        endpoint = self.get_object()
        try:
            # The route takes any 36 hex digits and dashes, which is not always a UUID.
            wanted = uuid.UUID(delivery_id)
        except ValueError as exc:
            raise NotFound() from exc
        delivery = get_object_or_404(selectors.deliveries_of(endpoint=endpoint), public_id=wanted)
        delivery = services.delivery_replay(delivery=delivery, by=request.user)
        return Response(
            serializers.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED
        )
