"""Forms of intelligence: an unmet need, a referral's equality monitoring, the provider's
rating of a referral's information."""

from __future__ import annotations

from django import forms

from intelligence.models import CHARACTERISTICS, EqualityMonitoring, QualityRating, UnmetNeed
from partnership.forms import GovukFormMixin
from partnership.models import Pdu, ServiceCategory


class UnmetNeedForm(GovukFormMixin, forms.Form):
    category = forms.ModelChoiceField(
        label="What did the person need?",
        queryset=ServiceCategory.objects.order_by("name"),
        empty_label="Choose a kind of service",
        error_messages={"required": "Select the kind of service the person needed"},
    )
    pdu = forms.ModelChoiceField(
        label="Probation Delivery Unit",
        queryset=Pdu.objects.none(),
        empty_label=None,
        error_messages={"required": "Select your PDU", "invalid_choice": "Select your PDU"},
    )
    reason = forms.ChoiceField(
        label="Why did nothing fit?",
        choices=UnmetNeed.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why nothing suitable was found"},
    )
    age_band = forms.ChoiceField(
        label="Age (optional)",
        choices=[("", "Not known"), *UnmetNeed._meta.get_field("age_band").choices],
        required=False,
    )
    sex = forms.ChoiceField(
        label="Sex (optional)",
        choices=[("", "Not known"), *UnmetNeed.Sex.choices],
        required=False,
    )
    flags = forms.MultipleChoiceField(
        label="Anything else that narrowed the choice (optional)",
        help_text="Select all that apply. Do not record the person's name, CRN or anything else that identifies them.",
        choices=UnmetNeed.Flag.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    source = forms.ChoiceField(
        choices=UnmetNeed.Source.choices, widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args, pdus, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pdu"].queryset = pdus
        self.fields["age_band"].widget.attrs["class"] = "govuk-select"
        self.fields["sex"].widget.attrs["class"] = "govuk-select"


QUESTIONS = {
    "ethnicity": "What is the person's ethnic group? (optional)",
    "sex": "What is the person's sex? (optional)",
    "gender_same_as_sex": "Is the gender the person identifies with the same as their sex registered at birth? (optional)",
    "age_band": "What is the person's age? (optional)",
    "disability": "Does the person have a disability or a long-term physical or mental health condition? (optional)",
    "religion": "What is the person's religion or belief? (optional)",
    "sexual_orientation": "Which best describes the person's sexual orientation? (optional)",
    "care_leaver": "Has the person been in local authority care (a care leaver)? (optional)",
    "veteran": "Has the person served in the UK armed forces (a veteran)? (optional)",
    "caring_responsibilities": "Does the person have caring responsibilities, for children or adults? (optional)",
}


def _question(name: str) -> forms.ChoiceField:
    """An optional question with its answers as the model words them, "prefer not to say"
    among them."""
    return forms.ChoiceField(
        label=QUESTIONS[name],
        choices=EqualityMonitoring._meta.get_field(name).choices,
        widget=forms.RadioSelect,
        required=False,
    )


class EqualityForm(GovukFormMixin, forms.Form):
    """Each question optional, each with "prefer not to say" (`CHARACTERISTICS` order)."""

    ethnicity = _question("ethnicity")
    sex = _question("sex")
    gender_same_as_sex = _question("gender_same_as_sex")
    age_band = _question("age_band")
    disability = _question("disability")
    religion = _question("religion")
    sexual_orientation = _question("sexual_orientation")
    care_leaver = _question("care_leaver")
    veteran = _question("veteran")
    caring_responsibilities = _question("caring_responsibilities")


assert list(EqualityForm.base_fields) == CHARACTERISTICS


class QualityRatingForm(GovukFormMixin, forms.Form):
    rating = forms.ChoiceField(
        label="How complete was the referral's information? (optional)",
        help_text="This helps probation teams see what providers need in a referral.",
        choices=QualityRating.Rating.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    missing = forms.MultipleChoiceField(
        label="What was missing? (optional)",
        help_text="Select all that apply, if the information was not complete.",
        choices=QualityRating.Missing.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def clean(self):
        data = super().clean()
        rating, missing = data.get("rating"), data.get("missing")
        if rating == QualityRating.Rating.COMPLETE and missing:
            self.add_error(
                "missing", "Say what was missing only when the information was not complete"
            )
        elif rating == QualityRating.Rating.MISSING and not missing:
            self.add_error("missing", "Select what was missing")
        elif missing and not rating:
            self.add_error("rating", "Select how complete the referral's information was")
        return data
