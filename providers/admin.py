from django.contrib import admin

from partnership.admin import SupportAdmin
from providers.models import (
    Organisation,
    Service,
    ServiceContact,
    ServiceLocation,
    ServiceSchedule,
)


@admin.register(Organisation)
class OrganisationAdmin(SupportAdmin):
    list_display = ["name", "org_id"]
    search_fields = ["name", "org_id"]


class ServiceLocationInline(admin.TabularInline):
    model = ServiceLocation
    extra = 0


class ServiceContactInline(admin.TabularInline):
    model = ServiceContact
    extra = 0


class ServiceScheduleInline(admin.TabularInline):
    model = ServiceSchedule
    extra = 0


@admin.register(Service)
class ServiceAdmin(SupportAdmin):
    """Services' published details: where, when, who to contact, which languages."""

    list_display = ["name", "organisation", "status"]
    search_fields = ["name", "organisation__name"]
    fields = ["name", "organisation", "status", "phone", "languages"]
    readonly_fields = ["name", "organisation", "status"]
    inlines = [ServiceLocationInline, ServiceContactInline, ServiceScheduleInline]

    # Organisations add and close their services themselves, in their service pages.
    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
