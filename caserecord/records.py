"""What the probation case record says about a person, in the portal's terms: the person's
details from Delius and their risk of serious harm from Assess risks and needs (OASys).
Plain values, no HTTP: the sources (`caserecord.sources`) build them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


class CaseRecordError(Exception):
    """The case record could not answer; the message is for the practitioner."""


class CaseNotFound(CaseRecordError):
    """The case record does not know the CRN (or, for risk, has no current assessment)."""


class CaseRecordUnavailable(CaseRecordError):
    """The case record is down, slow or refused the portal: try again later, or go by hand."""


@dataclass(frozen=True)
class Disability:
    kind: str
    start_date: date | None = None
    notes: str = ""


@dataclass(frozen=True)
class CasePerson:
    """The person's case details from the Delius integration (`/probation-case/{crn}/details`)."""

    crn: str
    first_name: str
    last_name: str
    date_of_birth: date | None = None
    gender: str = ""
    primary_language: str = ""
    disabilities: tuple[Disability, ...] = ()
    no_fixed_abode: bool = False
    address: str = ""
    email: str = ""
    telephone: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class RiskToSelfAnswer:
    """One risk-to-self question of the RoSH assessment: YES, NO, DON'T KNOW or N/A."""

    risk: str = ""
    current: str = ""
    current_concerns: str = ""
    previous: str = ""
    previous_concerns: str = ""


@dataclass(frozen=True)
class RoshAssessment:
    """The risk of serious harm assessment from Assess risks and needs (`/risks/rosh/{crn}`)."""

    crn: str
    assessed_on: datetime | None
    # Level (VERY_HIGH, HIGH, MEDIUM, LOW) for each group at risk in the community.
    community_levels: dict[str, str] = field(default_factory=dict)
    overall_level: str = ""
    who_is_at_risk: str = ""
    nature_of_risk: str = ""
    risk_imminence: str = ""
    risk_increase_factors: str = ""
    risk_mitigation_factors: str = ""
    analysis_of_risk_factors: str = ""
    # suicide, selfHarm, custody, hostelSetting, vulnerability.
    risk_to_self: dict[str, RiskToSelfAnswer] = field(default_factory=dict)
    risk_to_self_assessed_on: datetime | None = None
    summary_assessed_on: datetime | None = None
