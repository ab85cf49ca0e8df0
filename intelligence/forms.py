"""Forms of intelligence: an unmet need, a referral's equality monitoring, the provider's
rating of a referral's information; scheduling a survey and answering one."""

from __future__ import annotations

from django import forms

from intelligence import surveys
from intelligence.models import (
    CHARACTERISTICS,
    EqualityMonitoring,
    QualityRating,
    Survey,
    SurveyAudience,
    UnmetNeed,
)
from partnership.forms import GovukDateField, GovukFormMixin
from partnership.models import Pdu, Region, ServiceCategory


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


# Surveys --------------------------------------------------------------------------------------


class SurveyScheduleForm(GovukFormMixin, forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=Survey._meta.get_field("title").max_length,
        help_text="Respondents see this, for example “Gaps in provision, spring 2027”.",
        error_messages={"required": "Enter a title"},
    )
    audience = forms.ChoiceField(
        label="Who is it for?",
        choices=SurveyAudience.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who the survey is for"},
    )
    regions = forms.ModelMultipleChoiceField(
        label="Regions",
        help_text="Select all that apply.",
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select one or more of your regions",
            "invalid_choice": "Select one or more of your regions",
        },
    )
    opens_on = GovukDateField(
        label="Opening date",
        when="today_or_future",
        help_text="Invitations go on this day. For example, 1 3 2027",
    )
    closes_on = GovukDateField(
        label="Closing date",
        when="today_or_future",
        help_text="One reminder goes a few days before. For example, 21 3 2027",
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = regions

    def clean(self):
        data = super().clean()
        opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", "Closing date must be on or after the opening date")
        return data


def _scale(question) -> list[tuple[int, str]]:
    return [
        (value, f"{value}: {label}")
        for value, label in zip(surveys.RATING_VALUES, question.scale, strict=True)
    ]


def _answer_fields(survey: Survey, services) -> tuple[dict[str, forms.Field], list[str]]:
    """The survey's questions as fields, in order, and the names of the confidence ones."""
    categories = [(c.slug, c.name) for c in ServiceCategory.objects.order_by("name")]
    fields: dict[str, forms.Field] = {}
    service_fields = []
    for question in surveys.questions_for(
        audience=survey.audience, version=survey.questions_version
    ):
        if question.kind == "rating":
            fields[question.key] = forms.TypedChoiceField(
                label=question.text,
                help_text=question.hint,
                choices=_scale(question),
                coerce=int,
                widget=forms.RadioSelect,
                required=question.required,
                error_messages={"required": "Select an answer"},
            )
        elif question.kind == "categories":
            fields[question.key] = forms.MultipleChoiceField(
                label=f"{question.text} (optional)",
                help_text=question.hint,
                choices=categories,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
        elif question.kind == "category":
            fields[question.key] = forms.ChoiceField(
                label=f"{question.text} (optional)",
                choices=[("", "Not about one kind of service"), *categories],
                widget=forms.RadioSelect,
                required=False,
            )
        elif question.kind == "text":
            fields[question.key] = forms.CharField(
                label=f"{question.text} (optional)",
                help_text=question.hint,
                max_length=surveys.TEXT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 5}),
                required=False,
            )
        elif question.kind == "services":
            for service in services:
                name = f"confidence_{service.pk}"
                fields[name] = forms.TypedChoiceField(
                    label=f"{service.name}, {service.organisation.name} (optional)",
                    choices=_scale(question),
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=False,
                )
                service_fields.append(name)
    return fields, service_fields


class SurveyAnswerForm(GovukFormMixin, forms.Form):
    """A survey's questions as form fields, from its question set: one page. Confidence in
    each of the practitioner's PDU's services is a field per service."""

    character_count = True

    def __init__(self, *args, survey: Survey, services=(), **kwargs):
        self.base_fields, self.service_fields = _answer_fields(survey, services)
        super().__init__(*args, **kwargs)

    @property
    def question_fields(self):
        return [self[name] for name in self.fields if name not in self.service_fields]

    @property
    def confidence_fields(self):
        return [self[name] for name in self.service_fields]

    def answers(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.service_fields
        }

    def confidence(self) -> dict[int, int]:
        return {
            int(name.removeprefix("confidence_")): self.cleaned_data[name]
            for name in self.service_fields
            if self.cleaned_data.get(name) not in ("", None)
        }
