"""API filters for referrals."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError

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
