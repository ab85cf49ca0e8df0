"""Service support's view of referrals' audit trail, read-only: the access log, the
history of referrals and their risk information, and the retention runs.

Every admin page that shows rows about referrals (these, and notifications that link to a
referral) writes one row per referral to the access log, channel "admin"."""

import re

from django.contrib import admin
from django.dispatch import receiver

from notifications.models import Notification
from partnership.admin import ReadOnlyAdmin, personal_data_read
from partnership.history_admin import HistoryAdmin
from referrals import services
from referrals.models import (
    AccessLog,
    Referral,
    ReferralHistory,
    RetentionRun,
    RiskInformationHistory,
)
from referrals.retention import REFERRAL_FIELDS_CLEARED, RISK_FIELDS_CLEARED

_REFERRAL_LINK = re.compile(r"^/referrals/(?P<public_id>[0-9a-f-]{36})/")


@receiver(personal_data_read, dispatch_uid="referrals.admin.admin_reads_logged")
def _admin_reads_logged(sender, *, rows, user, view, model_admin, **kwargs) -> None:
    """Log a read of admin rows about referrals; an admin names its rows' referral column
    in `referral_attname`, a notification names its referral in its link."""
    attname = getattr(model_admin, "referral_attname", None)
    if attname:
        referral_ids = [getattr(row, attname) for row in rows]
    elif sender is Notification:
        public_ids = [
            match["public_id"] for row in rows if (match := _REFERRAL_LINK.match(row.link))
        ]
        referral_ids = list(
            Referral.objects.filter(public_id__in=public_ids).values_list("pk", flat=True)
        )
    else:
        return
    services.access_log_admin_read(
        referral_ids=[pk for pk in referral_ids if pk is not None],
        by=user,
        what=f"admin_{view}:{sender._meta.label_lower}",
        why=model_admin.access_log_why,
    )


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    personal_data = True
    referral_attname = "referral_id"
    access_log_why = "service support audit query of the access log"
    list_display = ["at", "user_email", "crn", "what", "why", "channel", "outcome"]
    list_filter = ["outcome", "channel"]
    # Exact: an audit query starts from a known CRN; a partial match would list CRNs.
    search_fields = ["=crn", "user_email"]
    date_hierarchy = "at"


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "trigger",
        "retention_years",
        "closed_before",
        "referrals_anonymised",
        "drafts_flagged",
        "drafts_deleted",
        "documents_deleted",
        "history_events_deleted",
        "finished_at",
    ]
    list_filter = ["trigger"]


@admin.register(ReferralHistory)
class ReferralHistoryAdmin(HistoryAdmin):
    """Who changed a referral, and which fields; the person's details are never shown."""

    personal_data = True
    referral_attname = "pgh_obj_id"
    access_log_why = "service support audit query of referral history"
    hidden_fields = frozenset(REFERRAL_FIELDS_CLEARED)
    search_fields = ["=reference", "public_id__exact"]

    def object_label(self, event) -> str:
        return f"referral {event.reference or event.pgh_obj_id}"


@admin.register(RiskInformationHistory)
class RiskInformationHistoryAdmin(HistoryAdmin):
    """Who changed a referral's risk information, and which fields; never the values."""

    personal_data = True
    referral_attname = "referral_id"
    access_log_why = "service support audit query of risk information history"
    hidden_fields = frozenset(RISK_FIELDS_CLEARED)
    label_related = "referral"
    search_fields = ["=referral__reference"]

    def object_label(self, event) -> str:
        referral = getattr(event, "history_related", None)
        return f"risk information of referral {referral or event.referral_id}"
