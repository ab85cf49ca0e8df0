"""The form a provider admin fills in to describe a service."""

from django import forms

from partnership.forms import GovukFormMixin
from partnership.models import Pdu, ServiceCategory
from providers.models import LANGUAGES, Service
from providers.referral_fields import REFERRAL_FIELDS
from providers.services import SERVICE_FIELDS


def pdus_grouped_by_region() -> list:
    groups: dict[str, list] = {}
    for pdu in Pdu.objects.select_related("region").order_by("region__name", "name"):
        groups.setdefault(pdu.region.name, []).append((pdu.pk, pdu.name))
    return list(groups.items())


class ServiceForm(GovukFormMixin, forms.ModelForm):
    categories = forms.ModelMultipleChoiceField(
        label="Categories",
        queryset=ServiceCategory.objects.order_by("name"),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text="Select every kind of need the service meets",
        error_messages={"required": "Select at least one category"},
    )
    pdus = forms.ModelMultipleChoiceField(
        queryset=Pdu.objects.all(),
        label="PDUs the service covers",
        help_text="Hold Ctrl (or Cmd) to select several",
        error_messages={"required": "Select at least one PDU the service covers"},
    )
    delivery_settings = forms.MultipleChoiceField(
        label="Settings",
        choices=Service.Setting.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one setting"},
    )
    delivery_modes = forms.MultipleChoiceField(
        label="How it is delivered",
        choices=Service.Mode.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    referral_requirements = forms.MultipleChoiceField(
        label="What a referral must include",
        choices=REFERRAL_FIELDS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="On top of the person's details, the reason for referral and risk levels, which every referral has",
    )

    languages = forms.MultipleChoiceField(
        label="Languages it is delivered in",
        choices=LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Published in the directory's open data, with the service's phone number",
    )

    class Meta:
        model = Service
        # The service layer's fields, less status (its own action), with the links.
        fields = [
            *(name for name in SERVICE_FIELDS if name != "status"),
            "categories",
            "pdus",
        ]
        labels = {
            "name": "Service name",
            "description": "Description",
            "eligible_sex": "Who can be referred",
            "minimum_age": "Minimum age",
            "maximum_age": "Maximum age (optional)",
            "monthly_capacity": "Referrals you can take each month",
            "current_wait_days": "Current wait, in days",
            "phone": "Phone number for enquiries (optional)",
        }
        widgets = {
            "eligible_sex": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        error_messages = {
            "name": {"required": "Enter the service's name"},
            "description": {"required": "Describe the service"},
            "monthly_capacity": {
                "required": "Enter how many referrals you can take each month",
                "min_value": "Referrals each month cannot be negative",
                "invalid": "Enter referrals each month as a whole number, like 10",
            },
            "current_wait_days": {
                "min_value": "The wait cannot be negative",
                "invalid": "Enter the wait as a whole number of days, like 7",
            },
            "minimum_age": {
                "min_value": "Services are for adults: the minimum age must be 18 or more",
                "invalid": "Enter the minimum age as a whole number, like 18",
            },
            "maximum_age": {
                "min_value": "The maximum age must be 18 or more",
                "invalid": "Enter the maximum age as a whole number, like 25",
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pdus"].widget.choices = pdus_grouped_by_region()
        self.fields["pdus"].widget.attrs["size"] = 12
        self.fields["eligible_sex"].choices = Service.Sex.choices

    def clean(self):
        cleaned = super().clean()
        minimum, maximum = cleaned.get("minimum_age"), cleaned.get("maximum_age")
        if minimum is not None and maximum is not None and maximum < minimum:
            self.add_error(
                "maximum_age", "The maximum age must be the same as or more than the minimum age"
            )
        return cleaned

    def service_data(self) -> dict:
        skip = {"categories", "pdus"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


class ServiceStatusForm(GovukFormMixin, forms.Form):
    status = forms.ChoiceField(choices=Service.Status.choices)
