"""Output serializers for the shared resources."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partnership.models import (
    ComplexityLevel,
    DesiredOutcome,
    Notification,
    Pdu,
    Region,
    ServiceCategory,
    User,
)
from partnership.validators import multi_line, single_line

# How a declared field says it holds several lines, as DRF marks a model's TextField.
MULTI_LINE = {"base_template": "textarea.html"}


class CheckedTextMixin:
    """Text fields refuse control characters: all of them on one line, all but line breaks
    and tabs in text of several lines (a `textarea` field, as DRF marks a model's TextField).
    Every serializer that takes input mixes this in (a test checks)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if isinstance(field, serializers.CharField) and not field.read_only:
                multiline = field.style.get("base_template") == MULTI_LINE["base_template"]
                field.validators.append(multi_line if multiline else single_line)
        return fields


class CheckedSerializer(CheckedTextMixin, serializers.Serializer):
    pass


class CheckedModelSerializer(CheckedTextMixin, serializers.ModelSerializer):
    pass


class ReferenceSerializer(CheckedSerializer):
    """`{id, name}` of a related object."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class RegionSerializer(CheckedModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class PduSerializer(CheckedModelSerializer):
    region = RegionSerializer()

    class Meta:
        model = Pdu
        fields = ["id", "name", "region"]


class ComplexityLevelSerializer(CheckedModelSerializer):
    class Meta:
        model = ComplexityLevel
        fields = ["level", "description"]


class DesiredOutcomeSerializer(CheckedModelSerializer):
    class Meta:
        model = DesiredOutcome
        fields = ["id", "description"]


class ServiceCategorySerializer(CheckedModelSerializer):
    complexity_levels = ComplexityLevelSerializer(many=True)
    desired_outcomes = DesiredOutcomeSerializer(many=True)

    class Meta:
        model = ServiceCategory
        fields = ["id", "slug", "name", "description", "complexity_levels", "desired_outcomes"]


class MeSerializer(CheckedModelSerializer):
    pdu = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()
    commissioning_body = serializers.SerializerMethodField()
    regions = serializers.SerializerMethodField()
    token_scope = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "role",
            "pdu",
            "organisation",
            "commissioning_body",
            "regions",
            "token_scope",
        ]

    @staticmethod
    def _reference(obj) -> dict | None:
        return {"id": obj.pk, "name": str(obj)} if obj is not None else None

    @extend_schema_field(ReferenceSerializer(allow_null=True))
    def get_pdu(self, user: User):
        return self._reference(user.pdu)

    @extend_schema_field(ReferenceSerializer(allow_null=True))
    def get_organisation(self, user: User):
        return self._reference(user.organisation)

    @extend_schema_field(ReferenceSerializer(allow_null=True))
    def get_commissioning_body(self, user: User):
        return self._reference(user.commissioning_body)

    @extend_schema_field(RegionSerializer(many=True))
    def get_regions(self, user: User):
        """The regions a commissioner or assessor works in; a practitioner's PDU's region."""
        if user.commissioning_body_id:
            return RegionSerializer(user.commissioning_body.regions.all(), many=True).data
        if user.pdu_id:
            return [RegionSerializer(user.pdu.region).data]
        return []

    @extend_schema_field(serializers.ChoiceField(choices=["read", "write", "session"]))
    def get_token_scope(self, user: User) -> str:
        token = getattr(self.context.get("request"), "auth", None)
        return getattr(token, "scope", "session")


class NotificationSerializer(CheckedModelSerializer):
    unread = serializers.BooleanField(source="is_unread", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at", "unread"]
        read_only_fields = fields
