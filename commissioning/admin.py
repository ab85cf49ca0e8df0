"""Service support's read-only view of the history of applications and agreements."""

from django.contrib import admin

from commissioning.models import AgreementHistory, ApplicationHistory
from partnership.history_admin import HistoryAdmin


@admin.register(ApplicationHistory)
class ApplicationHistoryAdmin(HistoryAdmin):
    label_related = "organisation"
    search_fields = ["public_id__exact", "organisation__name", "lot__title"]


@admin.register(AgreementHistory)
class AgreementHistoryAdmin(HistoryAdmin):
    label_related = "organisation"
    search_fields = ["public_id__exact", "organisation__name"]
