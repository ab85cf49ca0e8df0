"""Input and output serializers of organisations and services."""

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partnership.api.fields import IdField
from partnership.api.serializers import (
    MULTI_LINE,
    CheckedModelSerializer,
    CheckedSerializer,
    ReferenceSerializer,
)
from partnership.models import Pdu, Region, ServiceCategory
from providers.models import Organisation, Population, Service
from providers.referral_fields import REFERRAL_FIELDS
from providers.services import ORGANISATION_PROFILE_FIELDS


class RegionReferenceSerializer(CheckedSerializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


def _blank_or(format_name: str) -> dict:
    """A string in the format, or empty: what a blank field holds."""
    return {
        "anyOf": [{"type": "string", "format": format_name}, {"type": "string", "maxLength": 0}]
    }


@extend_schema_field(_blank_or("uri"))
class BlankableURLField(serializers.URLField):
    """A web address that may be left empty."""


@extend_schema_field(_blank_or("email"))
class BlankableEmailField(serializers.EmailField):
    """An email address that may be left empty."""


# The profile's optional web and email addresses are empty strings when not given.
PROFILE_FIELD_MAPPING = {
    **serializers.ModelSerializer.serializer_field_mapping,
    models.URLField: BlankableURLField,
    models.EmailField: BlankableEmailField,
}


class OrganisationSerializer(CheckedModelSerializer):
    serializer_field_mapping = PROFILE_FIELD_MAPPING
    head_office_region = RegionReferenceSerializer(allow_null=True)
    size_band = serializers.CharField(read_only=True)
    # Read-only fields built from the model lose `allow_blank`; the legal form may be unknown.
    legal_form = serializers.ChoiceField(
        choices=Organisation.LegalForm.choices, allow_blank=True, read_only=True
    )
    populations_served = serializers.ListField(
        child=serializers.ChoiceField(choices=Population.choices)
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            *ORGANISATION_PROFILE_FIELDS,
            "size_band",
            "verification_status",
            "updated_at",
        ]
        read_only_fields = fields


class OrganisationInputSerializer(CheckedModelSerializer):
    serializer_field_mapping = PROFILE_FIELD_MAPPING
    head_office_region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), allow_null=True, required=False
    )
    populations_served = serializers.ListField(
        child=serializers.ChoiceField(choices=Population.choices), required=False
    )

    class Meta:
        model = Organisation
        fields = ORGANISATION_PROFILE_FIELDS


class ServiceOptionSerializer(CheckedSerializer):
    """A complexity level or desired outcome a referral to the service may choose."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField(help_text="The slug of the category it belongs to")


class ServiceSerializer(CheckedModelSerializer):
    organisation = serializers.SerializerMethodField()
    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    pdus = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    complexity_levels = serializers.SerializerMethodField(
        help_text="The levels a referral to this service may give as `complexity_level`"
    )
    desired_outcomes = serializers.SerializerMethodField(
        help_text="The outcomes a referral to this service may give as `desired_outcomes`"
    )

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "description",
            "organisation",
            "categories",
            "complexity_levels",
            "desired_outcomes",
            "pdus",
            "delivery_settings",
            "delivery_modes",
            "eligible_sex",
            "minimum_age",
            "maximum_age",
            "referral_requirements",
            "monthly_capacity",
            "current_wait_days",
            "status",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ReferenceSerializer)
    def get_organisation(self, service: Service) -> dict:
        return {"id": service.organisation_id, "name": service.organisation.name}

    def _options(self) -> dict:
        """Every category's levels and outcomes, read once for the whole response."""
        root = self.parent if isinstance(self.parent, serializers.ListSerializer) else self
        if not hasattr(root, "_category_options"):
            root._category_options = {
                category.pk: category
                for category in ServiceCategory.objects.prefetch_related(
                    "complexity_levels", "desired_outcomes"
                )
            }
        return root._category_options

    @extend_schema_field(ServiceOptionSerializer(many=True))
    def get_complexity_levels(self, service: Service) -> list[dict]:
        options = self._options()
        return [
            {
                "id": level.pk,
                "name": f"{level.get_level_display()} ({category.name})",
                "description": level.description,
                "category": category.slug,
            }
            for category in (options[c.pk] for c in service.categories.all())
            for level in category.complexity_levels.all()
        ]

    @extend_schema_field(ServiceOptionSerializer(many=True))
    def get_desired_outcomes(self, service: Service) -> list[dict]:
        options = self._options()
        return [
            {
                "id": outcome.pk,
                "name": outcome.description,
                "description": f"{outcome.description} ({category.name})",
                "category": category.slug,
            }
            for category in (options[c.pk] for c in service.categories.all())
            for outcome in category.desired_outcomes.all()
        ]


class ServiceInputSerializer(CheckedSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(style=MULTI_LINE)
    categories = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=ServiceCategory.objects.all(), allow_empty=False
    )
    pdus = IdField(many=True, queryset=Pdu.objects.all(), allow_empty=False)
    delivery_settings = serializers.ListField(
        child=serializers.ChoiceField(choices=Service.Setting.choices), allow_empty=False
    )
    delivery_modes = serializers.ListField(
        child=serializers.ChoiceField(choices=Service.Mode.choices), required=False, default=list
    )
    eligible_sex = serializers.ChoiceField(choices=Service.Sex.choices, default=Service.Sex.ANY)
    minimum_age = serializers.IntegerField(min_value=18, max_value=120, default=18)
    maximum_age = serializers.IntegerField(
        min_value=18, max_value=120, allow_null=True, required=False
    )
    referral_requirements = serializers.ListField(
        child=serializers.ChoiceField(choices=REFERRAL_FIELDS), required=False, default=list
    )
    monthly_capacity = serializers.IntegerField(min_value=0)
    current_wait_days = serializers.IntegerField(min_value=0, default=0)
    status = serializers.ChoiceField(choices=Service.Status.choices, default=Service.Status.ACTIVE)

    def validate(self, attrs):
        minimum = attrs.get("minimum_age", getattr(self.instance, "minimum_age", 18))
        maximum = attrs.get("maximum_age", getattr(self.instance, "maximum_age", None))
        if maximum is not None and minimum is not None and maximum < minimum:
            raise serializers.ValidationError(
                {
                    "maximum_age": [
                        "The maximum age must be the same as or more than the minimum age"
                    ]
                }
            )
        return attrs


class StaffMemberSerializer(CheckedModelSerializer):
    """A member of the organisation's staff, as a provider admin chooses an assignee: only
    staff with current risk-awareness training may be assigned a referral."""

    has_current_risk_training = serializers.BooleanField(read_only=True)
    risk_training_expires_on = serializers.SerializerMethodField(
        help_text="When their latest risk-awareness training expires (null: it does not, or none)"
    )

    class Meta:
        from partnership.models import User

        model = User
        fields = [
            "id",
            "full_name",
            "email",
            "role",
            "is_active",
            "has_current_risk_training",
            "risk_training_expires_on",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_risk_training_expires_on(self, member):
        from providers.models import TrainingRecord

        for record in member.training_records.all():  # newest first (`staff_list_for`)
            if record.kind == TrainingRecord.Kind.RISK_AWARENESS:
                return record.expires_on and record.expires_on.isoformat()
        return None
