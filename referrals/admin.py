"""Service support's view of referrals' audit trail, read-only: the access log, the
history of referrals and their risk information, and the retention runs."""

from django.contrib import admin

from partnership.admin import ReadOnlyAdmin
from partnership.history_admin import HistoryAdmin
from referrals.models import AccessLog, ReferralHistory, RetentionRun, RiskInformationHistory
from referrals.retention import REFERRAL_FIELDS_CLEARED, RISK_FIELDS_CLEARED


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user_email", "crn", "what", "why", "channel", "outcome"]
    list_filter = ["outcome", "channel"]
    search_fields = ["crn", "user_email"]
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

    hidden_fields = frozenset(REFERRAL_FIELDS_CLEARED)
    search_fields = ["=reference", "public_id__exact"]

    def object_label(self, event) -> str:
        return f"referral {event.reference or event.pgh_obj_id}"


@admin.register(RiskInformationHistory)
class RiskInformationHistoryAdmin(HistoryAdmin):
    """Who changed a referral's risk information, and which fields; never the values."""

    hidden_fields = frozenset(RISK_FIELDS_CLEARED)
    label_related = "referral"
    search_fields = ["=referral__reference"]

    def object_label(self, event) -> str:
        referral = getattr(event, "history_related", None)
        return f"risk information of referral {referral or event.referral_id}"
