"""Shapes of the change feed, webhook endpoints and their deliveries."""

from __future__ import annotations

from rest_framework import serializers

from integrations import events
from integrations.models import WebhookDelivery, WebhookEndpoint


class ChangeReferralSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()


class ChangeSerializer(serializers.Serializer):
    """One change in the feed, and what a webhook delivery carries: ids, never personal data."""

    id = serializers.CharField(help_text="The change's id: the same in the feed and webhooks")
    type = serializers.ChoiceField(choices=events.EVENT_TYPE_CHOICES)
    occurred_at = serializers.DateTimeField()
    referral = ChangeReferralSerializer()


class ChangePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    cursor = serializers.CharField(help_text="Where to carry on next time (pass it as `cursor`)")
    results = ChangeSerializer(many=True)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=events.EVENT_TYPE_CHOICES), allow_empty=False
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


class WebhookDeliveryPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = WebhookDeliverySerializer(many=True)
