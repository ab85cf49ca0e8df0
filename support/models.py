"""The record of what service support did in the console: who, when, to whom."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SupportAction(models.Model):
    """One thing service support did in the support console. Never changed afterwards."""

    class Kind(models.TextChoices):
        INVITE = "invite", "Invited a user"
        DEACTIVATE = "deactivate", "Deactivated a user"
        REACTIVATE = "reactivate", "Reactivated a user"
        RESET_TWO_FACTOR = "reset_two_factor", "Reset two-factor sign-in"
        LIFT_LOCKOUT = "lift_lockout", "Lifted a sign-in lockout"
        END_SESSIONS = "end_sessions", "Ended sessions"
        SEARCH_ACCESS_LOG = "search_access_log", "Searched the risk access log"
        EXPORT_ACCESS_LOG = "export_access_log", "Downloaded the risk access log"
        VERIFY_ORGANISATION = "verify_organisation", "Recorded an organisation's verification"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "providers.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by user {self.by_id} at {self.at:%Y-%m-%d %H:%M}"
