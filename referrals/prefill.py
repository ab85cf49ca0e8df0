"""Filling a referral in from the probation case record (`caserecord`): the person's details
from Delius and their risk of serious harm from Assess risks and needs.

The values go into the referral and its risk information like any the practitioner types,
so the access rules, the access log and retention apply unchanged; beside them the referral
keeps what the record said (`prefilled`: source, when fetched, when assessed, each value),
which tells a correction (recorded on the timeline) and a change in the record since the
draft began. When the record cannot help (no such CRN, no assessment in the last year, an
assessment more than a year old, the record down) the practitioner is told, and may enter
the details by hand with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format

from caserecord.records import (
    CaseNotFound,
    CasePerson,
    CaseRecordUnavailable,
    RoshAssessment,
)
from caserecord.sources import case_record_enabled, case_record_source
from partnership.models import User
from referrals import rules, validation
from referrals.models import Referral, RiskInformation, RoshLevel, Status

# An assessment older than this is not used to fill in risk.
CURRENT_ASSESSMENT = timedelta(days=365)

PERSON_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "phone": "Phone number",
    "address": "Address",
    "interpreter_language": "Language an interpreter is needed for",
    "accessibility_needs": "Accessibility needs",
}
RISK_LABELS = {
    "rosh_children": "Risk of serious harm to children",
    "rosh_public": "Risk of serious harm to the public",
    "rosh_known_adult": "Risk of serious harm to a known adult",
    "rosh_staff": "Risk of serious harm to staff",
    "summary": "Summary of risks",
    "risk_to_self": "Risk to self",
    "last_assessed_on": "Date of the last risk assessment",
}
# ARN's groups at risk, and its levels, as the referral names them.
ROSH_GROUPS = {
    "children": "rosh_children",
    "public": "rosh_public",
    "known adult": "rosh_known_adult",
    "staff": "rosh_staff",
}
ROSH_LEVELS = {
    "VERY_HIGH": RoshLevel.VERY_HIGH,
    "HIGH": RoshLevel.HIGH,
    "MEDIUM": RoshLevel.MEDIUM,
    "LOW": RoshLevel.LOW,
}
RISK_TO_SELF_QUESTIONS = {
    "suicide": "Suicide",
    "selfHarm": "Self-harm",
    "custody": "Coping in custody",
    "hostelSetting": "Coping in a hostel",
    "vulnerability": "Vulnerability",
}
ANSWERS = {"YES": "yes", "NO": "no", "DON'T KNOW": "don't know", "N/A": "not applicable"}

NOT_CONNECTED = (
    "The portal is not connected to the probation case record. Enter the details by hand."
)
UNKNOWN_CRN = "The probation case record has no person with CRN {crn}. Check the CRN: if it is right, enter the person's details by hand."
UNAVAILABLE = "The probation case record cannot be reached at the moment. Try again in a few minutes, or enter the details by hand."
NO_ASSESSMENT = "There is no risk of serious harm assessment completed in the last year. Enter the risk information by hand from a current assessment."
STALE = "The latest risk of serious harm assessment was completed on {date}, more than a year ago. Enter the risk information by hand from a current assessment."


@dataclass
class CaseRecordLookup:
    """What the case record said about the referral's person, as the referral's fields, and
    what it could not say (`person_problem`, `risk_problem`: a message for the practitioner)."""

    crn: str
    fetched_at: datetime
    person_source: str = ""
    risk_source: str = ""
    person_values: dict = field(default_factory=dict)
    risk_values: dict = field(default_factory=dict)
    assessed_at: datetime | None = None
    person_problem: str = ""
    risk_problem: str = ""

    @property
    def usable(self) -> bool:
        return bool(self.person_values or self.risk_values)


# The record's answers as the referral's fields ------------------------------------------


def _stored(value) -> str:
    """A field's value as the snapshot keeps it: text, dates in ISO form, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    # A browser sends a text box's lines back with CRLF: the same text.
    return str(value).replace("\r\n", "\n").strip()


def _long_date(value: date | datetime) -> str:
    return date_format(value, "j F Y")


def person_values(person: CasePerson) -> dict:
    """The referral's person fields from the record's case details (only what it gives)."""
    sex = {"male": Referral.Sex.MALE, "female": Referral.Sex.FEMALE}.get(person.gender.lower())
    language = person.primary_language
    needs = [
        f"{item.kind}"
        + (f" (recorded since {_long_date(item.start_date)})" if item.start_date else "")
        + (f": {item.notes}" if item.notes else "")
        for item in person.disabilities
    ]
    values = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth,
        "sex": sex or "",
        "phone": person.mobile or person.telephone,
        "address": person.address,
        # English needs no interpreter; any other main language may.
        "interpreter_language": "" if language.lower() in ("", "english") else language,
        "accessibility_needs": "\n".join(needs),
    }
    return {name: value for name, value in values.items() if value not in (None, "")}


def risk_values(rosh: RoshAssessment) -> dict:
    """The referral's risk fields from the record's RoSH assessment."""
    values: dict = {}
    for group, level in rosh.community_levels.items():
        name = ROSH_GROUPS.get(group.strip().lower())
        if name and level in ROSH_LEVELS:
            values[name] = ROSH_LEVELS[level].value
    summary = [
        ("Who is at risk", rosh.who_is_at_risk),
        ("Nature of the risk", rosh.nature_of_risk),
        ("When the risk is greatest", rosh.risk_imminence),
        ("What increases the risk", rosh.risk_increase_factors),
        ("What reduces the risk", rosh.risk_mitigation_factors),
        ("Analysis of risk factors", rosh.analysis_of_risk_factors),
    ]
    values["summary"] = "\n".join(f"{label}: {text}" for label, text in summary if text)
    to_self = []
    for key, label in RISK_TO_SELF_QUESTIONS.items():
        answer = rosh.risk_to_self.get(key)
        if answer is None or not answer.risk:
            continue
        line = f"{label}: {ANSWERS.get(answer.risk.upper(), answer.risk.lower())}"
        concerns = [
            f"current concerns: {answer.current_concerns}" if answer.current_concerns else "",
            f"previous concerns: {answer.previous_concerns}" if answer.previous_concerns else "",
        ]
        concerns = [text for text in concerns if text]
        to_self.append(line + (f" ({'; '.join(concerns)})" if concerns else ""))
    values["risk_to_self"] = "\n".join(to_self)
    if rosh.assessed_on:
        values["last_assessed_on"] = timezone.localdate(rosh.assessed_on)
    return {name: value for name, value in values.items() if value not in (None, "")}


# Asking the record -------------------------------------------------------------------------


def case_record_lookup(*, referral: Referral, by: User) -> CaseRecordLookup:
    """Ask the case record about the referral's person and their risk. Never raises for the
    record's failures: each becomes a message on the lookup."""
    rules.require(by, "edit", referral)
    source = case_record_source()
    now = timezone.now()
    lookup = CaseRecordLookup(
        crn=referral.crn,
        fetched_at=now,
        person_source=source.person_source,
        risk_source=source.risk_source,
    )
    if not source.enabled:
        lookup.person_problem = NOT_CONNECTED
        return lookup
    try:
        lookup.person_values = person_values(source.person(referral.crn))
    except CaseNotFound:
        lookup.person_problem = UNKNOWN_CRN.format(crn=referral.crn)
        return lookup
    except CaseRecordUnavailable:
        lookup.person_problem = UNAVAILABLE
    try:
        rosh = source.rosh(referral.crn)
    except CaseNotFound:
        lookup.risk_problem = "" if lookup.person_problem else NO_ASSESSMENT
        return lookup
    except CaseRecordUnavailable:
        lookup.risk_problem = UNAVAILABLE
        return lookup
    lookup.assessed_at = rosh.assessed_on
    if rosh.assessed_on is None or rosh.assessed_on < now - CURRENT_ASSESSMENT:
        when = (
            _long_date(timezone.localtime(rosh.assessed_on))
            if rosh.assessed_on
            else "an unknown date"
        )
        lookup.risk_problem = STALE.format(date=when)
        return lookup
    lookup.risk_values = risk_values(rosh)
    return lookup


def changes_since_draft_began(
    referral: Referral, lookup: CaseRecordLookup
) -> list[tuple[str, str, str]]:
    """(field label, what the record said when the details were filled in, what it says
    now, as the page shows them) for each field the record has changed since; empty before
    a first prefill."""
    risk = referral.risk
    changed = []
    for snapshot, values, labels in (
        (referral.prefilled, lookup.person_values, PERSON_LABELS),
        (risk.prefilled, lookup.risk_values, RISK_LABELS),
    ):
        if not snapshot:
            continue
        before = snapshot.get("values", {})
        for name, label in labels.items():
            if name in values and _stored(values[name]) != before.get(name, ""):
                then, now = before.get(name, ""), _stored(values[name])
                changed.append((label, _display(name, then), _display(name, now)))
    return changed


# Filling in and correcting -----------------------------------------------------------------


def _changed_since_snapshot(snapshot: dict, values: dict) -> dict:
    """The record's values to put in the referral: all of them the first time; afterwards
    only those the record has changed since, so a practitioner's correction stays."""
    before = snapshot.get("values") if snapshot else None
    if before is None:
        return dict(values)
    return {name: value for name, value in values.items() if _stored(value) != before.get(name, "")}


@transaction.atomic
def case_record_apply(*, referral: Referral, by: User, lookup: CaseRecordLookup) -> list[str]:
    """Fill the referral in from the record's answers (`case_record_lookup`), keeping what
    the record said; returns the labels of the fields filled in. Only a draft, or a referral
    returned for more information."""
    from referrals import services

    referral = services._locked(referral)
    rules.require(by, "edit", referral)
    if referral.status not in (Status.DRAFT, Status.RETURNED):
        raise services.StateConflict("Only a referral not yet sent is filled in from the record")
    filled: list[str] = []
    fetched = lookup.fetched_at.isoformat()
    if lookup.person_values:
        data = _changed_since_snapshot(referral.prefilled, lookup.person_values)
        # What breaks the referral's rules (a date of birth too recent, say) is left for the
        # practitioner to enter.
        for name in validation.referral_errors(referral, data):
            data.pop(name, None)
        referral.prefilled = {
            "source": lookup.person_source,
            "fetched_at": fetched,
            "values": {name: _stored(value) for name, value in lookup.person_values.items()},
        }
        referral.save(update_fields=["prefilled", "updated_at"])
        if data:
            services.referral_update(referral=referral, by=by, data=data)
            filled += [PERSON_LABELS[name] for name in data]
            services._event(
                referral,
                kind="prefilled",
                actor=by,
                note=f"From {lookup.person_source}: {', '.join(PERSON_LABELS[n].lower() for n in data)}",
            )
    if lookup.risk_values:
        risk = RiskInformation.objects.select_for_update().get(referral=referral)
        data = _changed_since_snapshot(risk.prefilled, lookup.risk_values)
        for name in validation.risk_errors(data):
            data.pop(name, None)
        risk.prefilled = {
            "source": lookup.risk_source,
            "fetched_at": fetched,
            "assessed_at": lookup.assessed_at.isoformat() if lookup.assessed_at else "",
            "values": {name: _stored(value) for name, value in lookup.risk_values.items()},
        }
        risk.save(update_fields=["prefilled", "updated_at"])
        if data:
            services.risk_update(referral=referral, by=by, data=data)
            filled += [RISK_LABELS[name] for name in data]
            services._event(
                referral,
                kind="risk_prefilled",
                actor=by,
                note=f"From {lookup.risk_source}, assessment completed "
                f"{_long_date(timezone.localtime(lookup.assessed_at))}: "
                f"{', '.join(RISK_LABELS[n].lower() for n in data)}",
            )
    return filled


@transaction.atomic
def case_record_by_hand(*, referral: Referral, by: User, reason: str) -> Referral:
    """The practitioner enters what the record could not give, saying why."""
    from django.core.exceptions import ValidationError

    from referrals import services

    referral = services._locked(referral)
    rules.require(by, "edit", referral)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why you are entering the details by hand"]})
    referral.entered_by_hand_reason = reason.strip()
    referral.save(update_fields=["entered_by_hand_reason", "updated_at"])
    services._event(referral, kind="entered_by_hand", actor=by, note=reason.strip())
    return referral


def display_rows(values: dict, labels: dict) -> list[tuple[str, str]]:
    """(label, value as the page shows it) for each field the record gave."""
    return [
        (label, _display(name, _stored(values[name])))
        for name, label in labels.items()
        if name in values
    ]


def _display(name: str, value: str) -> str:
    if not value:
        return "none"
    if name == "last_assessed_on" or name == "date_of_birth":
        return _long_date(date.fromisoformat(value))
    if name.startswith("rosh_"):
        return RoshLevel(value).label
    if name == "sex":
        return Referral.Sex(value).label
    return value


def corrections(snapshot: dict, before: dict, after: dict, labels: dict) -> list[str]:
    """Each field the practitioner changed from the record's value (it held that value,
    and now holds another), in the timeline's words."""
    said = (snapshot or {}).get("values", {})
    found = []
    for name, value in after.items():
        if name not in said or name not in labels:
            continue
        if _stored(before.get(name)) == said[name] and _stored(value) != said[name]:
            found.append(
                f"{labels[name]}: {_display(name, said[name])} in the case record, "
                f"corrected to {_display(name, _stored(value))}"
            )
    return found


def corrections_record(
    *, referral: Referral, by: User, before: dict, after: dict, risk=None
) -> None:
    """Put the practitioner's corrections of the record's values on the timeline (called by
    the services that save a section, inside their transaction)."""
    from referrals import services

    if risk is None:
        found = corrections(referral.prefilled, before, after, PERSON_LABELS)
        kind = "case_record_corrected"
    else:
        found = corrections(risk.prefilled, before, after, RISK_LABELS)
        kind = "risk_corrected"
    if found:
        services._event(referral, kind=kind, actor=by, note="\n".join(found))


# What the pages and sending ask ------------------------------------------------------------


def sources(
    referral: Referral, *, person: bool = True, risk: RiskInformation | None = None
) -> list[dict]:
    """For each field filled in from the record: its label, where it came from and when,
    and whether the practitioner has corrected it (with what the record said). The risk's
    only when given `risk`, which the caller has read through `services.risk_read`."""
    rows = []
    for snapshot, obj, labels in (
        (referral.prefilled if person else {}, referral, PERSON_LABELS),
        (risk.prefilled if risk else {}, risk, RISK_LABELS),
    ):
        if not snapshot:
            continue
        fetched = datetime.fromisoformat(snapshot["fetched_at"])
        assessed = snapshot.get("assessed_at")
        for name, said in snapshot.get("values", {}).items():
            current = _stored(getattr(obj, name))
            rows.append(
                {
                    "name": name,
                    "label": labels[name],
                    "source": snapshot["source"],
                    "fetched_at": fetched,
                    "assessed_at": datetime.fromisoformat(assessed) if assessed else None,
                    "corrected": current != said,
                    "record_said": _display(name, said),
                }
            )
    return rows


def task_status(referral: Referral) -> str | None:
    """The "Check the probation case record" task's status, or None with no case record."""
    if not case_record_enabled():
        return None
    if referral.prefilled and referral.risk.prefilled:
        return "Completed"
    if referral.entered_by_hand_reason:
        return "Completed"
    if referral.prefilled or referral.risk.prefilled:
        return "Incomplete"
    return "Not yet started"
