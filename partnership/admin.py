"""Service support administration of users and reference data."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from partnership.models import (
    ApiToken,
    CommissioningBody,
    ComplexityLevel,
    DesiredOutcome,
    Notification,
    Pdu,
    Region,
    ServiceCategory,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records service support may read but never add, change or delete: logs and history.
    Every field is shown read-only unless the admin names its own `readonly_fields`."""

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields or [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "role",
        "pdu",
        "organisation",
        "commissioning_body",
        "is_active",
    ]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    actions = ["two_factor_unlock"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        ("Role and context", {"fields": ["role", "pdu", "organisation", "commissioning_body"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "fields": [
                    "email",
                    "full_name",
                    "role",
                    "pdu",
                    "organisation",
                    "commissioning_body",
                    "password1",
                    "password2",
                ]
            },
        ),
    ]

    @admin.action(
        description="Unlock two-factor sign-in of the selected users", permissions=["change"]
    )
    def two_factor_unlock(self, request, queryset):
        from partnership.auth import two_factor_unlock

        unlocked = sum(two_factor_unlock(user=user) for user in queryset)
        self.message_user(request, f"Two-factor sign-in unlocked for {unlocked} user(s)")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Pdu)
class PduAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "region"]
    list_filter = ["region"]
    search_fields = ["name"]


class ComplexityLevelInline(admin.TabularInline):
    model = ComplexityLevel
    extra = 0


class DesiredOutcomeInline(admin.TabularInline):
    model = DesiredOutcome
    extra = 0


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    inlines = [ComplexityLevelInline, DesiredOutcomeInline]


@admin.register(CommissioningBody)
class CommissioningBodyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    filter_horizontal = ["regions"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "scope", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = [
        "user",
        "prefix",
        "digest",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
    ]
    fields = [*readonly_fields, "name", "revoked_at"]

    def has_add_permission(self, request):
        return False  # tokens are issued by their owners or the command, never shown here


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at", "email_status"]
    list_filter = ["kind", "email_status"]
    readonly_fields = [f.name for f in Notification._meta.fields]
