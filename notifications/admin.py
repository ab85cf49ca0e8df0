"""Service support's read-only view of notifications."""

from django.contrib import admin

from notifications.models import Notification
from notifications.services import link_carries_secret
from partnership.admin import ReadOnlyAdmin

SECRET_LINK_WITHHELD = "(a one-time link, sent by email only)"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    personal_data = True
    list_display = ["title", "recipient", "kind", "created_at", "read_at", "email_status"]
    list_filter = ["kind", "email_status"]
    readonly_fields = [
        "recipient",
        "kind",
        "title",
        "body",
        "portal_link",
        "dedupe_key",
        "created_at",
        "read_at",
        "email_status",
        "email_attempts",
        "email_sent_at",
    ]
    fields = readonly_fields
    hidden_fields = frozenset({"link"})

    @admin.display(description="link")
    def portal_link(self, notification):
        # A row written before links to set a password were minted at sending may hold one.
        if link_carries_secret(notification.link):
            return SECRET_LINK_WITHHELD
        return notification.link
