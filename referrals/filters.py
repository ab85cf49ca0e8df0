"""Filters for referrals: the API's, and the work lists' search and filters."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError

from partnership.forms import GovukFormMixin, ReadyChoices
from referrals import selectors
from referrals.models import Referral


class ReferralFilter(django_filters.FilterSet):
    class Meta:
        model = Referral
        fields = ["status"]


def referral_status_filter(query_params) -> str | None:
    """The list's `status`, cleaned by the filter set's own field (so the schema, the
    choices and the error are the filter set's) without building a filter set per request."""
    field = ReferralFilter.base_filters["status"].field
    try:
        return field.clean(query_params.get("status")) or None
    except DjangoValidationError as exc:
        raise ValidationError({"status": exc.messages}) from exc


# The work lists' search and filters (pages) -----------------------------------------------


class WorkListSearchForm(GovukFormMixin, forms.Form):
    """The search box. It is posted, never sent in the address: a CRN or a name is personal
    data, and addresses end up in logs, histories and referrer headers."""

    q = forms.CharField(
        label="Search by CRN, name or referral reference",
        max_length=selectors.SEARCH_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": f"Search must be {selectors.SEARCH_MAX_LENGTH} characters or fewer"
        },
    )


class WorkListFilterForm(GovukFormMixin, forms.Form):
    """Status, service and order: no personal data, so plain GET parameters, which keeps a
    filtered list's address shareable and its pages linkable."""

    status = forms.ChoiceField(label="Status", required=False)
    service = forms.TypedChoiceField(label="Service", required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=list(selectors.SORTS.items()))

    def __init__(self, *args, statuses, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), *statuses]
        self.fields["service"].choices = ReadyChoices([("", "Any service"), *services])
        self.fields["status"].error_messages["invalid_choice"] = "Select a status from the list"
        self.fields["service"].error_messages["invalid_choice"] = "Select a service from the list"
        self.fields["sort"].error_messages["invalid_choice"] = "Select an order from the list"

    def filters(self, *, search: str) -> selectors.WorkListFilters:
        """The filters that are valid (an invalid one is shown as an error and not applied)."""
        data = getattr(self, "cleaned_data", {})
        return selectors.WorkListFilters(
            status=data.get("status") or None,
            service_id=data.get("service") or None,
            search=search,
        )

    def ordering(self) -> str:
        return getattr(self, "cleaned_data", {}).get("sort") or "newest"
