"""Forms for a provider's staff and their training."""

from django import forms

from partnership.forms import GovukDateField, GovukFormMixin
from partnership.models import Role
from providers.models import TrainingRecord


class StaffInviteForm(GovukFormMixin, forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, error_messages={"required": "Enter their full name"}
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[
            (Role.CASEWORKER, "Caseworker: works referrals, records sessions and outcomes"),
            (
                Role.PROVIDER_ADMIN,
                "Admin: also manages the profile, services, staff and funding applications",
            ),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select their role"},
    )


class TrainingRecordForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Training",
        choices=TrainingRecord.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the training completed"},
    )
    description = forms.CharField(
        label="Course or provider (optional)", max_length=200, required=False
    )
    completed_on = GovukDateField(label="Date completed", help_text="For example, 27 3 2026")
    expires_on = GovukDateField(
        label="Expiry date",
        required=False,
        help_text="Leave blank if it does not expire. For example, 27 3 2027",
    )

    def clean(self):
        cleaned = super().clean()
        completed, expires = cleaned.get("completed_on"), cleaned.get("expires_on")
        if completed and expires and expires <= completed:
            self.add_error("expires_on", "The expiry date must be after the date completed")
        from django.utils import timezone

        if completed and completed > timezone.localdate():
            self.add_error("completed_on", "The date completed must be today or in the past")
        return cleaned
