"""Serializers of rounds, lots, applications, assessments and agreements."""

from django.utils import timezone
from rest_framework import serializers
from rest_framework.fields import empty

from commissioning import selectors
from commissioning.models import (
    Agreement,
    Application,
    AssessorAssignment,
    Criterion,
    FundingRound,
    Lot,
)
from commissioning.selectors import lot_list_visible_to
from commissioning.trends import LONDON
from partnership.api.fields import IdField, ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField
from partnership.api.serializers import (
    MULTI_LINE,
    CheckedModelSerializer,
    CheckedSerializer,
)
from partnership.models import Pdu, Region, ServiceCategory
from partnership.validators import within_page_years


def _in_page_years(*names: str) -> dict:
    return {name: {"validators": [within_page_years]} for name in names}


class LotSerializer(CheckedModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=ServiceCategory.objects.all()
    )
    pdus = IdField(many=True, queryset=Pdu.objects.all())
    funding_round = serializers.UUIDField(source="funding_round.public_id", read_only=True)

    class Meta:
        model = Lot
        fields = [
            "id",
            "funding_round",
            "title",
            "category",
            "pdus",
            "budget",
            "expected_monthly_referrals",
            "income_ceiling",
        ]


class LotInputSerializer(LotSerializer):
    funding_round = serializers.UUIDField(help_text="The id of the round to add the lot to")


class StepSerializer(CheckedSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why applications close before the closing date (kept on the round's history)",
        style=MULTI_LINE,
    )


class CriterionSerializer(CheckedModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "name", "weight"]


class FundingRoundSerializer(CheckedModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    regions = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=Region.objects.all(),
        allow_empty=False,
        error_messages={"empty": "Select at least one region"},
    )
    lead_body = serializers.CharField(source="lead_body.name", read_only=True)
    lots = LotSerializer(many=True, read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = FundingRound
        fields = [
            "id",
            "title",
            "description",
            "mechanism",
            "lead_body",
            "regions",
            "budget",
            "consultation_opens_on",
            "opens_on",
            "closes_at",
            "decision_by",
            "minimum_agreement_months",
            "break_clause_policy",
            "status",
            "lots",
            "criteria",
            "created_at",
        ]
        read_only_fields = ["status", "created_at"]
        extra_kwargs = _in_page_years(
            "consultation_opens_on", "opens_on", "closes_at", "decision_by"
        )


class ApplicationSerializer(CheckedModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    lot = ScopedPrimaryKeyRelatedField(queryset=Lot.objects.all(), scope=lot_list_visible_to)
    pdus = IdField(many=True, queryset=Pdu.objects.all(), required=False)

    class Meta:
        model = Application
        fields = [
            "id",
            "lot",
            "organisation",
            "approach",
            "experience",
            "outcomes",
            "amount_requested",
            "proposed_monthly_capacity",
            "pdus",
            "staff_training_budget",
            "status",
            "feedback",
            "submitted_at",
        ]
        read_only_fields = ["status", "feedback", "submitted_at"]


class AnsweredBooleanField(serializers.BooleanField):
    """A yes or no that must be given. In a form body DRF reads a missing box as false, which
    would let leaving the answer out declare no conflict or turn an applicant down."""

    default_empty_html = empty


class DecisionSerializer(CheckedSerializer):
    successful = AnsweredBooleanField()
    feedback = serializers.CharField(style=MULTI_LINE)


class AssignmentSerializer(CheckedModelSerializer):
    application = serializers.UUIDField(source="application.public_id", read_only=True)

    class Meta:
        model = AssessorAssignment
        fields = ["id", "application", "conflict_declared_at", "has_conflict", "completed_at"]
        read_only_fields = fields


class DeclarationSerializer(CheckedSerializer):
    has_conflict = AnsweredBooleanField()
    details = serializers.CharField(style=MULTI_LINE, required=False, allow_blank=True, default="")


class ScoreInputSerializer(CheckedSerializer):
    criterion = serializers.IntegerField()
    score = serializers.IntegerField(min_value=0, max_value=5)
    comment = serializers.CharField(style=MULTI_LINE, required=False, allow_blank=True, default="")


class ScoresSerializer(CheckedSerializer):
    scores = ScoreInputSerializer(many=True)
    comment = serializers.CharField(style=MULTI_LINE, required=False, allow_blank=True, default="")


class AgreementSerializer(CheckedModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    application = ScopedSlugRelatedField(
        slug_field="public_id",
        queryset=Application.objects.all(),
        scope=selectors.application_list_visible_to,
    )
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    break_clause_dates = serializers.ListField(
        child=serializers.DateField(validators=[within_page_years]),
        required=False,
        default=list,
    )

    class Meta:
        model = Agreement
        fields = [
            "id",
            "application",
            "organisation",
            "mechanism",
            "value",
            "starts_on",
            "ends_on",
            "break_clause_dates",
            "justification",
            "status",
        ]
        read_only_fields = ["mechanism", "status"]
        extra_kwargs = _in_page_years("starts_on", "ends_on")


class StatusSerializer(CheckedSerializer):
    status = serializers.ChoiceField(choices=Agreement.Status.choices)


class MarketHealthQuerySerializer(CheckedSerializer):
    """The filters of the market-health trends: a region and a span of years."""

    MAX_YEARS = 20

    region = serializers.CharField(
        required=False,
        max_length=4,
        help_text="The code of one of your commissioning body's regions, such as L",
    )
    from_year = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="First calendar year; four years before `to_year` if left out",
    )
    to_year = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="Last calendar year; this year if left out",
    )

    def validate(self, attrs):
        to_year = attrs.get("to_year") or timezone.localdate(timezone=LONDON).year
        from_year = attrs.get("from_year") or to_year - 4
        if from_year > to_year:
            raise serializers.ValidationError({"from_year": ["Give a year no later than to_year"]})
        if to_year - from_year >= self.MAX_YEARS:
            raise serializers.ValidationError(
                {"from_year": [f"Ask for at most {self.MAX_YEARS} years at a time"]}
            )
        return {**attrs, "from_year": from_year, "to_year": to_year}


def _percent(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=100,
        coerce_to_string=False,
        help_text=help_text,
    )


class MarketTrendSerializer(CheckedSerializer):
    """One region's year of rounds awarded or closed (dated by when applications closed)."""

    region = serializers.CharField()
    region_code = serializers.CharField()
    year = serializers.IntegerField()
    rounds = serializers.IntegerField()
    lots = serializers.IntegerField()
    lots_with_one_bidder_or_none = serializers.IntegerField()
    share_of_lots_with_one_bidder_or_none = _percent("Percent of lots")
    total_awarded = serializers.IntegerField(help_text="Pounds")
    awarded_by_size_band = serializers.DictField(
        child=_percent("Percent of the total"),
        help_text="Percent of the total by the recipients' size band; bands with none left out",
    )
    awarded_to_local = _percent("Percent of the total")
    awarded_to_national = _percent("Percent of the total")
    awarded_to_largest_six = _percent("Percent of the total to the six largest recipients")
    hhi = serializers.IntegerField(
        min_value=0, max_value=10_000, help_text="Herfindahl–Hirschman index of the recipients"
    )
    grants_awarded = serializers.IntegerField(help_text="Pounds")
    contracts_awarded = serializers.IntegerField(help_text="Pounds")


class MarketTrendListSerializer(CheckedSerializer):
    results = MarketTrendSerializer(many=True)
