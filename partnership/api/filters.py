"""Filters every app's API shares."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError


class TrueOrFalseField(forms.NullBooleanField):
    """`true` or `false` as the schema says, or left out; django-filter's own boolean reads
    anything else as no filter, which would answer a typo with every row."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value not in ("true", "false"):
            raise ValidationError("Give true or false", code="invalid")
        return value == "true"


class TrueOrFalseFilter(django_filters.BooleanFilter):
    field_class = TrueOrFalseField
