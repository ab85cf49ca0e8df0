"""Forms of the service support console."""

from __future__ import annotations

import re

from django import forms

from partnership.forms import GovukDateField, GovukFormMixin
from providers.forms.staff import StaffInviteForm
from providers.models import Organisation

CRN_PATTERN = re.compile(r"^[A-Z]\d{6}$")


class UserSearchForm(GovukFormMixin, forms.Form):
    q = forms.CharField(
        label="Name or email address",
        max_length=254,
        error_messages={"required": "Enter a name or email address"},
    )


class InviteForm(StaffInviteForm):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.order_by("name"),
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation they work for"},
    )
    field_order = ["organisation", "full_name", "email", "role"]


class AccessLogSearchForm(GovukFormMixin, forms.Form):
    crn = forms.CharField(
        label="Case reference number (CRN)",
        required=False,
        max_length=7,
        help_text="A letter and 6 numbers, like X123456",
    )
    user_email = forms.EmailField(
        label="Email address of the person who read it",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.org"
        },
    )
    date_from = GovukDateField(label="From", required=False, help_text="For example, 1 4 2026")
    date_to = GovukDateField(label="To", required=False, help_text="For example, 30 4 2026")

    def clean_crn(self) -> str:
        crn = self.cleaned_data["crn"].strip().upper()
        if crn and not CRN_PATTERN.match(crn):
            raise forms.ValidationError("Enter a CRN in the correct format, like X123456")
        return crn

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(name) for name in self.fields):
            raise forms.ValidationError("Enter a CRN, an email address or dates to search by")
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The date to must be the same as or after the date from")
        return cleaned

    def filters(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class VerifyForm(GovukFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="Has the organisation's identity been checked?",
        choices=[
            (Organisation.Verification.VERIFIED, "Yes, it is verified"),
            (Organisation.Verification.REJECTED, "It could not be verified"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the organisation is verified"},
    )
