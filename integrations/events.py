"""The events a case system or a probation system is told of, declared once: which
timeline entries they come from, what a webhook carries, and the HMPPS domain-event
envelope (`eventType`, `occurredAt`, ... with the CRN in `personReference`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from referrals.models import RISK_EVENT_KINDS, Status

# Webhook event types by the timeline kind they come from. Entries that carry risk
# information (RISK_EVENT_KINDS) are in no feed: a case system reads risk through the API,
# where each read is checked and logged.
EVENT_TYPES: dict[str, str] = {
    "send": "referral.sent",
    "accept": "referral.accepted",
    "return": "referral.returned",
    "decline": "referral.declined",
    "withdraw": "referral.withdrawn",
    "assign": "referral.assigned",
    "amended": "referral.amended",
    "start": "referral.started",
    "session": "session.recorded",
    "session_corrected": "session.corrected",
    "concern": "concern.raised",
    "concern_acknowledged": "concern.acknowledged",
    "complete": "end_of_service_report.sent",
}
# A referral sent again after it was returned for information is its own event.
INFORMATION_RETURNED = "referral.information_returned"

# The events an endpoint may be told of, as the pages and the API show them.
EVENT_TYPE_LABELS: dict[str, str] = {
    "referral.sent": "A referral is sent to us",
    "referral.information_returned": "A practitioner sends back a referral with the information we asked for",
    "referral.withdrawn": "A referral is withdrawn",
    "concern.acknowledged": "A practitioner acknowledges a concern",
    "referral.accepted": "A referral is accepted",
    "referral.declined": "A referral is declined",
    "referral.returned": "A referral is returned for information",
    "referral.assigned": "A referral is assigned to a caseworker",
    "referral.amended": "A referral is amended",
    "referral.started": "Work on a referral starts",
    "session.recorded": "A session is recorded",
    "session.corrected": "A session is corrected",
    "concern.raised": "A concern is raised",
    "end_of_service_report.sent": "An end-of-service report is sent",
}
# The same choices wherever an event type is named (the API schema names them once).
EVENT_TYPE_CHOICES = sorted(EVENT_TYPE_LABELS)
assert set(EVENT_TYPE_LABELS) == {*EVENT_TYPES.values(), INFORMATION_RETURNED}

# What each side's system may choose from. A provider's case system: everything about the
# referrals sent to it. A PDU's system: what the provider does with the PDU's referrals
# (the practitioner's own actions it already knows of).
PROVIDER_EVENT_TYPES: tuple[str, ...] = tuple(EVENT_TYPE_LABELS)
PDU_EVENT_TYPES: tuple[str, ...] = (
    "referral.accepted",
    "referral.declined",
    "referral.returned",
    "referral.assigned",
    "referral.started",
    "session.recorded",
    "session.corrected",
    "concern.raised",
    "end_of_service_report.sent",
)
assert set(PDU_EVENT_TYPES) <= set(EVENT_TYPE_LABELS)
assert not RISK_EVENT_KINDS & set(EVENT_TYPES)


def event_type_for(*, kind: str, from_status: str) -> str | None:
    """The feed's type for a timeline entry, or None when the entry is in no feed."""
    if kind == "send" and from_status == Status.RETURNED:
        return INFORMATION_RETURNED
    return EVENT_TYPES.get(kind)


def _absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def referral_api_url(referral) -> str:
    return _absolute(reverse("api:referral-detail", kwargs={"public_id": referral.public_id}))


def webhook_payload(change) -> dict:
    """What a webhook delivery carries: the event and ids, and where to fetch the referral
    with the client's own token (so scope and the audit of risk reads stay in the API)."""
    referral = change.referral
    return {
        "id": str(change.event_id),
        "type": change.event_type,
        "occurred_at": change.occurred_at.isoformat(),
        "referral": {
            "id": str(referral.public_id),
            "url": referral_api_url(referral),
        },
    }


@dataclass(frozen=True)
class DomainEvent:
    event_type: str
    description: str


DOMAIN_EVENT_PREFIX = "probation-partnerships"
# HMPPS domain events by timeline kind: a referral sent, accepted, ended, and its
# end-of-service report (which also ends it).
DOMAIN_EVENTS: dict[str, list[DomainEvent]] = {
    "send": [DomainEvent("referral.sent", "A referral was sent to a provider")],
    "accept": [DomainEvent("referral.accepted", "A provider accepted a referral")],
    "decline": [DomainEvent("referral.ended", "A referral ended: the provider declined it")],
    "withdraw": [DomainEvent("referral.ended", "A referral ended: it was withdrawn")],
    "complete": [
        DomainEvent(
            "end-of-service-report.submitted", "A provider sent a referral's end-of-service report"
        ),
        DomainEvent("referral.ended", "A referral ended: the service was completed"),
    ],
}


def domain_events_for(*, kind: str, from_status: str) -> list[DomainEvent]:
    """The HMPPS domain events a timeline entry raises (a draft withdrawn raises none: the
    probation system never heard of it)."""
    if kind == "withdraw" and from_status == Status.DRAFT:
        return []
    return DOMAIN_EVENTS.get(kind, [])


def domain_event_envelope(change, domain_event: DomainEvent) -> dict:
    """The HMPPS domain-event envelope for a change."""
    referral = change.referral
    envelope = {
        "eventType": f"{DOMAIN_EVENT_PREFIX}.{domain_event.event_type}",
        "version": 1,
        "description": domain_event.description,
        "detailUrl": referral_api_url(referral),
        "occurredAt": change.occurred_at.isoformat(),
        "additionalInformation": {
            "referralId": str(referral.public_id),
            "referralReference": referral.reference or "",
        },
        # Filled in as it is sent (`with_person_reference`): a stored delivery keeps no CRN,
        # so retention's anonymising of the referral leaves none behind.
        "personReference": {"identifiers": []},
    }
    return envelope


def with_person_reference(envelope: dict, referral) -> dict:
    """The envelope with the person's CRN, as the referral has it now (none once
    anonymised)."""
    identifiers = [{"type": "CRN", "value": referral.crn}] if referral.crn else []
    return {**envelope, "personReference": {"identifiers": identifiers}}
