"""Output serializers of the notifications API."""

from rest_framework import serializers

from notifications.models import Notification
from partnership.api.serializers import CheckedModelSerializer


class NotificationSerializer(CheckedModelSerializer):
    unread = serializers.BooleanField(source="is_unread", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at", "unread"]
        read_only_fields = fields
