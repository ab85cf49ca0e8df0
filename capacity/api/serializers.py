"""Serializers of alerts and of capacity figures."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from capacity import utilisation
from capacity.models import Alert
from capacity.services import NOTE_MAX_LENGTH, NOTE_REQUIRED
from partnership.api.serializers import (
    MULTI_LINE,
    CheckedModelSerializer,
    CheckedSerializer,
    ReferenceSerializer,
)


class AlertSubjectSerializer(CheckedSerializer):
    """What the alert is about: a service or an agreement, each by its own kind of id (as
    `/services/{id}/` and `/agreements/{id}/` name them); the other is null."""

    type = serializers.ChoiceField(choices=["service", "agreement"])
    service = serializers.IntegerField(allow_null=True, help_text="The service's id")
    agreement = serializers.UUIDField(allow_null=True, help_text="The agreement's id")
    name = serializers.CharField()


class AcknowledgeSerializer(CheckedSerializer):
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        style=MULTI_LINE,
        help_text="What is being done about the alert; everyone who sees it reads this",
        error_messages={"required": NOTE_REQUIRED, "blank": NOTE_REQUIRED},
    )


class AlertSerializer(CheckedModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    period = serializers.CharField(source="period_code", help_text="The month, as YYYY-MM")
    subject = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "severity",
            "status",
            "period",
            "subject",
            "organisation",
            "message",
            "figures",
            "opened_at",
            "escalated_at",
            "acknowledged_at",
            "acknowledgement_note",
            "resolved_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AlertSubjectSerializer)
    def get_subject(self, alert: Alert) -> dict:
        if alert.service_id:
            return {
                "type": "service",
                "service": alert.service_id,
                "agreement": None,
                "name": alert.service.name,
            }
        return {
            "type": "agreement",
            "service": None,
            "agreement": str(alert.agreement.public_id),
            "name": str(alert.agreement),
        }

    @extend_schema_field(ReferenceSerializer)
    def get_organisation(self, alert: Alert) -> dict:
        return {"id": alert.organisation_id, "name": alert.organisation.name}


class _UtilisationSerializer(CheckedSerializer):
    period = serializers.CharField(source="period_code")
    sent = serializers.IntegerField(help_text="Referrals sent in the month, less withdrawn")
    accepted = serializers.IntegerField(help_text="Referrals accepted in the month")
    active = serializers.IntegerField(help_text="Accepted or in progress now")
    capacity = serializers.IntegerField(help_text="Referrals a month: contracted, else declared")
    percent = serializers.FloatField(allow_null=True, help_text="Sent as a share of capacity")
    forecast = serializers.FloatField(
        allow_null=True, help_text="Referrals expected by the month's end at the pace so far"
    )
    forecast_percent = serializers.FloatField(allow_null=True)
    indicator = serializers.ChoiceField(choices=list(utilisation.INDICATOR_LABELS))


class ServiceCapacitySerializer(_UtilisationSerializer):
    service = serializers.IntegerField(source="service_id")
    service_name = serializers.CharField()
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField()
    capacity_source = serializers.ChoiceField(choices=["contracted", "declared"])
    funded = serializers.BooleanField(help_text="A live agreement funds the service this month")
    wait_days = serializers.IntegerField(help_text="The service's declared wait")


class AgreementCapacitySerializer(_UtilisationSerializer):
    agreement = serializers.UUIDField(source="agreement_public_id")
    agreement_status = serializers.CharField()
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField()
    lot_title = serializers.CharField()
