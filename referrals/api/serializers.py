"""Input and output serializers of referrals and their nested resources."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partnership.api.fields import IdField, ScopedPrimaryKeyRelatedField
from partnership.api.serializers import (
    MULTI_LINE,
    CheckedModelSerializer,
    CheckedSerializer,
    ReferenceSerializer,
)
from partnership.models import ComplexityLevel, DesiredOutcome
from providers.models import Service
from providers.selectors import service_list_visible_to
from referrals.models import (
    DeclineReason,
    Referral,
    ReferralEvent,
    RiskDocument,
    RiskInformation,
    Status,
    WithdrawReason,
)
from referrals.services import DRAFT_FIELDS, RISK_FIELDS


def _blank_choice(choices) -> serializers.ChoiceField:
    """A read-only choice that is empty until made."""
    return serializers.ChoiceField(choices=choices.choices, allow_blank=True, read_only=True)


class ReferralSerializer(CheckedModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    service = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()
    pdu = serializers.SerializerMethodField()
    practitioner = serializers.CharField(source="practitioner.full_name", read_only=True)
    assigned_to = serializers.CharField(
        source="assigned_to.full_name", read_only=True, allow_null=True, default=None
    )
    desired_outcomes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    # Read-only fields built from the model lose `allow_blank`, so the schema would not say
    # that these are empty until they are set.
    sex = _blank_choice(Referral.Sex)
    consent_basis = _blank_choice(Referral.ConsentBasis)
    decline_reason = _blank_choice(DeclineReason)
    withdraw_reason = _blank_choice(WithdrawReason)

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "status",
            "service",
            "organisation",
            "pdu",
            "practitioner",
            "assigned_to",
            *DRAFT_FIELDS,
            "desired_outcomes",
            "return_reason",
            "decline_reason",
            "withdraw_reason",
            "closing_note",
            "created_at",
            "sent_at",
            "decided_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ReferenceSerializer)
    def get_service(self, referral) -> dict:
        return {"id": referral.service_id, "name": referral.service.name}

    @extend_schema_field(ReferenceSerializer)
    def get_organisation(self, referral) -> dict:
        return {"id": referral.service.organisation_id, "name": referral.service.organisation.name}

    @extend_schema_field(ReferenceSerializer)
    def get_pdu(self, referral) -> dict:
        return {"id": referral.pdu_id, "name": referral.pdu.name}

    def to_representation(self, referral) -> dict:
        """The fields above, read straight off the row (see `referral_representation`)."""
        return referral_representation(referral_row_of(referral))


def referral_row_of(referral: Referral) -> dict:
    """A referral object as the list's rows hold it (`selectors.ReferralRows`)."""
    row = {name: getattr(referral, name) for name in _REFERRAL_ATTNAMES}
    service = referral.service
    outcome_ids = getattr(referral, "desired_outcome_ids", None)
    if outcome_ids is None:
        outcome_ids = [outcome.pk for outcome in referral.desired_outcomes.all()]
    row.update(
        service_name=service.name,
        organisation_id=service.organisation_id,
        organisation_name=service.organisation.name,
        pdu_name=referral.pdu.name,
        practitioner_name=referral.practitioner.full_name,
        assigned_to_name=referral.assigned_to.full_name if referral.assigned_to_id else None,
        desired_outcome_ids=outcome_ids,
    )
    return row


def referral_representation(row) -> dict:
    """A referral's JSON from its row: a page costs a dict per referral rather than a field
    object per value. Equal to DRF's generic output (tested)."""
    data = {
        "id": str(row["public_id"]),
        "service": {"id": row["service_id"], "name": row["service_name"]},
        "organisation": {"id": row["organisation_id"], "name": row["organisation_name"]},
        "pdu": {"id": row["pdu_id"], "name": row["pdu_name"]},
        "practitioner": row["practitioner_name"],
        "assigned_to": row["assigned_to_name"],
        "complexity_level": row["complexity_level_id"],
        "desired_outcomes": list(row["desired_outcome_ids"]),
    }
    for name in _PLAIN_FIELDS:
        data[name] = row[name]
    for name in _DATE_FIELDS:
        value = row[name]
        data[name] = None if value is None else value.isoformat()
    zone = timezone.get_current_timezone()
    for name in _DATETIME_FIELDS:
        data[name] = _instant(row[name], zone)
    return {name: data[name] for name in ReferralSerializer.Meta.fields}


def _instant(value, zone):
    """A moment as DRF writes it: ISO 8601 in the time zone, UTC as `Z`."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_REFERRAL_ATTNAMES = [field.attname for field in Referral._meta.concrete_fields]
_DATE_FIELDS = ["date_of_birth", "expected_release_date", "sentence_end_date"]
_DATETIME_FIELDS = ["created_at", "sent_at", "decided_at", "updated_at"]
# Related and formatted fields are written above; the rest are plain values.
_BUILT_FIELDS = {"id", "service", "organisation", "pdu", "practitioner", "assigned_to"}
_PLAIN_FIELDS = [
    name
    for name in ReferralSerializer.Meta.fields
    if name in {field.name for field in Referral._meta.concrete_fields}
    and name not in {*_BUILT_FIELDS, "complexity_level", *_DATE_FIELDS, *_DATETIME_FIELDS}
]


class ReferralCreateSerializer(CheckedSerializer):
    service = ScopedPrimaryKeyRelatedField(
        queryset=Service.objects.all(),
        scope=service_list_visible_to,
        help_text="The id of an active service",
    )
    crn = serializers.RegexField(
        r"^[A-Za-z][0-9]{6}$",
        max_length=7,
        help_text="The person's case reference number: a letter and 6 digits, like X123456",
        error_messages={"invalid": "Enter a CRN in the correct format, like X123456"},
    )


class ReferralUpdateSerializer(CheckedModelSerializer):
    complexity_level = IdField(
        queryset=ComplexityLevel.objects.all(),
        allow_null=True,
        required=False,
        help_text="The id of one of the service's `complexity_levels`",
    )
    desired_outcomes = IdField(
        queryset=DesiredOutcome.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the service's `desired_outcomes`",
    )
    amendment_reason = serializers.CharField(
        style=MULTI_LINE,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=(
            "Why the change is made: required once the referral has been sent (status other "
            "than draft or returned), else a 400 on this field"
        ),
    )

    class Meta:
        model = Referral
        fields = [*DRAFT_FIELDS, "desired_outcomes", "amendment_reason"]
        extra_kwargs = {"crn": {"required": False}}


class RiskSerializer(CheckedModelSerializer):
    amendment_reason = serializers.CharField(
        style=MULTI_LINE,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=(
            "Why the change is made: required once the referral has been sent (status other "
            "than draft or returned), else a 400 on this field"
        ),
    )

    class Meta:
        model = RiskInformation
        fields = [*RISK_FIELDS, "updated_at", "amendment_reason"]
        read_only_fields = ["updated_at"]


class RiskDocumentSerializer(CheckedModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.full_name", read_only=True)

    class Meta:
        model = RiskDocument
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = fields


class RiskDocumentUploadSerializer(CheckedSerializer):
    file = serializers.FileField()


class EventSerializer(CheckedModelSerializer):
    actor = serializers.CharField(source="actor.full_name", read_only=True)
    # Empty for events that are not a change of status.
    from_status = _blank_choice(Status)
    to_status = _blank_choice(Status)

    class Meta:
        model = ReferralEvent
        fields = ["kind", "actor", "at", "from_status", "to_status", "note"]
        read_only_fields = fields


class ReturnSerializer(CheckedSerializer):
    reason = serializers.CharField(style=MULTI_LINE, help_text="What information is missing")


class DeclineSerializer(CheckedSerializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    note = serializers.CharField(style=MULTI_LINE, required=False, allow_blank=True, default="")


class WithdrawSerializer(CheckedSerializer):
    reason = serializers.ChoiceField(choices=WithdrawReason.choices)
    note = serializers.CharField(style=MULTI_LINE, required=False, allow_blank=True, default="")


class AssignSerializer(CheckedSerializer):
    caseworker = serializers.IntegerField(
        help_text="The id of a member of your organisation's staff"
    )


class SessionSerializer(CheckedModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.full_name", read_only=True)

    class Meta:
        from referrals.models import Session

        model = Session
        fields = [
            "id",
            "kind",
            "held_on",
            "mode",
            "attendance",
            "engagement_notes",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at"]
        # As in the model: a session unless said to be the first contact.
        extra_kwargs = {"kind": {"default": Session.Kind.SESSION}}


class ConcernSerializer(CheckedModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    raised_by = serializers.CharField(source="raised_by.full_name", read_only=True)

    class Meta:
        from referrals.models import Concern

        model = Concern
        fields = [
            "id",
            "urgency",
            "what_happened",
            "actions_taken",
            "raised_by",
            "raised_at",
            "acknowledged_at",
        ]
        read_only_fields = ["id", "raised_by", "raised_at", "acknowledged_at"]


class OutcomeResultSerializer(CheckedSerializer):
    desired_outcome = serializers.IntegerField()
    result = serializers.ChoiceField(choices=["achieved", "partially_achieved", "not_achieved"])
    comment = serializers.CharField(style=MULTI_LINE, required=False, allow_blank=True, default="")


class EndOfServiceReportSerializer(CheckedSerializer):
    closing_reason = serializers.ChoiceField(
        choices=["completed", "disengaged", "recalled", "moved_area", "other"]
    )
    summary = serializers.CharField(style=MULTI_LINE)
    outcomes = OutcomeResultSerializer(many=True)
    sent_at = serializers.DateTimeField(read_only=True)
