"""Serializers of unmet need: what a commissioner reads (no characteristics of the person,
which are counted only in groups) and what a practitioner sends; and of surveys, with their
suppressed results."""

from __future__ import annotations

from rest_framework import serializers

from intelligence import figures
from intelligence.models import PartnershipReport, Survey, UnmetNeed
from intelligence.selectors import unmet_need_pdus_for
from partnership.api.fields import ScopedPrimaryKeyRelatedField
from partnership.api.serializers import CheckedModelSerializer, CheckedSerializer
from partnership.models import Pdu, ServiceCategory
from partnership.months import LONDON


class UnmetNeedSerializer(CheckedModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    pdu = serializers.CharField(source="pdu.name", read_only=True)
    region = serializers.CharField(source="pdu.region.code", read_only=True)
    month = serializers.SerializerMethodField(help_text="The month it was recorded, as YYYY-MM")

    class Meta:
        model = UnmetNeed
        fields = ["id", "category", "pdu", "region", "month", "reason", "source"]
        read_only_fields = fields

    def get_month(self, need: UnmetNeed) -> str:
        return need.recorded_at.astimezone(LONDON).strftime("%Y-%m")


class UnmetNeedCreateSerializer(CheckedSerializer):
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=ServiceCategory.objects.all(), help_text="The category's slug"
    )
    pdu = ScopedPrimaryKeyRelatedField(
        queryset=Pdu.objects.all(),
        scope=unmet_need_pdus_for,
        required=False,
        help_text="Your PDU's id (the default: unmet need is recorded for your own PDU)",
    )
    reason = serializers.ChoiceField(choices=UnmetNeed.Reason.choices)
    source = serializers.ChoiceField(
        choices=UnmetNeed.Source.choices, default=UnmetNeed.Source.OTHER
    )
    # Left out when not known.
    age_band = serializers.ChoiceField(
        choices=UnmetNeed._meta.get_field("age_band").choices, required=False
    )
    sex = serializers.ChoiceField(choices=UnmetNeed.Sex.choices, required=False)
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=UnmetNeed.Flag.choices),
        required=False,
        default=list,
        max_length=len(UnmetNeed.Flag.choices),
    )


class SurveySerializer(CheckedModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    status = serializers.ChoiceField(choices=Survey.Status.choices, read_only=True)
    responses = serializers.SerializerMethodField(
        help_text="How many answered, withheld (null) below five"
    )

    class Meta:
        model = Survey
        fields = [
            "id",
            "title",
            "audience",
            "regions",
            "opens_on",
            "closes_on",
            "status",
            "invitations_sent_at",
            "reminder_sent_at",
            "responses",
        ]
        read_only_fields = fields

    def get_responses(self, survey: Survey) -> int | None:
        return figures.published_count(survey.answered)


class SurveyResultsSerializer(SurveySerializer):
    results = serializers.SerializerMethodField(
        help_text="Answers by question, region and category; every figure from fewer than "
        "five answers withheld (null), with the figures that would give it away"
    )

    class Meta(SurveySerializer.Meta):
        fields = [*SurveySerializer.Meta.fields, "results"]
        read_only_fields = fields

    def get_results(self, survey: Survey) -> dict:
        results = figures.survey_results(survey=survey)
        return {
            key: results[key] for key in ("responses", "ratings", "gaps", "free_text", "confidence")
        }


class PartnershipReportSerializer(CheckedModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    figures = serializers.JSONField(
        read_only=True,
        help_text="Each section's title, where its figures come from, its table (columns and "
        "rows) and its chart's bars; null is a figure withheld or not worked out",
    )

    class Meta:
        model = PartnershipReport
        fields = [
            "id",
            "region",
            "period_start",
            "period_end",
            "audience",
            "generated_at",
            "figures",
        ]
        read_only_fields = fields
