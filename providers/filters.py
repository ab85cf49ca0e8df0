"""API filters for organisations and services, equal to the directory's."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS

from partnership.models import Pdu, Region, ServiceCategory
from providers import selectors
from providers.models import Organisation, Population, Service, SizeBand


class ServiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Free text, best match first (Postgres full-text search)")
    # field_name documents each filter in the schema; filter_queryset does the filtering.
    category = django_filters.ModelChoiceFilter(
        field_name="categories",
        queryset=ServiceCategory.objects.all(),
        to_field_name="slug",
        label="Category slug, such as accommodation",
    )
    pdu = django_filters.ModelChoiceFilter(
        field_name="pdus", queryset=Pdu.objects.all(), label="PDU id: services covering it"
    )
    region = django_filters.ModelChoiceFilter(
        field_name="pdus__region",
        queryset=Region.objects.all(),
        to_field_name="code",
        label="Region code: services covering a PDU in it",
    )
    sex = django_filters.ChoiceFilter(
        field_name="eligible_sex",
        choices=[(Service.Sex.FEMALE, "female"), (Service.Sex.MALE, "male")],
        label="The person's sex: services they are eligible for",
    )
    age = django_filters.NumberFilter(label="The person's age: services they are eligible for")
    setting = django_filters.ChoiceFilter(choices=Service.Setting.choices, label="Delivery setting")
    population = django_filters.ChoiceFilter(
        choices=Population.choices, label="Population the organisation serves"
    )
    size_band = django_filters.ChoiceFilter(
        choices=SizeBand.choices, label="Size band of the organisation"
    )
    status = django_filters.ChoiceFilter(
        choices=Service.Status.choices, label="Status (default: all you may see)"
    )

    class Meta:
        model = Service
        fields = []

    def filter_queryset(self, queryset):
        """Everything goes through the directory's own search, scoped to the user."""
        filters = directory_filters(_row_keys(self.form.cleaned_data))
        # Reads search everything the user may see; writes only what they may edit.
        base = None if self.request.method in SAFE_METHODS else queryset
        results = selectors.service_search(user=self.request.user, filters=filters, base=base)
        if self.form.cleaned_data.get("status"):
            results = results.filter(status=self.form.cleaned_data["status"])
        return results


def directory_filters(data: dict) -> selectors.DirectoryFilters:
    """The directory's filters from the API's cleaned parameters (a category, PDU or region
    by its key): the API shows paused and closed services too (closed only ever the user's
    own organisation's)."""
    age = data.get("age")
    return selectors.DirectoryFilters(
        q=data.get("q") or "",
        category=data.get("category") or "",
        pdu=data.get("pdu"),
        region=data.get("region") or "",
        sex=data.get("sex") or "",
        age=int(age) if age is not None else None,
        setting=data.get("setting") or "",
        population=data.get("population") or "",
        size_band=data.get("size_band") or "",
        include_paused=True,
        include_closed=True,
    )


# The parameters that name a row, each by the key the directory filters by.
_ROW_KEYS = {"category": "slug", "pdu": "pk", "region": "code"}
_PDU_ID_MAX = 2**31 - 1  # a PositiveIntegerField


def service_list_parameters(query_params, *, look_up: bool) -> dict:
    """The service list's parameters, each cleaned by the filter set's own field (so the
    schema, the choices and the errors are the filter set's) without building a filter set
    per request. Only the parameters given are cleaned.

    A category, PDU or region comes back as its key. With `look_up`, each is looked up, and
    one that does not exist is the filter set's error; without, a well-formed key is taken
    as given: a list that finds a service covering a PDU or in a category has shown that it
    exists, so the list looks them up only when it finds nothing
    (`providers.api.views.ServiceViewSet.list`)."""
    cleaned, errors = {}, {}
    for name, filter_ in ServiceFilter.base_filters.items():
        if name not in query_params:
            continue
        value = query_params.get(name)
        if not look_up and _well_formed_key(name, value):
            cleaned[name] = int(value) if name == "pdu" else value
            continue
        try:
            cleaned[name] = _row_key(name, filter_.field.clean(value))
        except DjangoValidationError as exc:
            errors[name] = exc.messages
    if errors and not look_up:
        return service_list_parameters(query_params, look_up=True)  # every error at once
    if errors:
        raise ValidationError(errors)
    return cleaned


def _well_formed_key(name: str, value: str) -> bool:
    if name == "pdu":
        # Ten digits at most: Python refuses to read a number of more than 4,300.
        digits = value.isascii() and value.isdigit() and len(value) <= len(str(_PDU_ID_MAX))
        return digits and 0 < int(value) <= _PDU_ID_MAX
    return name in _ROW_KEYS and value != ""


def _row_key(name: str, value):
    """A cleaned parameter, a category, PDU or region given by its key."""
    return getattr(value, _ROW_KEYS[name]) if name in _ROW_KEYS and value else value


def _row_keys(cleaned: dict) -> dict:
    return {name: _row_key(name, value) for name, value in cleaned.items()}


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label="Part of the organisation's name or org-id"
    )
    size_band = django_filters.ChoiceFilter(choices=SizeBand.choices)
    region = django_filters.ModelChoiceFilter(
        field_name="head_office_region",
        queryset=Region.objects.all(),
        to_field_name="code",
        label="Region code of the head office",
    )
    verification_status = django_filters.ChoiceFilter(choices=Organisation.Verification.choices)

    class Meta:
        model = Organisation
        fields = ["size_band", "region", "verification_status"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(org_id__icontains=value))
