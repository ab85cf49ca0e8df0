"""The case-record source the portal uses, chosen by the `CASE_RECORD_SOURCE` setting:

- `none` (the default): no case record; the practitioner enters everything by hand.
- `hmpps`: the HMPPS APIs (`caserecord.hmpps`), reached with the portal's HMPPS Auth client.

Everything else asks `case_record_source()` and sees only `CaseRecordSource`."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from caserecord.records import CasePerson, CaseRecordUnavailable, RoshAssessment


class CaseRecordSource(Protocol):
    # False for manual entry: the pages offer no prefill at all.
    enabled: bool
    # Where the values came from, in the practitioner's words.
    person_source: str
    risk_source: str

    def person(self, crn: str) -> CasePerson:
        """The person's details; raises CaseNotFound or CaseRecordUnavailable."""
        ...

    def rosh(self, crn: str) -> RoshAssessment:
        """The latest RoSH assessment; raises CaseNotFound (no assessment in the last year
        or no such person) or CaseRecordUnavailable."""
        ...


class NoCaseRecord:
    """Manual entry: nothing is fetched."""

    enabled = False
    person_source = risk_source = ""

    def person(self, crn: str) -> CasePerson:
        raise CaseRecordUnavailable("No probation case record is connected to the portal")

    def rosh(self, crn: str) -> RoshAssessment:
        raise CaseRecordUnavailable("No probation case record is connected to the portal")


def case_record_source() -> CaseRecordSource:
    """The source the settings name."""
    name = settings.CASE_RECORD_SOURCE
    if name == "none":
        return NoCaseRecord()
    if name == "hmpps":
        from caserecord.hmpps import HmppsCaseRecord

        return HmppsCaseRecord.from_settings()
    raise ImproperlyConfigured(f"CASE_RECORD_SOURCE must be none or hmpps, not {name!r}")


def case_record_enabled() -> bool:
    return settings.CASE_RECORD_SOURCE != "none"
