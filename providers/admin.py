from django.contrib import admin

from providers.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "org_id"]
    search_fields = ["name", "org_id"]
