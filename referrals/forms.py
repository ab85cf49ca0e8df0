"""The referral's sections as GOV.UK forms, and the provider's decisions."""

from django import forms

from partnership.forms import GovukDateField, GovukFormMixin
from partnership.models import ComplexityLevel, DesiredOutcome, User
from referrals import validation
from referrals.models import (
    Concern,
    DeclineReason,
    EndOfServiceReport,
    OutcomeResult,
    Referral,
    RiskInformation,
    RoshLevel,
    Session,
    WithdrawReason,
)
from referrals.services import PERSON_FIELDS, RISK_FIELDS


class AmendmentMixin:
    """After sending, every change says why."""

    def __init__(self, *args, needs_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_reason:
            self.fields["amendment_reason"] = forms.CharField(
                label="Why are you changing this referral?",
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={
                    "required": "Say why you are changing a referral that has been sent"
                },
            )
            self.fields["amendment_reason"].widget.attrs["class"] = "govuk-textarea"


class StartForm(GovukFormMixin, forms.Form):
    crn = forms.CharField(
        label="Case reference number (CRN)",
        max_length=7,
        help_text="A letter followed by 6 numbers, like X123456",
        error_messages={"required": "Enter the person's CRN"},
    )

    def clean_crn(self):
        import re

        crn = self.cleaned_data["crn"].strip().upper()
        if not re.fullmatch(r"[A-Z][0-9]{6}", crn):
            raise forms.ValidationError("Enter a CRN in the correct format, like X123456")
        return crn


PHONE_MESSAGE = validation.PHONE_MESSAGE


class SectionForm(AmendmentMixin, GovukFormMixin, forms.ModelForm):
    """A section of the referral: long text boxes count their characters. The referral's
    rules are `referrals.validation`'s, which the services keep: the form asks them too, to
    list every problem at once, each on its field (one message a field)."""

    character_count = True

    @property
    def is_new(self) -> bool:
        """Not sent yet (a draft, or returned for more information)."""
        referral = getattr(self.instance, "referral", self.instance)
        return referral.status in ("draft", "returned")

    def rule_errors(self, data: dict) -> dict[str, str]:
        return validation.referral_errors(self.instance, data)

    def clean(self):
        cleaned = super().clean()
        data = {name: cleaned[name] for name in self._meta.fields if name in cleaned}
        for controller, (_, revealed) in self.reveals.items():
            if controller not in cleaned:
                # Unanswered or invalid: whether they are asked is not known yet.
                for name in revealed:
                    data.pop(name, None)
        for name, message in self.rule_errors(data).items():
            if name in self.fields and name not in self._errors:
                self.add_error(name, message)
        return self.cleaned_data


class PersonForm(SectionForm):
    date_of_birth = GovukDateField(
        label="Date of birth",
        required=False,
        help_text="For example, 27 3 1990",
        # Before the page's bound (1900 to today), so a date to come says it must be past.
        validators=[validation.born_in_the_past],
    )
    expected_release_date = GovukDateField(
        label="Expected release date", required=False, help_text="For example, 14 9 2026"
    )
    # Shown in custody, cleared otherwise; what they need is `validation.CUSTODY_FIELDS`.
    reveals = {"setting": (Referral.Setting.CUSTODY, dict.fromkeys(validation.CUSTODY_FIELDS, ""))}

    class Meta:
        model = Referral
        # The person's details less the CRN, which is set when the referral starts.
        fields = [name for name in PERSON_FIELDS if name != "crn"]
        labels = {
            "first_name": "First name",
            "last_name": "Last name",
            "sex": "Sex",
            "phone": "Phone number",
            "address": "Address",
            "setting": "Where is the person now?",
            "prison": "Prison",
        }
        help_texts = {"phone": "For international numbers include the country code"}
        widgets = {
            "sex": forms.RadioSelect,
            "setting": forms.RadioSelect,
            "address": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sex"].choices = Referral.Sex.choices
        self.fields["sex"].required = False
        self.fields["setting"].choices = Referral.Setting.choices
        self.fields["setting"].error_messages["required"] = "Select where the person is now"
        self.fields["phone"].widget.attrs.update({"type": "tel", "autocomplete": "off"})


class SentenceForm(SectionForm):
    sentence_end_date = GovukDateField(
        label="Sentence end date", required=False, help_text="For example, 14 9 2027"
    )

    class Meta:
        model = Referral
        fields = ["sentence_type", "sentence_end_date", "rar_days"]
        labels = {
            "sentence_type": "Sentence type",
            "rar_days": "Rehabilitation activity requirement (RAR) days (optional)",
        }
        help_texts = {
            "sentence_type": "For example, community order or licence",
            "rar_days": "The most days of rehabilitation activity the sentence allows",
        }
        error_messages = {
            "rar_days": {
                "invalid": "Enter the RAR days as a whole number, like 20",
                "min_value": "RAR days must be 0 or more",
                "max_value": "RAR days must be 32,767 or fewer",
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rar_days"].widget.attrs["class"] += " govuk-input--width-4"


class NeedsForm(SectionForm):
    complexity_level = forms.ModelChoiceField(
        label="Complexity level",
        queryset=ComplexityLevel.objects.none(),
        widget=forms.RadioSelect,
        required=False,
        empty_label=None,
    )
    desired_outcomes = forms.ModelMultipleChoiceField(
        label="Desired outcomes",
        queryset=DesiredOutcome.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Referral
        fields = [
            "complexity_level",
            "desired_outcomes",
            "reason",
            "accessibility_needs",
            "interpreter_language",
            "availability",
            "consent_basis",
        ]
        labels = {
            "reason": "Reason for the referral",
            "accessibility_needs": "Accessibility needs (optional)",
            "interpreter_language": "Language an interpreter is needed for (optional)",
            "availability": "When is the person available? (optional)",
            "consent_basis": "Basis for sharing the person's information",
        }
        help_texts = {
            "reason": "What the person needs from this service and why now. At least 40 characters.",
            "availability": "Days and times, and anything that limits them, such as work, "
            "childcare, appointments or a curfew",
        }
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 5}),
            "accessibility_needs": forms.Textarea(attrs={"rows": 2}),
            "availability": forms.Textarea(attrs={"rows": 2}),
            "consent_basis": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = self.instance.service.categories.all()
        self.fields["complexity_level"].queryset = ComplexityLevel.objects.filter(
            category__in=categories
        ).select_related("category")
        self.fields["complexity_level"].label_from_instance = lambda level: (
            f"{level.category.name}: {level.get_level_display()}. {level.description}"
        )
        self.fields["desired_outcomes"].queryset = DesiredOutcome.objects.filter(
            category__in=categories
        )
        self.fields["consent_basis"].choices = Referral.ConsentBasis.choices
        self.fields["consent_basis"].required = False


ROSH_FIELDS = ["rosh_children", "rosh_public", "rosh_known_adult", "rosh_staff"]


class RiskForm(SectionForm):
    last_assessed_on = GovukDateField(
        label="Date of the last risk assessment",
        required=False,
        help_text="The date of the current OASys or risk of serious harm assessment, "
        "for example, 27 3 2026",
    )

    class Meta:
        model = RiskInformation
        fields = RISK_FIELDS
        labels = {
            "rosh_children": "Risk of serious harm to children",
            "rosh_public": "Risk of serious harm to the public",
            "rosh_known_adult": "Risk of serious harm to a known adult",
            "rosh_staff": "Risk of serious harm to staff",
            "summary": "Summary of risks",
            "risk_to_self": "Risk to self",
            "staff_safety": "What provider staff must know to stay safe",
        }
        help_texts = {
            "rosh_children": "As in the current risk of serious harm (RoSH) assessment",
            "rosh_public": "As in the current risk of serious harm (RoSH) assessment",
            "rosh_known_adult": "A partner, family member or other person the assessment names",
            "rosh_staff": "Including the provider's staff who will work with the person",
            "summary": "Who is at risk, from what, and when the risk is greatest",
            "risk_to_self": "Self-harm, suicide or vulnerability, and what helps",
            "staff_safety": "For example, do not visit alone, meet in a public place, "
            "or people the person must not meet",
        }
        widgets = {name: forms.RadioSelect for name in ROSH_FIELDS} | {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "risk_to_self": forms.Textarea(attrs={"rows": 3}),
            "staff_safety": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ROSH_FIELDS:
            self.fields[name].choices = RoshLevel.choices
            self.fields[name].required = False

    def rule_errors(self, data: dict) -> dict[str, str]:
        return validation.risk_errors(data)


class DocumentForm(GovukFormMixin, forms.Form):
    file = forms.FileField(
        label="Upload a risk document",
        help_text="PDF, Word (DOCX), OpenDocument text (ODT), JPEG or PNG, smaller than 10 MB",
        error_messages={
            "required": "Choose a file to upload",
            "empty": "The selected file is empty",
        },
    )


class ConfirmForm(GovukFormMixin, forms.Form):
    """A decision that asks nothing but a confirmation; a refusal goes on its error summary."""


class ReturnForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="What information is missing?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what information is missing"},
    )


class DeclineForm(GovukFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label="Why are you declining?",
        choices=DeclineReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a reason for declining"},
    )
    note = forms.CharField(
        label="Details (optional)",
        help_text="Needed if the reason is other",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(GovukFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label="Why are you withdrawing?",
        choices=WithdrawReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a reason for withdrawing"},
    )
    note = forms.CharField(
        label="Details (optional)",
        help_text="Needed if the reason is other",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AssignForm(GovukFormMixin, forms.Form):
    """The receiving organisation's active staff, each marked with whether they hold
    current risk awareness training (`trained`); the service says who may be assigned."""

    caseworker = forms.ModelChoiceField(
        label="Who will work with the person?",
        queryset=User.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select who will work with the person",
            "invalid_choice": "Select a member of your organisation's staff",
        },
    )

    def __init__(self, *args, organisation_id=None, **kwargs):
        from django.db.models import Exists, OuterRef

        from providers.rules import current_risk_training_q

        super().__init__(*args, **kwargs)
        trained = User.objects.filter(current_risk_training_q(), pk=OuterRef("pk"))
        self.fields["caseworker"].queryset = (
            User.objects.filter(organisation_id=organisation_id, is_active=True)
            .annotate(trained=Exists(trained))
            .order_by("full_name", "pk")
        )
        self.fields["caseworker"].label_from_instance = lambda user: user.full_name


class SessionForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="What was it?",
        choices=Session.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of contact it was"},
    )
    held_on = GovukDateField(label="Date of the session", help_text="For example, 27 3 2026")
    mode = forms.ChoiceField(
        label="How",
        choices=Session.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how it was held"},
    )
    attendance = forms.ChoiceField(
        label="Attendance",
        choices=Session.Attendance.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the person attended"},
    )
    engagement_notes = forms.CharField(
        label="How the person engaged (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SessionCorrectionForm(SessionForm):
    """A recorded session, prefilled, with why it is being corrected."""

    reason = forms.CharField(
        label="Why are you correcting this session?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why you are correcting the session"},
    )

    @classmethod
    def for_session(cls, session, data=None):
        return cls(
            data,
            initial={
                "kind": session.kind,
                "held_on": session.held_on,
                "mode": session.mode,
                "attendance": session.attendance,
                "engagement_notes": session.engagement_notes,
            },
        )


class ConcernForm(GovukFormMixin, forms.Form):
    urgency = forms.ChoiceField(
        label="How urgent is it?",
        widget=forms.RadioSelect,
        choices=[
            (Concern.Urgency.URGENT, "Urgent: the practitioner needs to act now"),
            (Concern.Urgency.ROUTINE, "Routine"),
        ],
        error_messages={"required": "Select how urgent the concern is"},
    )
    what_happened = forms.CharField(
        label="What happened?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what happened"},
    )
    actions_taken = forms.CharField(
        label="What have you done about it? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportForm(GovukFormMixin, forms.Form):
    """One achieved / partly / not achieved choice and a comment per desired outcome."""

    closing_reason = forms.ChoiceField(
        label="Why did the service end?",
        choices=EndOfServiceReport.ClosingReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the service ended"},
    )
    summary = forms.CharField(
        label="Overall summary",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write an overall summary"},
    )

    def __init__(self, *args, outcomes=(), **kwargs):
        self.outcome_list = list(outcomes)
        super().__init__(*args, **kwargs)
        for outcome in self.outcome_list:
            result = forms.ChoiceField(
                label=outcome.description,
                choices=OutcomeResult.Result.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Say whether ‘{outcome.description}’ was achieved"},
            )
            result.widget.attrs["class"] = "govuk-radios__input"
            self.fields[f"outcome_{outcome.pk}"] = result
            comment = forms.CharField(
                label=f"Comment on ‘{outcome.description}’ (optional)",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "class": "govuk-textarea"}),
            )
            self.fields[f"comment_{outcome.pk}"] = comment
        self.order_fields(
            [
                *[f for o in self.outcome_list for f in (f"outcome_{o.pk}", f"comment_{o.pk}")],
                "closing_reason",
                "summary",
            ]
        )

    def outcome_results(self) -> dict[int, tuple[str, str]]:
        return {
            o.pk: (
                self.cleaned_data[f"outcome_{o.pk}"],
                self.cleaned_data.get(f"comment_{o.pk}", ""),
            )
            for o in self.outcome_list
        }
