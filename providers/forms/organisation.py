"""Forms of the organisation profile and the information-sharing agreement."""

from django import forms

from partnership.forms import GovukFormMixin
from partnership.models import Region
from providers.models import Organisation, Population
from providers.services import ORGANISATION_PROFILE_FIELDS


class OrganisationProfileForm(GovukFormMixin, forms.ModelForm):
    website = forms.URLField(
        label="Website",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a website address, like https://www.example.org"},
    )
    populations_served = forms.MultipleChoiceField(
        label="Populations you specialise in",
        choices=Population.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply",
    )

    class Meta:
        model = Organisation
        fields = ORGANISATION_PROFILE_FIELDS
        labels = {
            "name": "Organisation name",
            "org_id": "Organisation identifier (org-id)",
            "charity_number": "Charity number",
            "company_number": "Company number",
            "legal_form": "Legal form",
            "description": "What your organisation does",
            "website": "Website",
            "email": "Email address for referrals and enquiries",
            "phone": "Phone number",
            "annual_income": "Annual income in pounds",
            "head_office_region": "Region of your head office",
            "reach": "Where you work",
            "lived_experience_led": "The organisation is led by people with lived experience of the justice system",
        }
        help_texts = {
            "annual_income": "From your latest accounts. This sets your organisation's size band."
        }
        widgets = {"reach": forms.RadioSelect, "description": forms.Textarea(attrs={"rows": 5})}
        error_messages = {
            "name": {"required": "Enter the organisation's name"},
            "annual_income": {
                "min_value": "Annual income cannot be negative",
                "invalid": "Enter annual income as a whole number of pounds, like 250000",
            },
            "website": {"invalid": "Enter a website address, like https://www.example.org"},
            "email": {"invalid": "Enter an email address, like name@example.org"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head_office_region"].queryset = Region.objects.order_by("name")
        self.fields["head_office_region"].empty_label = "Not stated"
        self.fields["legal_form"].choices = [("", "Not stated"), *Organisation.LegalForm.choices]
        self.fields["reach"].choices = Organisation.Reach.choices


class AgreementSignForm(GovukFormMixin, forms.Form):
    signatory_name = forms.CharField(
        label="Your full name", max_length=150, error_messages={"required": "Enter your full name"}
    )
    signatory_position = forms.CharField(
        label="Your position in the organisation",
        max_length=150,
        error_messages={"required": "Enter your position in the organisation"},
    )
    confirm = forms.BooleanField(
        label="I have authority to sign for the organisation and agree to this agreement on its behalf",
        error_messages={
            "required": "Confirm that you can sign for the organisation and agree to the agreement"
        },
    )


class VerificationForm(GovukFormMixin, forms.Form):
    verification_status = forms.ChoiceField(
        label="Verification", choices=Organisation.Verification.choices, widget=forms.RadioSelect
    )
