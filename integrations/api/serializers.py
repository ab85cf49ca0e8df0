"""Shapes of the change feed, webhook endpoints and their deliveries."""

from __future__ import annotations

from rest_framework import serializers

from integrations import events
from integrations.models import WebhookDelivery, WebhookEndpoint
from partnership.api.serializers import CheckedTextMixin


class ChangeReferralSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    url = serializers.URLField(read_only=True)


class ChangeSerializer(serializers.Serializer):
    """One change in the feed, and what a webhook delivery carries: ids, never personal data."""

    id = serializers.CharField(
        read_only=True, help_text="The change's id: the same in the feed and webhooks"
    )
    type = serializers.ChoiceField(choices=events.EVENT_TYPE_CHOICES, read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True)
    referral = ChangeReferralSerializer(read_only=True)


class ChangePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, read_only=True)
    previous = serializers.URLField(allow_null=True, read_only=True)
    cursor = serializers.CharField(
        read_only=True, help_text="Where to carry on next time (pass it as `cursor`)"
    )
    results = ChangeSerializer(many=True, read_only=True)


class WebhookEndpointSerializer(CheckedTextMixin, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=events.EVENT_TYPE_CHOICES),
        allow_empty=False,
        help_text=(
            "The events to be told of. A PDU's endpoint (a practitioner's) chooses from "
            + ", ".join(f"`{event_type}`" for event_type in events.PDU_EVENT_TYPES)
        ),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "event_types", "description", "created_at"]
        read_only_fields = ["created_at"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """The endpoint as just added: the only time its secret is shown."""

    secret = serializers.CharField(read_only=True)

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_type",
            "payload",
            "status",
            "attempts",
            "response_code",
            "last_error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
        ]
        read_only_fields = fields
