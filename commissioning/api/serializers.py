"""Serializers of rounds, lots, applications, assessments and agreements."""

from rest_framework import serializers

from commissioning.models import (
    Agreement,
    Application,
    AssessorAssignment,
    Criterion,
    FundingRound,
    Lot,
)
from partnership.models import Pdu, Region, ServiceCategory


class LotSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=ServiceCategory.objects.all()
    )
    pdus = serializers.PrimaryKeyRelatedField(many=True, queryset=Pdu.objects.all())
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


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "name", "weight"]


class FundingRoundSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    regions = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Region.objects.all()
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


class ApplicationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all())
    pdus = serializers.PrimaryKeyRelatedField(many=True, queryset=Pdu.objects.all(), required=False)

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


class DecisionSerializer(serializers.Serializer):
    successful = serializers.BooleanField()
    feedback = serializers.CharField()


class AssignmentSerializer(serializers.ModelSerializer):
    application = serializers.UUIDField(source="application.public_id", read_only=True)

    class Meta:
        model = AssessorAssignment
        fields = ["id", "application", "conflict_declared_at", "has_conflict", "completed_at"]
        read_only_fields = fields


class DeclarationSerializer(serializers.Serializer):
    has_conflict = serializers.BooleanField()
    details = serializers.CharField(required=False, allow_blank=True, default="")


class ScoreInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    score = serializers.IntegerField(min_value=0, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ScoresSerializer(serializers.Serializer):
    scores = ScoreInputSerializer(many=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AgreementSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    application = serializers.SlugRelatedField(
        slug_field="public_id", queryset=Application.objects.all()
    )
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    break_clause_dates = serializers.ListField(
        child=serializers.DateField(), required=False, default=list
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


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Agreement.Status.choices)
