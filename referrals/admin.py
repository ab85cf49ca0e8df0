"""Service support's view of referrals' audit trail: the access log, read-only."""

from django.contrib import admin

from referrals.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user_email", "crn", "what", "why", "channel", "outcome"]
    list_filter = ["outcome", "channel"]
    search_fields = ["crn", "user_email"]
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in AccessLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
