"""360Giving's data-quality checks, offline: the rules its Data Quality Tool applies to a grants
file, as its documentation names them (its library is not published as a package). Each rule
is `(name, kind, test)`: `quality` rules find data that is wrong, `usefulness` rules data that is
there but hard to use. `check(package)` lists every grant a rule flags."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

# Registers org-id.guide lists that UK funders and recipients are known by.
REGISTERED_PREFIXES = (
    "GB-CHC",
    "GB-COH",
    "GB-SC",
    "GB-NIC",
    "GB-GOR",
    "GB-LAE",
    "GB-LAS",
    "GB-LANI",
    "GB-PLA",
    "GB-EDU",
    "GB-NHS",
    "GB-MPR",
    "GB-UKPRN",
    "GB-REV",
    "GB-UKCRN",
)
CHARITY_NUMBER = re.compile(r"^(SC|NI)?[0-9]{5,8}(-[0-9]+)?$")
COMPANY_NUMBER = re.compile(r"^([0-9]{8}|[A-Z]{2}[0-9]{6})$")
EARLIEST_YEAR = 1990
LATEST_YEARS_AHEAD = 10
LARGEST_AMOUNT = 100_000_000


@dataclass(frozen=True)
class Flag:
    rule: str
    kind: str
    grant_id: str
    detail: str


def _prefix(identifier: str) -> str:
    return "-".join(identifier.split("-")[:2])


def _orgs(grant: dict, field: str) -> list[dict]:
    return grant.get(field) or []


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _funder_360g(grant):
    return [o["id"] for o in _orgs(grant, "fundingOrganization") if o["id"].startswith("360G-")]


def _recipient_360g(grant):
    return [o["id"] for o in _orgs(grant, "recipientOrganization") if o["id"].startswith("360G-")]


def _unrecognised(field):
    def test(grant):
        return [
            o["id"]
            for o in _orgs(grant, field)
            if not o["id"].startswith("360G-") and _prefix(o["id"]) not in REGISTERED_PREFIXES
        ]

    return test


def _charity_number(grant):
    return [
        o["charityNumber"]
        for o in _orgs(grant, "recipientOrganization")
        if o.get("charityNumber") and not CHARITY_NUMBER.match(o["charityNumber"])
    ]


def _company_number(grant):
    return [
        o["companyNumber"]
        for o in _orgs(grant, "recipientOrganization")
        if o.get("companyNumber") and not COMPANY_NUMBER.match(o["companyNumber"])
    ]


def _no_register_number(grant):
    return [
        o["id"]
        for o in _orgs(grant, "recipientOrganization")
        if not o.get("charityNumber") and not o.get("companyNumber")
    ]


def _incomplete_recipient(grant):
    return [
        o["id"]
        for o in _orgs(grant, "recipientOrganization")
        if not o.get("postalCode") and not any(loc.get("geoCode") for loc in o.get("location", []))
    ]


def _no_beneficiary_location(grant):
    return [] if grant.get("beneficiaryLocation") else ["none"]


def _location_without_code(grant):
    locations = list(grant.get("beneficiaryLocation", []))
    for o in _orgs(grant, "recipientOrganization"):
        locations += o.get("location", [])
    return [
        loc.get("name", loc.get("id", "?"))
        for loc in locations
        if not loc.get("geoCode") or not loc.get("geoCodeType")
    ]


def _amount(grant):
    amount = grant.get("amountAwarded")
    if not isinstance(amount, int | float) or amount <= 0 or amount > LARGEST_AMOUNT:
        return [str(amount)]
    return []


def _dates(grant):
    today = date.today()
    latest = today.replace(year=today.year + LATEST_YEARS_AHEAD)
    found = []
    moments = {"awardDate": _date(grant.get("awardDate"))}
    for planned in grant.get("plannedDates", []):
        moments["plannedDates.startDate"] = _date(planned.get("startDate"))
        moments["plannedDates.endDate"] = _date(planned.get("endDate"))
        start, end = moments["plannedDates.startDate"], moments["plannedDates.endDate"]
        if start and end and end <= start:
            found.append("plannedDates end on or before start")
    for name, moment in moments.items():
        if moment is None:
            found.append(f"{name} missing or not a date")
        elif moment.year < EARLIEST_YEAR or moment > latest:
            found.append(f"{name} {moment} out of range")
    modified = _date(grant.get("dateModified"))
    if modified and modified > today:
        found.append("dateModified in the future")
    return found


def _title_description_same(grant):
    return ["same"] if grant.get("title") == grant.get("description") else []


def _title_length(grant):
    return [grant["title"]] if len(grant.get("title", "")) > 140 else []


def _missing(field):
    return lambda grant: [] if grant.get(field) else [f"no {field}"]


Rule = tuple[str, str, Callable[[dict], list[str]]]

RULES: list[Rule] = [
    ("FundingOrgUnrecognisedPrefix", "quality", _unrecognised("fundingOrganization")),
    ("RecipientOrgUnrecognisedPrefix", "quality", _unrecognised("recipientOrganization")),
    ("RecipientOrgCharityNumber", "quality", _charity_number),
    ("RecipientOrgCompanyNumber", "quality", _company_number),
    ("AmountOutOfRange", "quality", _amount),
    ("DatesOutOfRange", "quality", _dates),
    ("FundingOrg360GPrefix", "usefulness", _funder_360g),
    ("RecipientOrg360GPrefix", "usefulness", _recipient_360g),
    ("NoRecipientOrgCompanyCharityNumber", "usefulness", _no_register_number),
    ("IncompleteRecipientOrg", "usefulness", _incomplete_recipient),
    ("NoBeneficiaryLocation", "usefulness", _no_beneficiary_location),
    ("LocationNameButNoCode", "usefulness", _location_without_code),
    ("NoGrantProgramme", "usefulness", _missing("grantProgramme")),
    ("NoClassifications", "usefulness", _missing("classifications")),
    ("NoPlannedDates", "usefulness", _missing("plannedDates")),
    ("NoLastModified", "usefulness", _missing("dateModified")),
    ("NoDataSource", "usefulness", _missing("dataSource")),
    ("TitleDescriptionSame", "usefulness", _title_description_same),
    ("TitleLength", "usefulness", _title_length),
]


def check(package: dict) -> list[Flag]:
    """Every flag every rule raises on the package's grants, and one for a file with more
    than one lead funder (MoreThanOneFundingOrg: a file is one funder's)."""
    flags = []
    for grant in package.get("grants", []):
        for name, kind, test in RULES:
            for detail in test(grant):
                flags.append(Flag(name, kind, grant.get("id", "?"), detail))
    funders = {
        g["fundingOrganization"][0]["id"]
        for g in package.get("grants", [])
        if g.get("fundingOrganization")
    }
    if len(funders) > 1:
        flags.append(Flag("MoreThanOneFundingOrg", "usefulness", "*", ", ".join(sorted(funders))))
    return flags
