"""Service support administration of users and reference data.

Every admin page on the site is built on `SupportAdmin`: it filters only by what the
admin declares, never shows a secret, and reports each read of personal or risk data so
that the app owning the risk access log can record it.
"""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core import checks
from django.dispatch import Signal
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnership.models import (
    ApiToken,
    CommissioningBody,
    ComplexityLevel,
    DesiredOutcome,
    Pdu,
    Region,
    ServiceCategory,
    User,
)

# Sent when service support reads admin rows holding personal or risk data (sender: the
# model; `rows`, `user`, `view`, `model_admin`): the app that owns the risk access log
# records the read, since this package may not import it.
personal_data_read = Signal()


class DeclaredFiltersChangeList(ChangeList):
    """A change list that filters only by what its admin declares (`list_filter` and
    `date_hierarchy`). Any other lookup in the query string is refused before a row is
    counted: a result count must never answer a question about a value the page hides."""

    def get_filters(self, request):
        asked = self.get_filters_params()
        specs, has_filters, remaining, may_have_duplicates, has_active = super().get_filters(
            request
        )
        # A declared filter takes its own parameters out; what is left came from the URL
        # (the date hierarchy's own bounds were not in `asked`).
        undeclared = sorted(
            key
            for key in remaining
            if key in asked and not self.model_admin.limit_choices_lookup(key, asked[key])
        )
        if undeclared:
            raise DisallowedModelAdminLookup(f"Filtering by {', '.join(undeclared)} not allowed")
        return specs, has_filters, remaining, may_have_duplicates, has_active


class SupportAdmin(admin.ModelAdmin):
    """The base of every admin on the site.

    - Filters only by the declared `list_filter` and `date_hierarchy`; a lookup of any
      other field from the query string (`?summary__startswith=V`) is a 400.
    - `hidden_fields` are never searched or filtered by (a system check refuses it).
    - With `personal_data`, each list, detail and history page read is reported through
      `personal_data_read`; the referrals app logs those of rows about a referral.
    """

    # The rows hold personal data (of staff or of people on probation) or risk data.
    personal_data: bool = False
    # Fields whose values the admin never shows; nor may a search or a filter reach them.
    hidden_fields: frozenset[str] = frozenset()
    # Why service support reads these rows, for the access log.
    access_log_why: str = "service support administration"

    # Filters --------------------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        return DeclaredFiltersChangeList

    def limit_choices_lookup(self, key: str, values: list[str]) -> bool:
        """Whether a raw-id popup's `limit_choices_to` lookup explains this parameter."""
        for fk_lookup in self.model._meta.related_fkey_lookups:
            fk_lookup = fk_lookup() if callable(fk_lookup) else fk_lookup
            allowed = widgets.url_params_from_lookup_dict(fk_lookup)
            if key in allowed and all(value == allowed[key] for value in values):
                return True
        return False

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._hidden_field_checks()]

    def _hidden_field_checks(self) -> list[checks.CheckMessage]:
        reached = {
            "search_fields": [name.lstrip("=^@") for name in self.search_fields],
            "list_filter": [
                item[0] if isinstance(item, (list, tuple)) else item
                for item in self.list_filter
                if isinstance(item, (str, list, tuple))
            ],
            "date_hierarchy": [self.date_hierarchy] if self.date_hierarchy else [],
        }
        errors = []
        for option, paths in reached.items():
            for path in paths:
                if path.split("__")[0] in self.hidden_fields:
                    errors.append(
                        checks.Error(
                            f"{option} reaches the hidden field {path!r}",
                            hint="A search or filter on a value the page hides reads it.",
                            obj=self.__class__,
                            id="partnership.E001",
                        )
                    )
        return errors

    # Reads of personal data --------------------------------------------------------------

    def personal_data_shown(self, request, rows, view: str) -> None:
        """Report rows of personal or risk data that a page showed to `request.user`."""
        rows = [row for row in rows if row is not None]
        if self.personal_data and rows:
            personal_data_read.send(
                sender=self.model, rows=rows, user=request.user, view=view, model_admin=self
            )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            self.personal_data_shown(request, changelist.result_list, "list")
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if obj is not None:
            self.personal_data_shown(request, [obj], "detail")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("object")
        if response.status_code == 200:
            self.personal_data_shown(request, [obj], "history")
        return response


class ReadOnlyAdmin(SupportAdmin):
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
class UserAdmin(SupportAdmin, BaseUserAdmin):
    personal_data = True
    hidden_fields = frozenset({"password"})
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
class RegionAdmin(SupportAdmin):
    list_display = ["code", "name"]


@admin.register(Pdu)
class PduAdmin(SupportAdmin):
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
class ServiceCategoryAdmin(SupportAdmin):
    list_display = ["name", "slug"]
    inlines = [ComplexityLevelInline, DesiredOutcomeInline]


@admin.register(CommissioningBody)
class CommissioningBodyAdmin(SupportAdmin):
    list_display = ["name", "kind", "org_id"]
    filter_horizontal = ["regions"]


@admin.register(ApiToken)
class ApiTokenAdmin(SupportAdmin):
    personal_data = True
    # The digest is all that is kept of the secret; support has no use for it.
    hidden_fields = frozenset({"digest"})
    list_display = ["name", "user", "prefix", "scope", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = [
        "user",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
    ]
    fields = [*readonly_fields, "name", "revoked_at"]

    def has_add_permission(self, request):
        return False  # tokens are issued by their owners or the command, never shown here


# Other apps' models, on the same base -------------------------------------------------


class GroupAdmin(SupportAdmin, BaseGroupAdmin):
    pass


class TwoFactorDeviceAdmin(SupportAdmin):
    """That a user has a two-factor device, and its removal (a lost phone); never its
    secret, its QR code or its recovery codes, and no device made here."""

    personal_data = True
    hidden_fields = frozenset({"key", "token_set"})
    list_display = ["user", "name", "created_at", "last_used_at", "confirmed"]
    list_filter = ["confirmed"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _AxesAdmin(SupportAdmin):
    personal_data = True  # email addresses and client addresses of sign-in attempts


class SignInAttemptAdmin(_AxesAdmin, axes_admin.AccessAttemptAdmin):
    pass


class SignInLogAdmin(_AxesAdmin, axes_admin.AccessLogAdmin):
    pass


class SignInFailureAdmin(_AxesAdmin, axes_admin.AccessFailureLogAdmin):
    pass


for _model, _model_admin in [
    (Group, GroupAdmin),
    (TOTPDevice, TwoFactorDeviceAdmin),
    (StaticDevice, TwoFactorDeviceAdmin),
    (AccessAttempt, SignInAttemptAdmin),
    (AxesAccessLog, SignInLogAdmin),
    (AccessFailureLog, SignInFailureAdmin),
]:
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _model_admin)
