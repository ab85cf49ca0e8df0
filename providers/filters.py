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
        filters = directory_filters(self.form.cleaned_data)
        # Reads search everything the user may see; writes only what they may edit.
        base = None if self.request.method in SAFE_METHODS else queryset
        results = selectors.service_search(user=self.request.user, filters=filters, base=base)
        if self.form.cleaned_data.get("status"):
            results = results.filter(status=self.form.cleaned_data["status"])
        return results


def directory_filters(data: dict) -> selectors.DirectoryFilters:
    """The directory's filters from the API's cleaned parameters: the API shows paused and
    closed services too (closed only ever the user's own organisation's)."""
    age = data.get("age")
    return selectors.DirectoryFilters(
        q=data.get("q") or "",
        category=data["category"].slug if data.get("category") else "",
        pdu=data["pdu"].pk if data.get("pdu") else None,
        region=data["region"].code if data.get("region") else "",
        sex=data.get("sex") or "",
        age=int(age) if age is not None else None,
        setting=data.get("setting") or "",
        population=data.get("population") or "",
        size_band=data.get("size_band") or "",
        include_paused=True,
        include_closed=True,
    )


def service_list_parameters(query_params) -> dict:
    """The service list's parameters, each cleaned by the filter set's own field (so the
    schema, the choices and the errors are the filter set's) without building a filter set
    per request. Only the parameters given are cleaned (a PDU or category is looked up)."""
    cleaned, errors = {}, {}
    for name, filter_ in ServiceFilter.base_filters.items():
        if name not in query_params:
            continue
        try:
            cleaned[name] = filter_.field.clean(query_params.get(name))
        except DjangoValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


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
