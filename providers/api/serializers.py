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


class ServiceSerializer(CheckedModelSerializer):
    organisation = serializers.SerializerMethodField()
    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    pdus = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "description",
            "organisation",
            "categories",
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
