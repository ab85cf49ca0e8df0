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


class ReferenceSerializer(serializers.Serializer):
    """`{id, name}` of a related object."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class PduSerializer(serializers.ModelSerializer):
    region = RegionSerializer()

    class Meta:
        model = Pdu
        fields = ["id", "name", "region"]


class ComplexityLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplexityLevel
        fields = ["level", "description"]


class DesiredOutcomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DesiredOutcome
        fields = ["id", "description"]


class ServiceCategorySerializer(serializers.ModelSerializer):
    complexity_levels = ComplexityLevelSerializer(many=True)
    desired_outcomes = DesiredOutcomeSerializer(many=True)

    class Meta:
        model = ServiceCategory
        fields = ["id", "slug", "name", "description", "complexity_levels", "desired_outcomes"]


class MeSerializer(serializers.ModelSerializer):
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


class NotificationSerializer(serializers.ModelSerializer):
    unread = serializers.BooleanField(source="is_unread", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at", "unread"]
        read_only_fields = fields
