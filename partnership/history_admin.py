"""Service support's read-only view of the audit history (django-pghistory event tables).

Each tracked model's history is a Django admin list, for users with the `admin` role
only: when, what kind of change, which object, who (the signed-in user, or the task or
command) and which fields changed. Filter by object and by user from the links in the
list, by date in the sidebar, or search by the object's reference or the user's email.

Values of the person's details and of risk information are never shown, only that they
changed: reading them is reading risk data, which only the referral's own users may do.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from partnership.admin import DeclaredFiltersChangeList, ReadOnlyAdmin
from partnership.models import Role, User
from partnership.validators import whole_number

HIDDEN = "changed (not shown)"
# Snapshot columns that are bookkeeping, not the tracked object's data.
_EVENT_COLUMNS = {"pgh_id", "pgh_created_at", "pgh_label", "pgh_obj", "pgh_context"}


class _ValueFilter(admin.SimpleListFilter):
    """A filter set from links in the list (one value at a time), shown once chosen."""

    def lookups(self, request, model_admin):
        value = request.GET.get(self.parameter_name)
        return [(value, self.describe(value))] if value else []

    def describe(self, value: str) -> str:
        return value


class ObjectFilter(_ValueFilter):
    title = "object"
    parameter_name = "object"

    def queryset(self, request, queryset):
        value = self.value()
        number = whole_number(value)
        return queryset.filter(pgh_obj_id=number) if number is not None else queryset


class ChangedByFilter(_ValueFilter):
    title = "changed by"
    parameter_name = "changed_by"

    def describe(self, value: str) -> str:
        number = whole_number(value)
        user = User.objects.filter(pk=number).first() if number is not None else None
        return user.email if user else value

    def queryset(self, request, queryset):
        value = self.value()
        if (number := whole_number(value)) is not None:
            return queryset.filter(pgh_context__metadata__user=number)
        return queryset


class ChangeKindFilter(admin.SimpleListFilter):
    title = "change"
    parameter_name = "change"

    def lookups(self, request, model_admin):
        return [("insert", "Created"), ("update", "Changed")]

    def queryset(self, request, queryset):
        return queryset.filter(pgh_label=self.value()) if self.value() else queryset


class HistoryChangeList(DeclaredFiltersChangeList):
    def get_results(self, request):
        super().get_results(request)
        self.model_admin.describe_events(self.result_list)


class HistoryAdmin(ReadOnlyAdmin):
    """Read-only, `admin` role only, with who changed which fields of what. The values of
    the tracked model's `hidden_fields` are never shown, searched or filtered by."""

    # A foreign key of the snapshot whose object names the tracked one in the list.
    label_related: str | None = None
    list_display = ["when", "change_kind", "object_link", "changed_by", "changes"]
    list_filter = [
        ObjectFilter,
        ChangedByFilter,
        ChangeKindFilter,
        ("pgh_created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["pgh_context"]
    ordering = ["-pgh_id"]
    show_full_result_count = False
    fields = [
        "when",
        "change_kind",
        "object_link",
        "changed_by",
        "context_url",
        "change_details",
    ]
    readonly_fields = fields

    # Who may look ---------------------------------------------------------------------

    @staticmethod
    def _is_service_support(request) -> bool:
        user = request.user
        return user.is_active and getattr(user, "role", None) == Role.ADMIN

    def has_module_permission(self, request):
        return self._is_service_support(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._is_service_support(request) and super().has_view_permission(request, obj)

    # Queries ----------------------------------------------------------------------------

    def get_queryset(self, request):
        previous = (
            self.model.objects.filter(
                pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id")
            )
            .order_by("-pgh_id")
            .values("pgh_id")[:1]
        )
        return super().get_queryset(request).annotate(previous_pgh_id=Subquery(previous))

    def get_changelist(self, request, **kwargs):
        return HistoryChangeList

    def get_search_results(self, request, queryset, search_term):
        """An email finds that user's changes; anything else the object's reference."""
        term = search_term.strip()
        if "@" in term:
            user_ids = list(User.objects.filter(email__iexact=term).values_list("pk", flat=True))
            return queryset.filter(pgh_context__metadata__user__in=user_ids), False
        return super().get_search_results(request, queryset, search_term)

    def describe_events(self, events) -> None:
        """Attach each event's user and the event before it (two queries a page)."""
        events = list(events)
        user_ids = {
            event.pgh_context.metadata.get("user")
            for event in events
            if event.pgh_context and isinstance(event.pgh_context.metadata, dict)
        }
        users = User.objects.in_bulk([pk for pk in user_ids if isinstance(pk, int)])
        previous = self.model.objects.in_bulk(
            [event.previous_pgh_id for event in events if event.previous_pgh_id]
        )
        related = {}
        if self.label_related:
            field = self.model._meta.get_field(self.label_related)
            related = field.related_model.objects.in_bulk(
                {getattr(event, field.attname) for event in events}
            )
        for event in events:
            metadata = self._metadata(event)
            event.history_user = users.get(metadata.get("user"))
            event.history_previous = previous.get(event.previous_pgh_id)
            if self.label_related:
                event.history_related = related.get(getattr(event, f"{self.label_related}_id"))

    # What each column shows -------------------------------------------------------------

    @staticmethod
    def _metadata(event) -> dict:
        context = event.pgh_context
        return context.metadata if context and isinstance(context.metadata, dict) else {}

    def _tracked_fields(self):
        tracked = self.model.pgh_tracked_model
        names = {f.name for f in tracked._meta.concrete_fields}
        return [
            f
            for f in self.model._meta.concrete_fields
            if f.name in names
            and f.name not in _EVENT_COLUMNS
            and not getattr(f, "auto_now", False)
        ]

    def _previous(self, event):
        if not hasattr(event, "history_previous"):
            self.describe_events([event])
        return event.history_previous

    def _changed(self, event) -> list[tuple[str, str, str]]:
        """(field, before, after) for each field that differs from the event before."""
        previous = self._previous(event)
        if previous is None:
            return []
        changed = []
        for field in self._tracked_fields():
            before, after = field.value_from_object(previous), field.value_from_object(event)
            if before == after:
                continue
            if field.name in self.hidden_fields:
                changed.append((field.verbose_name, HIDDEN, HIDDEN))
            else:
                changed.append(
                    (field.verbose_name, self._shown(field, before), self._shown(field, after))
                )
        return changed

    @staticmethod
    def _shown(field, value) -> str:
        if value in ("", None):
            return "(blank)"
        return str(dict(field.flatchoices).get(value, value)) if field.choices else str(value)

    def _changelist_url(self) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    def object_label(self, event) -> str:
        label = f"{self.model.pgh_tracked_model._meta.verbose_name} {event.pgh_obj_id}"
        related = getattr(event, "history_related", None)
        return f"{label}: {related}" if related is not None else label

    @admin.display(description="when", ordering="pgh_id")
    def when(self, event):
        return event.pgh_created_at

    @admin.display(description="change")
    def change_kind(self, event):
        return {"insert": "Created", "update": "Changed"}.get(event.pgh_label, event.pgh_label)

    @admin.display(description="object")
    def object_link(self, event):
        return format_html(
            '<a href="{}?{}={}">{}</a>',
            self._changelist_url(),
            ObjectFilter.parameter_name,
            event.pgh_obj_id,
            self.object_label(event),
        )

    @admin.display(description="changed by")
    def changed_by(self, event):
        metadata = self._metadata(event)
        if not hasattr(event, "history_user"):
            self.describe_events([event])
        if event.history_user is not None:
            return format_html(
                '<a href="{}?{}={}">{}</a>',
                self._changelist_url(),
                ChangedByFilter.parameter_name,
                event.history_user.pk,
                event.history_user.email,
            )
        if metadata.get("task"):
            return f"task {metadata['task']}"
        if metadata.get("command"):
            by = f" run by {metadata['os_user']}" if metadata.get("os_user") else ""
            return f"command {metadata['command']}{by}"
        return "not recorded"

    @admin.display(description="address")
    def context_url(self, event):
        return self._metadata(event).get("url") or ""

    @admin.display(description="fields changed")
    def changes(self, event):
        if event.pgh_label == "insert":
            return "all (created)"
        return ", ".join(name for name, _, _ in self._changed(event)) or "none"

    @admin.display(description="changes")
    def change_details(self, event):
        if event.pgh_label == "insert" or self._previous(event) is None:
            return "Created (or the first change recorded)"
        rows = self._changed(event)
        if not rows:
            return "No tracked field changed"
        return format_html(
            "<table><thead><tr><th>field</th><th>before</th><th>after</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )
