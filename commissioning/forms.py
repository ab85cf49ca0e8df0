"""The forms commissioners, providers and assessors fill in to run a round."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from commissioning.models import Application, FundingRound, Lot, Mechanism
from commissioning.services import questions_for
from partnership.forms import GovukDateField, GovukFormMixin, MoneyField
from partnership.models import CommissioningBody, Pdu, Region, ServiceCategory

LONDON = ZoneInfo("Europe/London")
# Rounds close at midday, London time, so nobody has to work to midnight to meet a deadline.
CLOSING_TIME = datetime.time(12, 0)


def _pounds(label: str, *, required: bool = True, help_text: str = "") -> MoneyField:
    """An amount in whole pounds, shown with a "£" prefix; "£150,000" is taken as typed."""
    return MoneyField(label=f"{label} (£)", required=required, help_text=help_text)


def _whole(label: str, noun: str, *, minimum: int = 0, required: bool = True, **kwargs):
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        required=required,
        error_messages={
            "required": f"Enter {noun}",
            "invalid": f"Enter {noun} as a whole number",
            "min_value": f"{noun[0].upper()}{noun[1:]} must be at least {minimum}",
        },
        **kwargs,
    )


class RoundForm(GovukFormMixin, forms.Form):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title for the round"}
    )
    description = forms.CharField(
        label="What the round is for",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="The needs it meets and who should apply",
    )
    mechanism = forms.ChoiceField(
        label="Grant or contract",
        choices=Mechanism.choices,
        widget=forms.RadioSelect,
        initial=Mechanism.GRANT,
        help_text="Grants suit most voluntary sector services and ask fewer questions",
        error_messages={"required": "Select grant or contract"},
    )
    regions = forms.ModelMultipleChoiceField(
        label="Regions",
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one region"},
    )
    co_funders = forms.ModelMultipleChoiceField(
        label="Co-funders",
        queryset=CommissioningBody.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Other bodies putting money into the round",
    )
    budget = _pounds("Budget")
    consultation_opens_on = GovukDateField(
        label="Consultation opens",
        required=False,
        help_text="When providers can read the draft and comment",
    )
    opens_on = GovukDateField(label="Opens for applications", required=False)
    closes_on = GovukDateField(
        label="Closing date", help_text="Applications close at midday on this date", required=False
    )
    decision_by = GovukDateField(label="Decisions by", required=False)
    minimum_agreement_months = _whole(
        "Minimum agreement length, in months",
        "the minimum agreement length",
        minimum=1,
        initial=24,
        help_text="Shorter agreements will need a recorded reason",
    )
    break_clause_policy = forms.CharField(
        label="Break-clause policy",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="For example, a break clause at 12 months with 3 months' notice",
    )

    def __init__(self, *args, commissioner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = commissioner.commissioning_body.regions.order_by("name")
        self.fields["co_funders"].queryset = CommissioningBody.objects.exclude(
            pk=commissioner.commissioning_body_id
        ).order_by("name")
        self.fields["budget"].widget.attrs["class"] = "govuk-input govuk-input--width-10"
        self.fields["minimum_agreement_months"].widget.attrs["class"] = (
            "govuk-input govuk-input--width-3"
        )

    @classmethod
    def initial_from(cls, funding_round: FundingRound) -> dict:
        closes_at = funding_round.closes_at
        return {
            "title": funding_round.title,
            "description": funding_round.description,
            "mechanism": funding_round.mechanism,
            "regions": list(funding_round.regions.all()),
            "co_funders": list(funding_round.co_funders.all()),
            "budget": funding_round.budget,
            "consultation_opens_on": funding_round.consultation_opens_on,
            "opens_on": funding_round.opens_on,
            "closes_on": closes_at.astimezone(LONDON).date() if closes_at else None,
            "decision_by": funding_round.decision_by,
            "minimum_agreement_months": funding_round.minimum_agreement_months,
            "break_clause_policy": funding_round.break_clause_policy,
        }

    # The service checks the dates' order (`services.round_create`); the page asks for the
    # closing date rather than the moment, and errors about that moment belong to it.
    SERVICE_FIELDS = {"closes_at": "closes_on"}

    def clean(self):
        data = super().clean()
        closes_on = data.get("closes_on")
        # A round closes at midday, so one closing today may already be closed.
        if closes_on and closes_on <= timezone.localdate():
            self.add_error("closes_on", "The closing date must be in the future")
        return data

    def round_data(self) -> dict:
        data = self.cleaned_data
        closes_on = data["closes_on"]
        return {
            "title": data["title"],
            "description": data["description"],
            "mechanism": data["mechanism"],
            "budget": data["budget"],
            "consultation_opens_on": data["consultation_opens_on"],
            "opens_on": data["opens_on"],
            "closes_at": (
                datetime.datetime.combine(closes_on, CLOSING_TIME, tzinfo=LONDON)
                if closes_on
                else None
            ),
            "decision_by": data["decision_by"],
            "minimum_agreement_months": data["minimum_agreement_months"],
            "break_clause_policy": data["break_clause_policy"],
        }


class LotForm(GovukFormMixin, forms.Form):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title for the lot"}
    )
    category = forms.ModelChoiceField(
        label="Category",
        queryset=ServiceCategory.objects.order_by("name"),
        empty_label="Choose a category",
        error_messages={"required": "Select the category of service"},
    )
    pdus = forms.ModelMultipleChoiceField(
        label="Area",
        queryset=Pdu.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The PDUs the service must cover",
        error_messages={"required": "Select at least one PDU"},
    )
    budget = _pounds("Budget")
    expected_monthly_referrals = _whole(
        "Expected referrals a month", "the expected referrals a month", minimum=1
    )
    income_ceiling = _pounds(
        "Income ceiling",
        required=False,
        help_text="To ring-fence the lot for smaller organisations: only those with a lower "
        "annual income may apply. Leave empty for no ring-fence.",
    )

    def __init__(self, *args, funding_round: FundingRound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pdus"].queryset = Pdu.objects.filter(
            region__in=funding_round.regions.all()
        ).order_by("name")
        for name in ("budget", "income_ceiling", "expected_monthly_referrals"):
            self.fields[name].widget.attrs["class"] = "govuk-input govuk-input--width-10"


def lot_initial_from(query, *, funding_round: FundingRound) -> dict:
    """A new lot's starting answers from where it was started (an unmet need): `?category=`
    a category's slug, `?region=` a region's code among the round's, whose PDUs it covers."""
    initial = {}
    category = ServiceCategory.objects.filter(slug=query.get("category", "")).first()
    region = funding_round.regions.filter(code=query.get("region", "")).first()
    if category:
        initial["category"] = category
    if region:
        initial["pdus"] = list(Pdu.objects.filter(region=region))
    if category and region:
        initial["title"] = f"{category.name} – {region.name}"
    return initial


class CriterionForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label="Criterion",
        max_length=200,
        help_text="For example, understanding of the needs of people on probation",
        error_messages={"required": "Enter the criterion"},
    )
    weight = _whole("Weight", "the weight", minimum=1, max_value=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weight"].error_messages["max_value"] = "The weight must be 100 or less"
        self.fields["weight"].widget.attrs["class"] = "govuk-input govuk-input--width-3"


class CommentForm(GovukFormMixin, forms.Form):
    text = forms.CharField(
        label="Your comment on the draft round",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text="The commissioners read every comment before the round opens",
        error_messages={"required": "Enter your comment"},
    )


QUESTIONS = ["approach", "experience", "outcomes"]
WHOLE_NUMBER = {"invalid": "Enter a whole number"}


class ApplicationForm(GovukFormMixin, forms.ModelForm):
    """Only what the profile does not already say, and fewer questions for a grant."""

    amount_requested = MoneyField(label="Amount you are asking for (£)", required=False)
    staff_training_budget = MoneyField(
        label="Staff training in your budget (£)",
        required=False,
        help_text="What you will spend on training staff, including risk training, as a line "
        "of your budget",
    )

    pdus = forms.ModelMultipleChoiceField(
        label="PDUs you will cover",
        queryset=Pdu.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Application
        fields = [
            *QUESTIONS,
            "amount_requested",
            "proposed_monthly_capacity",
            "staff_training_budget",
        ]
        labels = {
            "approach": "How will you deliver the service?",
            "experience": "What is your experience of similar work?",
            "outcomes": "What difference will it make?",
            "proposed_monthly_capacity": "Referrals you can take each month",
        }
        help_texts = {
            "approach": "Who you will work with and how",
            "experience": "",
            "outcomes": "The outcomes you expect for people",
        }
        widgets = {name: forms.Textarea(attrs={"rows": 6}) for name in QUESTIONS}
        error_messages = {
            "proposed_monthly_capacity": WHOLE_NUMBER,
        }

    def __init__(self, *args, lot: Lot, **kwargs):
        super().__init__(*args, **kwargs)
        asked = questions_for(lot.funding_round.mechanism)
        for name in QUESTIONS:
            if name not in asked:
                del self.fields[name]
        self.fields["pdus"].queryset = lot.pdus.order_by("name")
        if self.instance.pk:
            self.initial["pdus"] = list(self.instance.pdus.all())


class DeclarationForm(GovukFormMixin, forms.Form):
    # The details show, and are asked for, only with "Yes"; "No" clears anything typed.
    reveals = {"has_conflict": ("yes", {"details": "Describe the conflict of interest"})}
    character_count = True
    has_conflict = forms.TypedChoiceField(
        label="Do you have a conflict of interest with this applicant?",
        choices=[("no", "No"), ("yes", "Yes")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text="For example, you work for, volunteer with or are related to someone at the "
        "organisation, or you have a financial interest in it",
        error_messages={"required": "Select yes if you have a conflict of interest"},
    )
    details = forms.CharField(
        label="Describe the conflict",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


# What each score means, for assessors: the radios' labels and the table on the scoring page.
SCORE_DESCRIPTORS = (
    (0, "No evidence", "The answer does not address the criterion, or gives no evidence for it"),
    (1, "Poor", "Little evidence; major gaps or doubts about whether it can be delivered"),
    (2, "Weak", "Some evidence, but with significant gaps or weaknesses"),
    (3, "Satisfactory", "Meets the criterion with adequate evidence; minor gaps"),
    (4, "Good", "Clear, specific evidence that the criterion will be met well"),
    (5, "Excellent", "Compelling evidence, with a track record, that it will be met in full"),
)
SCORE_CHOICES = [(str(score), f"{score} – {name}") for score, name, _ in SCORE_DESCRIPTORS]


class ScoresForm(GovukFormMixin, forms.Form):
    """A 0–5 score and a comment for each of the round's criteria."""

    score_descriptors = SCORE_DESCRIPTORS

    comment = forms.CharField(
        label="Overall comment",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args, criteria, existing: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            score, note = existing.get(criterion.pk, (None, ""))
            self.fields[f"score_{criterion.pk}"] = forms.ChoiceField(
                label=f"{criterion.name} (weight {criterion.weight})",
                choices=SCORE_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
                initial=None if score is None else str(score),
                help_text="From 0, no evidence, to 5, excellent: see what each score means",
                error_messages={"required": f"Score ‘{criterion.name}’ from 0 to 5"},
            )
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                label=f"Comment on {criterion.name[0].lower()}{criterion.name[1:]}",
                widget=forms.Textarea(attrs={"rows": 2, "class": "govuk-textarea"}),
                required=False,
                initial=note,
            )
        self.order_fields([*(n for n in self.fields if n != "comment"), "comment"])

    def scores(self) -> dict[int, tuple[int, str]]:
        return {
            c.pk: (int(self.cleaned_data[f"score_{c.pk}"]), self.cleaned_data[f"note_{c.pk}"])
            for c in self.criteria
        }


class DecisionForm(GovukFormMixin, forms.Form):
    successful = forms.TypedChoiceField(
        label="Decision",
        choices=[("yes", "Successful"), ("no", "Unsuccessful")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select successful or unsuccessful"},
    )
    feedback = forms.CharField(
        label="Feedback to the applicant",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Every applicant is told why, whatever the decision",
        error_messages={"required": "Give the applicant feedback"},
    )


class AssignForm(GovukFormMixin, forms.Form):
    assessor = forms.ModelChoiceField(
        label="Assessor",
        queryset=None,
        empty_label="Choose an assessor",
        error_messages={"required": "Choose an assessor"},
    )

    def __init__(self, *args, assessors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = assessors
        self.fields["assessor"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.email} ({user.commissioning_body})"
        )


class AgreementForm(GovukFormMixin, forms.Form):
    value = _pounds("Value")
    starts_on = GovukDateField(label="Start date")
    ends_on = GovukDateField(label="End date")
    break_clause_on = GovukDateField(
        label="Break-clause date", required=False, help_text="Leave empty if there is none"
    )
    justification = forms.CharField(
        label="Justification",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Needed if the term is shorter than the round's minimum or there is no break "
        "clause",
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.services = list(services)
        for service in self.services:
            self.fields[f"service_{service.pk}"] = _whole(
                f"Contracted referrals a month to {service.name}",
                f"the referrals a month to {service.name}",
                required=False,
                help_text="Leave empty if the agreement does not fund this service",
            )
            self.fields[f"service_{service.pk}"].widget.attrs["class"] = (
                "govuk-input govuk-input--width-4"
            )

    def clean(self):
        data = super().clean()
        if not any(data.get(f"service_{s.pk}") for s in self.services):
            raise forms.ValidationError(
                "Enter the contracted referrals a month for at least one service"
            )
        return data

    def funded(self) -> dict:
        return {
            s: self.cleaned_data[f"service_{s.pk}"]
            for s in self.services
            if self.cleaned_data.get(f"service_{s.pk}")
        }


class StepForm(GovukFormMixin, forms.Form):
    """Confirms a round's step; closing applications before the closing date asks why."""

    reason = forms.CharField(
        label="Why are you closing applications early?",
        help_text="This is kept on the round's history",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args, ask_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if ask_reason:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = (
                "Give the reason for closing applications before the closing date"
            )
        else:
            del self.fields["reason"]
