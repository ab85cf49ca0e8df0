"""Service support's view of webhook endpoints and deliveries (read-only: an organisation's
admin or a PDU's practitioners manage their own; the secret is never shown)."""

from django.contrib import admin

from integrations.models import WebhookDelivery, WebhookEndpoint
from partnership.admin import ReadOnlyAdmin


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "organisation", "pdu", "created_at"]
    fields = [
        "organisation",
        "pdu",
        "url",
        "event_types",
        "description",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields
    hidden_fields = frozenset({"secret"})


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "event_type",
        "destination",
        "status",
        "attempts",
        "response_code",
        "created_at",
    ]
    list_filter = ["status", "destination"]
    fields = [
        "destination",
        "endpoint",
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
    readonly_fields = fields
