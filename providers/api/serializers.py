"""Input and output serializers of organisations and services."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partnership.api.fields import IdField
from partnership.api.serializers import (
    MULTI_LINE,
    CheckedModelSerializer,
    CheckedSerializer,
    ReferenceSerializer,
)
from partnership.models import ComplexityLevel, DesiredOutcome, Pdu, Region, ServiceCategory
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

    def _options(self, service: Service) -> dict:
        """Every category's levels and outcomes, read once for the whole response."""
        root = self.parent if isinstance(self.parent, serializers.ListSerializer) else self
        ids = [category.pk for category in service.categories.all()]
        held = getattr(root, "_category_options", {})
        if not held or any(pk not in held for pk in ids):
            root._category_options = held = category_options(ids)
        return held

    @extend_schema_field(ServiceOptionSerializer(many=True))
    def get_complexity_levels(self, service: Service) -> list[dict]:
        options = self._options(service)
        return [level for c in service.categories.all() for level in options[c.pk].levels]

    @extend_schema_field(ServiceOptionSerializer(many=True))
    def get_desired_outcomes(self, service: Service) -> list[dict]:
        options = self._options(service)
        return [outcome for c in service.categories.all() for outcome in options[c.pk].outcomes]


@dataclass
class CategoryOptions:
    """A category's slug and what a referral to a service in it may choose, as the API
    writes them."""

    slug: str
    levels: list[dict] = field(default_factory=list)
    outcomes: list[dict] = field(default_factory=list)


# Categories, their levels and their outcomes are reference data: they change when an admin
# or the reference loader edits them, and each such save forgets what was kept (providers/apps.py).
# The timeout bounds what a save made while the cache was unreachable leaves behind. The key
# names the shape of what is kept: change it with `CategoryOptions`.
CATEGORY_OPTIONS_KEY = "providers:category-options:1"
CATEGORY_OPTIONS_SECONDS = 300


def category_options(ids: Iterable[int] = ()) -> dict[int, CategoryOptions]:
    """Every category's complexity levels and desired outcomes, by category id, as the
    API writes them: kept in the cache, and read from the database when it has none or
    lacks one of the `ids` asked for (a category added as they were kept)."""
    options = cache.get(CATEGORY_OPTIONS_KEY)
    if options is None or any(pk not in options for pk in ids):
        options = _category_options_read()
        cache.set(CATEGORY_OPTIONS_KEY, options, CATEGORY_OPTIONS_SECONDS)
    return options


def category_options_forget(**kwargs) -> None:
    """A category, level or outcome changed: forget the kept options now, for the rest of
    this transaction, and again once it commits, so that a read that raced the change does
    not keep what it replaced."""
    cache.delete(CATEGORY_OPTIONS_KEY)
    transaction.on_commit(lambda: cache.delete(CATEGORY_OPTIONS_KEY))


def _category_options_read() -> dict[int, CategoryOptions]:
    """The options from the database, as rows (three small statements)."""
    categories = {row["id"]: row for row in ServiceCategory.objects.values("id", "slug", "name")}
    options = {pk: CategoryOptions(slug=row["slug"]) for pk, row in categories.items()}
    level_names = dict(ComplexityLevel.Level.choices)
    for level in ComplexityLevel.objects.order_by("category_id", "id").values(
        "id", "category_id", "level", "description"
    ):
        category = categories[level["category_id"]]
        options[category["id"]].levels.append(
            {
                "id": level["id"],
                "name": f"{level_names.get(level['level'], level['level'])} ({category['name']})",
                "description": level["description"],
                "category": category["slug"],
            }
        )
    for outcome in DesiredOutcome.objects.order_by("category_id", "position", "id").values(
        "id", "category_id", "description"
    ):
        category = categories[outcome["category_id"]]
        options[category["id"]].outcomes.append(
            {
                "id": outcome["id"],
                "name": outcome["description"],
                "description": f"{outcome['description']} ({category['name']})",
                "category": category["slug"],
            }
        )
    return options


def service_representations(rows: list[dict]) -> list[dict]:
    """Services' JSON from their rows (`providers.selectors.service_rows`): a page costs a
    dict per service rather than model objects and a field object per value. Equal to
    `ServiceSerializer`'s output (tested)."""
    if not rows:
        return []
    options = category_options(pk for row in rows for pk in row["category_ids"])
    zone = timezone.get_current_timezone()
    return [_service_representation(row, options, zone) for row in rows]


def _service_representation(row: dict, options: dict, zone) -> dict:
    categories = [options[pk] for pk in row["category_ids"]]
    data = {name: row[name] for name in _SERVICE_PLAIN_FIELDS}
    data.update(
        organisation={"id": row["organisation_id"], "name": row["organisation_name"]},
        categories=[category.slug for category in categories],
        complexity_levels=[level for category in categories for level in category.levels],
        desired_outcomes=[outcome for category in categories for outcome in category.outcomes],
        pdus=list(row["pdu_ids"]),
        updated_at=_instant(row["updated_at"], zone),
    )
    return {name: data[name] for name in ServiceSerializer.Meta.fields}


def _instant(value, zone) -> str:
    """A moment as DRF writes it: ISO 8601 in the time zone, UTC as `Z`."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_SERVICE_BUILT_FIELDS = {
    "organisation",
    "categories",
    "complexity_levels",
    "desired_outcomes",
    "pdus",
    "updated_at",
}
_SERVICE_PLAIN_FIELDS = [
    name for name in ServiceSerializer.Meta.fields if name not in _SERVICE_BUILT_FIELDS
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
