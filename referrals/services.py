"""Writes to referrals: drafts, risk, documents, sending, provider decisions, the access log."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.selectors import staff_of_organisation
from notifications.services import notification_send
from partnership.errors import KeyReused, NotPermitted, StateConflict
from partnership.models import User
from providers.models import Service
from referrals import documents, prefill, rules, validation
from referrals.models import (
    RISK_EVENT_KINDS,
    AccessLog,
    Referral,
    ReferralEvent,
    RiskDocument,
    RiskInformation,
    Status,
)
from referrals.selectors import referral_events_visible_to
from referrals.signals import referral_demand_changed, referral_event_recorded

logger = logging.getLogger(__name__)

REGION_ABBREVIATIONS = {
    "A": "NE",
    "B": "NW",
    "C": "YH",
    "D": "WA",
    "E": "WM",
    "F": "EM",
    "G": "SW",
    "H": "SC",
    "I": "EE",
    "J": "LN",
    "K": "KSS",
    "L": "GM",
}
CATEGORY_ABBREVIATIONS = {
    "accommodation": "ACC",
    "education-training-employment": "ETE",
    "finance-benefit-debt": "FBD",
    "dependency-recovery": "DRC",
    "emotional-wellbeing": "EWB",
    "family-significant-others": "FAM",
    "lifestyle-associates": "LSA",
    "social-inclusion": "SOC",
    "mentoring": "MEN",
    "womens-services": "WOM",
}
MINIMUM_REASON_LENGTH = 40
PERSON_FIELDS = [
    "crn",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "phone",
    "address",
    "setting",
    "prison",
    "expected_release_date",
]
DRAFT_FIELDS = [
    *PERSON_FIELDS,
    "sentence_type",
    "sentence_end_date",
    "rar_days",
    "complexity_level",
    "reason",
    "accessibility_needs",
    "interpreter_language",
    "availability",
    "consent_basis",
]
RISK_FIELDS = [
    "rosh_children",
    "rosh_public",
    "rosh_known_adult",
    "rosh_staff",
    "summary",
    "risk_to_self",
    "staff_safety",
    "last_assessed_on",
]


class ReferralIncomplete(ValidationError):
    """The referral cannot be sent yet; `missing` maps each section to what it lacks (as the
    pages show it), `by_field` each field to its `(code, message)` pairs (as the API does:
    the risk resource's fields as `risk.<field>`, a risk document as `documents`)."""

    def __init__(self, missing: dict[str, list[str]], by_field: dict | None = None):
        self.missing = missing
        self.by_field = by_field or {}
        super().__init__({section: messages for section, messages in missing.items()})


def _event(
    referral: Referral, *, kind: str, actor: User, from_status: str = "", note: str = ""
) -> None:
    event = ReferralEvent.objects.create(
        referral=referral,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=referral.status if from_status else "",
        note=note,
    )
    referral_event_recorded.send(sender=ReferralEvent, event=event)


def _reference(referral: Referral) -> str:
    region = REGION_ABBREVIATIONS.get(referral.pdu.region.code, referral.pdu.region.code)
    category = referral.service.categories.order_by("name").first()
    return f"{region}-{CATEGORY_ABBREVIATIONS.get(category.slug, 'GEN') if category else 'GEN'}-{1000 + referral.pk}"


def _referral_by_idempotency_key(practitioner: User, idempotency_key: str) -> Referral | None:
    if not idempotency_key:
        return None
    return Referral.objects.filter(
        practitioner=practitioner, idempotency_key=idempotency_key
    ).first()


def _the_same_request(referral: Referral, service: Service, crn: str) -> Referral:
    """The referral an idempotency key first made, if this request is the one that made it."""
    # An expired draft's CRN is cleared (`retention`): its service alone can tell.
    crn_differs = referral.anonymised_at is None and referral.crn != crn
    if referral.service_id != service.pk or crn_differs:
        raise KeyReused(
            "This Idempotency-Key was first sent to refer another person or to another "
            "service: use a new key for a new referral"
        )
    return referral


@transaction.atomic
def referral_start(
    *, practitioner: User, service: Service, crn: str, idempotency_key: str = ""
) -> tuple[Referral, bool]:
    """Start a draft referral of a person (by CRN) to a service; returns it and whether it is new.

    With an idempotency key, a repeat of the same request returns the first referral; the
    key sent with another service or CRN is refused (`KeyReused`).
    """
    rules.require_can_refer(practitioner)
    crn = (crn or "").strip().upper()
    existing = _referral_by_idempotency_key(practitioner, idempotency_key)
    if existing:
        return _the_same_request(existing, service, crn), False
    referral = Referral(
        practitioner=practitioner,
        pdu_id=practitioner.pdu_id,
        service=service,
        crn=crn,
        idempotency_key=idempotency_key,
    )
    referral.full_clean(exclude=["complexity_level", "reference"], validate_constraints=False)
    if service.status != Service.Status.ACTIVE:
        raise ValidationError({"service": ["This service is not taking referrals"]})
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:
        # A repeat that raced the first past the look-up above: the constraint decides.
        winner = _referral_by_idempotency_key(practitioner, idempotency_key)
        if winner is None:
            raise
        return _the_same_request(winner, service, crn), False
    referral.reference = _reference(referral)
    referral.save(update_fields=["reference"])
    RiskInformation.objects.create(referral=referral)
    _event(referral, kind="created", actor=practitioner)
    return referral, True


def _amendment_error(sent: bool, amendment_reason: str) -> dict[str, str]:
    """After sending, every change says why."""
    if sent and not amendment_reason.strip():
        return {"amendment_reason": "Say why you are changing a referral that has been sent"}
    return {}


@transaction.atomic
def referral_update(
    *, referral: Referral, by: User, data: dict, desired_outcomes=None, amendment_reason: str = ""
) -> Referral:
    """Save a section of a referral. After it is sent, a change needs a recorded reason."""
    rules.require(by, "edit", referral)
    sent = referral.status not in (Status.DRAFT, Status.RETURNED)
    for key in data:
        if key not in DRAFT_FIELDS:
            raise ValueError(f"{key} is not a referral field")
    data = {
        key: value.strip().upper() if key == "crn" and isinstance(value, str) else value
        for key, value in data.items()
    }
    # The referral's rules (`referrals.validation`), before anything changes.
    validation.raise_errors(
        validation.referral_errors(referral, data, desired_outcomes),
        **_amendment_error(sent, amendment_reason),
    )
    before = {key: getattr(referral, key) for key in data}
    for key, value in validation.referral_cleared(referral, data).items():
        setattr(referral, key, value)
    referral.full_clean(exclude=["reference"], validate_constraints=False)
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError as exc:
        # The only unique rule a change can break: a new CRN with its own open referral here.
        raise StateConflict("This person already has an open referral to this service") from exc
    if desired_outcomes is not None:
        referral.desired_outcomes.set(desired_outcomes)
    prefill.corrections_record(referral=referral, by=by, before=before, after=data)
    if sent:
        _event(referral, kind="amended", actor=by, note=amendment_reason.strip())
    return referral


@transaction.atomic
def risk_update(
    *, referral: Referral, by: User, data: dict, amendment_reason: str = ""
) -> RiskInformation:
    """Save the referral's risk information."""
    rules.require(by, "edit", referral)
    sent = referral.status not in (Status.DRAFT, Status.RETURNED)
    for key in data:
        if key not in RISK_FIELDS:
            raise ValueError(f"{key} is not a risk field")
    validation.raise_errors(
        validation.risk_errors(data), **_amendment_error(sent, amendment_reason)
    )
    risk = RiskInformation.objects.select_for_update().get(referral=referral)
    before = {key: getattr(risk, key) for key in data}
    for key, value in data.items():
        setattr(risk, key, value)
    risk.full_clean(exclude=["referral"])
    risk.save()
    prefill.corrections_record(referral=referral, by=by, before=before, after=data, risk=risk)
    if sent:
        _event(referral, kind="risk_amended", actor=by, note=amendment_reason.strip())
    return risk


@documents.files_removed_on_error
@transaction.atomic
def document_add(*, referral: Referral, by: User, name: str, content: bytes) -> RiskDocument:
    """Attach a risk document after checking what it really is; nothing is stored if refused.

    The file is checked before the referral's row is locked; then parallel uploads count
    one after another under the lock and never pass `RISK_DOCUMENTS_PER_REFERRAL` together.

    The file is written to the private storage inside the transaction, just before its
    row, so a committed row always has its file; if the transaction fails (the row, the
    event or the commit), `files_removed_on_error` deletes the file once it has rolled
    back, so a failed upload leaves none. Called inside an enclosing transaction that
    later rolls back, the file stays, named by no row."""
    rules.require(by, "upload_document", referral)
    kind = documents.check_document(name, content)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    rules.require(by, "upload_document", referral)
    if referral.documents.count() >= settings.RISK_DOCUMENTS_PER_REFERRAL:
        raise documents.DocumentRejected(
            f"A referral can have at most {settings.RISK_DOCUMENTS_PER_REFERRAL} risk documents: remove one first"
        )
    storage_name, digest = documents.store(content)
    document = RiskDocument.objects.create(
        referral=referral,
        original_name=name[:255],
        storage_name=storage_name,
        content_type=kind.content_type,
        size=len(content),
        sha256=digest,
        uploaded_by=by,
    )
    _event(referral, kind="document_added", actor=by, note=document.original_name)
    return document


@transaction.atomic
def document_remove(*, document: RiskDocument, by: User) -> None:
    """Remove a risk document; its file goes once the removal commits."""
    referral = document.referral
    rules.require(by, "remove_document", referral)
    storage_name, name = document.storage_name, document.original_name
    document.delete()
    # The row is gone for good; a file the storage fails to delete is logged, not an error.
    transaction.on_commit(lambda: documents.remove(storage_name), robust=True)
    _event(referral, kind="document_removed", actor=by, note=name)


DRAFT_DELETED_NOTIFICATION_TITLE = "A draft referral was deleted"


@transaction.atomic
def referral_draft_delete(*, referral: Referral, by: User) -> str:
    """Delete a draft at its practitioner's request, with its risk information, documents
    (rows, then files once committed) and audit history, as retention deletes an abandoned
    one: a draft the access log points at keeps an empty, anonymised row no list shows.
    Returns the deleted draft's reference."""
    from notifications.models import Notification
    from referrals import retention

    locked = _locked(referral)
    rules.require(by, "delete_draft", locked)
    # Notifications about it keep no details of the person, and no link to a page now gone.
    Notification.objects.filter(link=f"/referrals/{locked.public_id}/").update(
        title=DRAFT_DELETED_NOTIFICATION_TITLE, body="", link=""
    )
    retention._drafts_delete([(locked.pk, locked.public_id)], now=timezone.now())
    logger.info("Draft referral %s deleted by its practitioner", locked.pk)
    return locked.reference


def referral_missing(referral: Referral) -> dict[str, list[str]]:
    """What the referral still needs before it can be sent, by section."""
    return referral_missing_in_full(referral)[0]


def referral_missing_in_full(referral: Referral) -> tuple[dict[str, list[str]], dict]:
    """What the referral still needs before it can be sent: by section, as the pages show
    it, and by field, as `(code, message)` pairs (`ReferralIncomplete.by_field`). Codes:
    `required`, `too_short`, `ineligible`."""
    missing: dict[str, list[str]] = {}
    by_field: dict[str, list[tuple[str, str]]] = {}

    def need(section: str, message: str, *fields: str, code: str = "required") -> None:
        missing.setdefault(section, []).append(message)
        for field in fields:
            by_field.setdefault(field, []).append((code, message))

    if not (referral.first_name and referral.last_name):
        names = [name for name in ("first_name", "last_name") if not getattr(referral, name)]
        need("person", "Enter the person's first and last names", *names)
    if not referral.sex:
        need("person", "Select the person's sex", "sex")
    if referral.setting == Referral.Setting.CUSTODY and not referral.prison:
        need("person", "Enter the prison the person is in", "prison")
    if not referral.consent_basis:
        need("needs", "Select the basis for sharing the person's information", "consent_basis")
    if len(referral.reason.strip()) < MINIMUM_REASON_LENGTH:
        need(
            "needs",
            f"Describe the reason for the referral in at least {MINIMUM_REASON_LENGTH} characters",
            "reason",
            code="required" if not referral.reason.strip() else "too_short",
        )
    risk = referral.risk
    if not risk.levels_complete:
        levels = ("rosh_children", "rosh_public", "rosh_known_adult", "rosh_staff")
        need(
            "risk",
            "Give the risk of serious harm level for children, the public, known adults and staff",
            *[f"risk.{level}" for level in levels if not getattr(risk, level)],
        )

    required = set(referral.service.referral_requirements)
    # Each requirement: its section, whether it is met, what to do, and the fields it names.
    checks = {
        "date_of_birth": (
            "person",
            bool(referral.date_of_birth),
            "Enter the person's date of birth",
        ),
        "contact_details": (
            "person",
            bool(referral.phone or referral.address),
            "Enter a phone number or address",
        ),
        "release_date": (
            "person",
            referral.setting != Referral.Setting.CUSTODY or bool(referral.expected_release_date),
            "Enter the expected release date",
        ),
        "sentence": (
            "sentence",
            bool(referral.sentence_type and referral.sentence_end_date),
            "Enter the sentence type and end date",
        ),
        "complexity_level": (
            "needs",
            bool(referral.complexity_level_id),
            "Select a complexity level",
        ),
        "desired_outcomes": (
            "needs",
            referral.desired_outcomes.exists(),
            "Select at least one desired outcome",
        ),
        "accessibility_needs": (
            "needs",
            bool(referral.accessibility_needs),
            "Describe any accessibility needs",
        ),
        "interpreter_needs": (
            "needs",
            bool(referral.interpreter_language),
            "Say which language an interpreter needs",
        ),
        "availability": ("needs", bool(referral.availability), "Say when the person is available"),
        "risk_summary": ("risk", bool(risk.summary), "Summarise the risks"),
        "risk_to_self": ("risk", bool(risk.risk_to_self), "Describe any risk to self"),
        "staff_safety": ("risk", bool(risk.staff_safety), "Say what staff must know to stay safe"),
        "risk_documents": ("documents", referral.documents.exists(), "Attach a risk document"),
    }
    for key in sorted(required):
        section, present, message = checks[key]
        if not present:
            need(section, f"{message} (this service needs it)", *REQUIREMENT_FIELDS[key])

    service = referral.service
    if (
        service.eligible_sex != Service.Sex.ANY
        and referral.sex
        and referral.sex != service.eligible_sex
    ):
        need(
            "eligibility",
            f"This service is for {service.get_eligible_sex_display().lower()}",
            "sex",
            code="ineligible",
        )
    if referral.date_of_birth:
        age = validation.age_on(referral.date_of_birth, timezone.localdate())
        if age < service.minimum_age or (service.maximum_age and age > service.maximum_age):
            limit = (
                f"{service.minimum_age} to {service.maximum_age}"
                if service.maximum_age
                else f"{service.minimum_age} and over"
            )
            need(
                "eligibility",
                f"This service is for people aged {limit}; the person is {age}",
                "date_of_birth",
                code="ineligible",
            )
    settings_served = set(service.delivery_settings)
    if referral.setting == Referral.Setting.CUSTODY and not settings_served & {
        "custody",
        "through_the_gate",
    }:
        need(
            "eligibility",
            "This service does not work with people in custody",
            "setting",
            code="ineligible",
        )
    if referral.setting == Referral.Setting.COMMUNITY and not settings_served & {
        "community",
        "through_the_gate",
    }:
        need(
            "eligibility",
            "This service works only with people in custody",
            "setting",
            code="ineligible",
        )
    return missing, by_field


# The fields a service's referral requirement names (`Service.referral_requirements`).
REQUIREMENT_FIELDS = {
    "date_of_birth": ("date_of_birth",),
    "contact_details": ("phone", "address"),
    "release_date": ("expected_release_date",),
    "sentence": ("sentence_type", "sentence_end_date"),
    "complexity_level": ("complexity_level",),
    "desired_outcomes": ("desired_outcomes",),
    "accessibility_needs": ("accessibility_needs",),
    "interpreter_needs": ("interpreter_language",),
    "availability": ("availability",),
    "risk_summary": ("risk.summary",),
    "risk_to_self": ("risk.risk_to_self",),
    "staff_safety": ("risk.staff_safety",),
    "risk_documents": ("documents",),
}


def _demand_changed(referral: Referral) -> None:
    """Announce that the service's month of sending has changed, inside this transaction, so
    that capacity monitoring can look at it again without waiting for its periodic run."""
    if referral.sent_at is None:
        return
    referral_demand_changed.send(
        sender=Referral,
        service_id=referral.service_id,
        period=f"{timezone.localtime(referral.sent_at):%Y-%m}",
    )


def _recipients_at(organisation_id: int) -> list[User]:
    return list(staff_of_organisation(organisation_id))


def _locked(referral: Referral) -> Referral:
    """The referral's row, locked for a change and read afresh: the caller's copy may be
    older than the state the rules must be asked about. Only the referral's own row is
    locked: its service, PDU and region are read, not held, so decisions on other referrals
    of the same PDU or region never wait on each other."""
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("service", "pdu__region")
        .get(pk=referral.pk)
    )


def _transition(referral: Referral, *, action: str, by: User, note: str = "", **fields) -> Referral:
    """Apply a declared transition to a referral the caller has locked (and asked the rules
    about), and record it on the timeline."""
    transition = rules.require(by, action, referral)
    before = referral.status
    if transition.target:
        referral.status = transition.target
    for key, value in fields.items():
        setattr(referral, key, value)
    referral.save()
    _event(referral, kind=action, actor=by, from_status=before, note=note)
    return referral


@transaction.atomic
def referral_send(*, referral: Referral, by: User) -> Referral:
    """Send a complete referral to the provider, who is told in the portal and by email."""
    locked = _locked(referral)
    # A second click of the same send changes nothing: the sender gets the referral back.
    if locked.status == Status.SENT and rules.permitted(by, "send", locked):
        return locked
    rules.require(by, "send", locked)
    missing, by_field = referral_missing_in_full(locked)
    if missing:
        raise ReferralIncomplete(missing, by_field)
    try:
        with transaction.atomic():
            sent = _transition(locked, action="send", by=by, sent_at=timezone.now())
    except IntegrityError as exc:
        raise StateConflict("This person already has an open referral to this service") from exc
    notification_send(
        recipients=_recipients_at(sent.service.organisation_id),
        kind="referral_sent",
        title=f"New referral {sent.reference} to {sent.service.name}",
        body="A probation practitioner has sent a referral. Open it in the portal to decide.",
        link=f"/referrals/{sent.public_id}/",
        dedupe_key=f"referral-sent-{sent.pk}-{sent.events.count()}",
    )
    _demand_changed(sent)
    return sent


def _tell_practitioner(referral: Referral, *, kind: str, title: str, body: str = "") -> None:
    notification_send(
        recipients=[referral.practitioner],
        kind=kind,
        title=title,
        body=body,
        link=f"/referrals/{referral.public_id}/",
    )


@transaction.atomic
def referral_accept(*, referral: Referral, by: User) -> Referral:
    """The provider takes the referral on; the practitioner is told."""
    referral = _locked(referral)
    rules.require(by, "accept", referral)
    referral = _transition(referral, action="accept", by=by, decided_at=timezone.now())
    _tell_practitioner(
        referral, kind="referral_accepted", title=f"Referral {referral.reference} accepted"
    )
    return referral


@transaction.atomic
def referral_return(*, referral: Referral, by: User, reason: str) -> Referral:
    """Send the referral back to the practitioner for the information the reason asks for."""
    referral = _locked(referral)
    rules.require(by, "return", referral)
    if not reason.strip():
        raise ValidationError({"reason": ["Say what information is missing"]})
    referral = _transition(
        referral, action="return", by=by, note=reason.strip(), return_reason=reason.strip()
    )
    _tell_practitioner(
        referral,
        kind="referral_returned",
        title=f"Referral {referral.reference} returned for more information",
        body=reason.strip(),
    )
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, by: User, reason: str, note: str = "") -> Referral:
    """Decline the referral with a coded reason (and a note when the reason is "other")."""
    from referrals.models import DeclineReason

    referral = _locked(referral)
    rules.require(by, "decline", referral)
    if reason not in DeclineReason.values:
        raise ValidationError({"reason": ["Select a reason for declining"]})
    if reason == DeclineReason.OTHER and not note.strip():
        raise ValidationError({"note": ["Explain the reason for declining"]})
    referral = _transition(
        referral,
        action="decline",
        by=by,
        note=note.strip(),
        decline_reason=reason,
        closing_note=note.strip(),
        decided_at=timezone.now(),
    )
    _tell_practitioner(
        referral,
        kind="referral_declined",
        title=f"Referral {referral.reference} declined",
        body=DeclineReason(reason).label,
    )
    return referral


@transaction.atomic
def referral_withdraw(*, referral: Referral, by: User, reason: str, note: str = "") -> Referral:
    """The referring PDU withdraws the referral with a coded reason; once sent, the provider
    is told."""
    from referrals.models import WithdrawReason

    referral = _locked(referral)
    rules.require(by, "withdraw", referral)
    if reason not in WithdrawReason.values:
        raise ValidationError({"reason": ["Select a reason for withdrawing"]})
    if reason == WithdrawReason.OTHER and not note.strip():
        raise ValidationError({"note": ["Explain the reason for withdrawing"]})
    before = referral.status
    referral = _transition(
        referral,
        action="withdraw",
        by=by,
        note=note.strip(),
        withdraw_reason=reason,
        closing_note=note.strip(),
    )
    if before != Status.DRAFT:
        notification_send(
            recipients=_recipients_at(referral.service.organisation_id),
            kind="referral_withdrawn",
            title=f"Referral {referral.reference} withdrawn",
            body=WithdrawReason(reason).label,
            link=f"/referrals/{referral.public_id}/",
        )
        _demand_changed(referral)
    return referral


@transaction.atomic
def referral_assign(*, referral: Referral, by: User, caseworker: User) -> Referral:
    """A provider admin assigns the referral to a member of their organisation's staff."""
    referral = _locked(referral)
    rules.require(by, "assign", referral)
    # One of the receiving organisation's staff, who can read the referral's risk.
    denial = rules.assignment_denial(caseworker, referral)
    if denial is not None:
        raise ValidationError({"caseworker": [denial]})
    referral = _transition(
        referral, action="assign", by=by, note=caseworker.full_name, assigned_to=caseworker
    )
    notification_send(
        recipients=[caseworker],
        kind="referral_assigned",
        title=f"Referral {referral.reference} assigned to you",
        link=f"/referrals/{referral.public_id}/",
    )
    return referral


def _access_logged(
    *, referral: Referral, by: User, channel: str, why: str, what: str, denial: str | None
) -> None:
    """One row of the risk access log: a read (`denial` None) or a refused request."""
    AccessLog.objects.create(
        user=by,
        user_email=by.email,
        referral=referral,
        crn=referral.crn,
        what=what,
        why=why if denial is None else f"{why}: refused ({denial})",
        channel=channel,
        outcome=AccessLog.Outcome.GRANTED if denial is None else AccessLog.Outcome.DENIED,
    )


def risk_read(
    *, referral: Referral, by: User, channel: str, why: str, what: str = "risk_information"
):
    """Return the referral's risk information if the user may read it; the read is logged,
    and so is a refusal (call it only when risk is asked for: `rules.allows` tells first).

    Raises NotPermitted (after logging the refusal) otherwise.
    """
    denial = rules.risk_denial(by, referral)
    _access_logged(referral=referral, by=by, channel=channel, why=why, what=what, denial=denial)
    if denial is not None:
        logger.info("Risk access refused for user %s on referral %s", by.pk, referral.pk)
        raise NotPermitted("You cannot see this referral's risk information")
    # Read afresh: the referral may carry the risk as it was before a change just saved.
    return RiskInformation.objects.get(referral=referral)


def timeline_read(*, referral: Referral, by: User, channel: str, why: str) -> list:
    """The referral's timeline as the user may see it; when it carries risk information
    (a risk amendment's reason, a document's name), the read is logged like `risk_read`."""
    readable = rules.allows(by, "read_risk", referral)
    events = referral_events_visible_to(user=by, referral=referral, risk_readable=readable)
    if readable and any(event.kind in RISK_EVENT_KINDS for event in events):
        _access_logged(
            referral=referral, by=by, channel=channel, why=why, what="timeline", denial=None
        )
    return events


def document_list_read(*, referral: Referral, by: User, channel: str, why: str) -> list:
    """The referral's risk documents for a user who may read its risk; a list that names
    any is a read of risk information, logged like `risk_read`. Raises NotPermitted, with
    nothing logged, for anyone else: they did not ask for risk information itself."""
    rules.require(by, "read_risk", referral)
    listed = list(referral.documents.select_related("uploaded_by"))
    if listed:
        _access_logged(
            referral=referral, by=by, channel=channel, why=why, what="risk_documents", denial=None
        )
    return listed


def document_read(*, document: RiskDocument, by: User, channel: str, why: str) -> File:
    """A risk document's file, open for reading, for a user who may read it; logged like
    risk_read. The caller closes it (a FileResponse does once it is sent)."""
    risk_read(
        referral=document.referral,
        by=by,
        channel=channel,
        why=why,
        what=f"risk_document:{document.public_id}",
    )
    return documents.open_file(document.storage_name)


@transaction.atomic
def access_log_admin_read(*, referral_ids: list[int], by: User, what: str, why: str) -> int:
    """Log service support's read of admin rows about these referrals (history, the access
    log, notifications): one row per referral, channel "admin". Returns how many."""
    referrals = Referral.objects.filter(pk__in=set(referral_ids)).only("pk", "crn")
    rows = [
        AccessLog(
            user=by,
            user_email=by.email,
            referral=referral,
            crn=referral.crn,
            what=what[:100],
            why=why[:200],
            channel="admin",
            outcome=AccessLog.Outcome.GRANTED,
        )
        for referral in referrals
    ]
    AccessLog.objects.bulk_create(rows)
    return len(rows)


# Outcome feedback ---------------------------------------------------------------------------


def _check_session_date(referral: Referral, held_on: date) -> None:
    """A session happens between the referral's sending and today, both included."""
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": ["Date of the session must be today or in the past"]})
    if referral.sent_at is not None:
        sent_on = timezone.localdate(referral.sent_at)
        if held_on < sent_on:
            raise ValidationError(
                {
                    "held_on": [
                        f"Date of the session must be the same as or after {sent_on:%-d %B %Y}, "
                        "when the referral was sent"
                    ]
                }
            )


# What a correction compares, in the words of the timeline.
SESSION_FIELDS = {
    "kind": "kind",
    "held_on": "date",
    "mode": "how",
    "attendance": "attendance",
    "engagement_notes": "engagement notes",
}


def _session_value(session, name: str) -> str:
    if name == "held_on":
        return f"{session.held_on:%-d %B %Y}"
    if name == "engagement_notes":
        return session.engagement_notes or "none"
    return str(getattr(session, f"get_{name}_display")())


@transaction.atomic
def session_record(
    *,
    referral: Referral,
    by: User,
    kind: str,
    held_on: date,
    mode: str,
    attendance: str,
    engagement_notes: str = "",
):
    """Record a contact; the first one moves an accepted referral into progress. A missed
    appointment tells the practitioner."""
    from referrals.models import Session

    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("service")
        .get(pk=referral.pk)
    )
    rules.require(by, "record_session", referral)
    _check_session_date(referral, held_on)
    session = Session(
        referral=referral,
        kind=kind,
        held_on=held_on,
        mode=mode,
        attendance=attendance,
        engagement_notes=engagement_notes,
        recorded_by=by,
    )
    session.full_clean()
    session.save()
    if referral.status == Status.ACCEPTED:
        referral = _transition(referral, action="start", by=by)
    _event(
        referral,
        kind="session",
        actor=by,
        note=f"{session.get_kind_display()} on {held_on:%d %B %Y}: "
        f"{session.get_attendance_display().lower()}",
    )
    if attendance == Session.Attendance.DID_NOT_ATTEND:
        notification_send(
            recipients=[referral.practitioner],
            kind="session_missed",
            title=f"Referral {referral.reference}: did not attend on {held_on:%d %B %Y}",
            body=f"Referral {referral.reference} to {referral.service.name}.",
            link=f"/referrals/{referral.public_id}/",
            dedupe_key=f"session-missed-{session.pk}",
        )
    return session


@transaction.atomic
def session_correct(
    *,
    session,
    by: User,
    reason: str,
    kind: str,
    held_on: date,
    mode: str,
    attendance: str,
    engagement_notes: str = "",
):
    """Correct a recorded session, saying why; what changed and the reason go on the
    referral's timeline. A correction to "did not attend" tells the practitioner, as
    recording it would have."""
    from referrals.models import Session

    referral = _locked(session.referral)
    rules.require(by, "record_session", referral)
    session = Session.objects.select_for_update().get(pk=session.pk, referral=referral)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["Say why you are correcting the session"]
    try:
        _check_session_date(referral, held_on)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    before = {name: _session_value(session, name) for name in SESSION_FIELDS}
    was_missed = session.attendance == Session.Attendance.DID_NOT_ATTEND
    session.kind, session.held_on, session.mode = kind, held_on, mode
    session.attendance, session.engagement_notes = attendance, engagement_notes.strip()
    session.full_clean()
    changes = [
        f"{label.capitalize()}: {before[name]} to {_session_value(session, name)}"
        for name, label in SESSION_FIELDS.items()
        if before[name] != _session_value(session, name)
    ]
    if not changes:
        raise ValidationError("Change at least one detail of the session, or go back")
    session.save(update_fields=[*SESSION_FIELDS])
    _event(
        referral,
        kind="session_corrected",
        actor=by,
        note="\n".join([f"Session of {before['held_on']}", *changes, f"Reason: {reason.strip()}"]),
    )
    if attendance == Session.Attendance.DID_NOT_ATTEND and not was_missed:
        notification_send(
            recipients=[referral.practitioner],
            kind="session_missed",
            title=f"Referral {referral.reference}: did not attend on {held_on:%d %B %Y}",
            body=f"Referral {referral.reference} to {referral.service.name} (a corrected session).",
            link=f"/referrals/{referral.public_id}/",
            dedupe_key=f"session-missed-{session.pk}-{held_on:%Y%m%d}",
        )
    return session


@transaction.atomic
def concern_raise(
    *, referral: Referral, by: User, urgency: str, what_happened: str, actions_taken: str = ""
):
    """Raise a concern; the practitioner hears at once (in the portal and by email)."""
    from referrals.models import Concern

    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("service")
        .get(pk=referral.pk)
    )
    rules.require(by, "raise_concern", referral)
    concern = Concern(
        referral=referral,
        urgency=urgency,
        what_happened=what_happened.strip(),
        actions_taken=actions_taken.strip(),
        raised_by=by,
    )
    concern.full_clean()
    concern.save()
    _event(
        referral,
        kind="concern",
        actor=by,
        note=f"{concern.get_urgency_display()}: {concern.what_happened}",
    )
    notification_send(
        recipients=[referral.practitioner],
        kind="concern_urgent" if urgency == Concern.Urgency.URGENT else "concern",
        title=f"{concern.get_urgency_display()} concern about referral {referral.reference}",
        body="Open the referral to read it and acknowledge it.",
        link=f"/referrals/{referral.public_id}/",
        dedupe_key=f"concern-{concern.pk}",
    )
    return concern


@transaction.atomic
def concern_acknowledge(*, concern, by: User):
    """The referring PDU's practitioner acknowledges a concern (once)."""
    rules.require(by, "acknowledge_concern", concern.referral)
    if concern.acknowledged_at is None:
        concern.acknowledged_by = by
        concern.acknowledged_at = timezone.now()
        concern.save(update_fields=["acknowledged_by", "acknowledged_at"])
        _event(concern.referral, kind="concern_acknowledged", actor=by)
    return concern


@transaction.atomic
def report_send(
    *,
    referral: Referral,
    by: User,
    closing_reason: str,
    summary: str,
    outcomes: dict[int, tuple[str, str]],
):
    """Send the end-of-service report: every desired outcome judged; completes the referral."""
    from referrals.models import EndOfServiceReport, OutcomeResult

    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("service")
        .get(pk=referral.pk)
    )
    rules.require(by, "write_report", referral)
    if EndOfServiceReport.objects.filter(referral=referral).exists():
        raise StateConflict("The end-of-service report has already been sent")
    errors: dict[str, list[str]] = {}
    expected = {o.pk: o for o in referral.desired_outcomes.all()}
    for outcome_id, outcome in expected.items():
        if outcome_id not in outcomes or outcomes[outcome_id][0] not in OutcomeResult.Result.values:
            errors.setdefault("outcomes", []).append(
                f"Say whether ‘{outcome.description}’ was achieved"
            )
    if closing_reason not in EndOfServiceReport.ClosingReason.values:
        errors["closing_reason"] = ["Select why the service ended"]
    if not summary.strip():
        errors["summary"] = ["Write an overall summary"]
    if errors:
        raise ValidationError(errors)
    report = EndOfServiceReport.objects.create(
        referral=referral, closing_reason=closing_reason, summary=summary.strip(), sent_by=by
    )
    OutcomeResult.objects.bulk_create(
        OutcomeResult(
            report=report,
            desired_outcome_id=outcome_id,
            result=outcomes[outcome_id][0],
            comment=outcomes[outcome_id][1].strip(),
        )
        for outcome_id in expected
    )
    referral = _transition(referral, action="complete", by=by, closing_note=summary.strip())
    notification_send(
        recipients=[referral.practitioner],
        kind="end_of_service_report",
        title=f"End-of-service report for referral {referral.reference}",
        link=f"/referrals/{referral.public_id}/",
        dedupe_key=f"report-{report.pk}",
    )
    return report
