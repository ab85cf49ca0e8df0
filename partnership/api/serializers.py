"""Output serializers for the shared resources."""

from collections.abc import Mapping

from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partnership.api.fields import IdField
from partnership.models import (
    ComplexityLevel,
    DesiredOutcome,
    Pdu,
    Region,
    ServiceCategory,
    User,
)
from partnership.validators import (
    INTEGER_MAX,
    LINE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    date_range_validator,
    multi_line,
    single_line,
    too_long,
)

# How a declared field says it holds several lines, as DRF marks a model's TextField.
MULTI_LINE = {"base_template": "textarea.html"}


class CheckedTextMixin:
    """Every field that takes input is bounded, so that nothing a client sends reaches the
    database unchecked. Text refuses control characters (all of them on one line, all but
    line breaks and tabs in text of several lines, a `textarea` field as DRF marks a model's
    TextField) and has a length: its column's, or `TEXT_MAX_LENGTH` for several lines and
    `LINE_MAX_LENGTH` for one. Whole numbers fit an integer column, dates are in the years
    the pages take (a date of birth from 1900 to today), and related objects are named by
    whole-number ids (`IdField`). Every serializer that takes input mixes this in (a test
    checks)."""

    serializer_related_field = IdField

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if not field.read_only:
                bound_input(name, field)
        return fields

    def to_internal_value(self, data):
        # Counted before any item is read: each id of a list is a query of its own.
        if isinstance(data, Mapping) and not isinstance(data, QueryDict):
            too_many = {
                name: [f"Give at most {LIST_MAX_ITEMS:,} items"]
                for name, field in self.fields.items()
                if isinstance(field, LISTS)
                and not field.read_only
                and isinstance(data.get(name), list)
                and len(data[name]) > LIST_MAX_ITEMS
            }
            if too_many:
                raise serializers.ValidationError(too_many)
        return super().to_internal_value(data)


# Fields that take a list; none holds more than LIST_MAX_ITEMS (108 PDUs is the most any needs).
LISTS = (serializers.ListField, serializers.ManyRelatedField, serializers.ListSerializer)
LIST_MAX_ITEMS = 1000


def bound_input(name: str, field: serializers.Field) -> None:
    """Give a writable field the bounds it does not declare itself."""
    if isinstance(field, serializers.ListField):
        bound_input(name, field.child)
    elif isinstance(field, serializers.CharField):
        multiline = field.style.get("base_template") == MULTI_LINE["base_template"]
        field.validators.append(multi_line if multiline else single_line)
        if field.max_length is None:
            field.max_length = TEXT_MAX_LENGTH if multiline else LINE_MAX_LENGTH
            field.validators.append(too_long(field.max_length))
    elif isinstance(field, serializers.IntegerField):
        if field.max_value is None:
            field.max_value = INTEGER_MAX
            field.validators.append(MaxValueValidator(INTEGER_MAX))
        if field.min_value is None:
            field.min_value = -INTEGER_MAX
            field.validators.append(MinValueValidator(-INTEGER_MAX))
    elif isinstance(field, serializers.DateField) and not isinstance(
        field, serializers.DateTimeField
    ):
        validator = date_range_validator(field.source or name)
        if validator not in field.validators:
            field.validators.append(validator)


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
