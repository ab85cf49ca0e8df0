from django.contrib import admin

from partnership.admin import SupportAdmin
from providers.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(SupportAdmin):
    list_display = ["name", "org_id"]
    search_fields = ["name", "org_id"]
