"""Open data about awards: 360Giving for grants, OCDS for contracts. No personal data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from commissioning.models import Application, FundingRound, Mechanism
from partnership.spreadsheets import csv_writer

CURRENCY = "GBP"


def _prefix() -> str:
    return settings.OPEN_DATA_PREFIX


def _funder(body) -> dict:
    return {"id": f"360G-{_prefix()}-funder-{body.pk}", "name": body.name}


def _recipient(organisation) -> dict:
    recipient = {
        "id": organisation.org_id or f"360G-{_prefix()}-org-{organisation.public_id}",
        "name": organisation.name,
    }
    if organisation.charity_number:
        recipient["charityNumber"] = organisation.charity_number
    if organisation.company_number:
        recipient["companyNumber"] = organisation.company_number
    if organisation.website:
        recipient["url"] = organisation.website
    return recipient


def _awarded(mechanism: str):
    return (
        Application.objects.filter(
            status=Application.Status.SUCCESSFUL, lot__funding_round__mechanism=mechanism
        )
        .exclude(
            lot__funding_round__status__in=[
                FundingRound.Status.DRAFT,
                FundingRound.Status.CONSULTATION,
            ]
        )
        .select_related(
            "organisation", "lot__funding_round__lead_body", "lot__category", "agreement"
        )
        .order_by("lot__funding_round_id", "lot_id", "pk")
    )


def giving_package() -> dict:
    """Awarded grants as a 360Giving data package."""
    grants = []
    for application in _awarded(Mechanism.GRANT):
        funding_round = application.lot.funding_round
        agreement = getattr(application, "agreement", None)
        grant = {
            "id": f"360G-{_prefix()}-{application.public_id}",
            "title": f"{application.lot.title}: {application.organisation.name}"[:140],
            "description": application.approach or application.lot.title,
            "currency": CURRENCY,
            "amountAwarded": agreement.value if agreement else (application.amount_requested or 0),
            "awardDate": (funding_round.decision_by or timezone.localdate()).isoformat(),
            "recipientOrganization": [_recipient(application.organisation)],
            "fundingOrganization": [_funder(funding_round.lead_body)],
            "grantProgramme": [
                {"code": str(funding_round.public_id), "title": funding_round.title}
            ],
            "fromOpenCall": "Yes",
            "dateModified": timezone.now().isoformat(timespec="seconds"),
        }
        if application.amount_requested:
            grant["amountAppliedFor"] = application.amount_requested
        if agreement:
            grant["plannedDates"] = [
                {
                    "startDate": agreement.starts_on.isoformat(),
                    "endDate": agreement.ends_on.isoformat(),
                }
            ]
        grants.append(grant)
    return {
        "grants": grants,
        "version": "1.4",
        "title": "Probation partnerships: grants awarded",
        "issued": timezone.localdate().isoformat(),
        "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    }


def ocds_package(*, base_uri: str) -> dict:
    """Contract rounds, their awards and contracts as an OCDS 1.1 release package."""
    rounds = (
        FundingRound.objects.filter(mechanism=Mechanism.CONTRACT)
        .exclude(status__in=[FundingRound.Status.DRAFT, FundingRound.Status.CONSULTATION])
        .select_related("lead_body")
        .prefetch_related(
            # Each award reads only its organisation and agreement: its lot and round are
            # the ones it is prefetched under.
            Prefetch(
                "lots__applications",
                queryset=_awarded(Mechanism.CONTRACT)
                .select_related(None)
                .select_related("organisation", "agreement"),
            ),
            "lots",
        )
        .order_by("pk")
    )
    now = timezone.now().isoformat(timespec="seconds")
    releases = []
    for funding_round in rounds:
        ocid = f"ocds-{_prefix()}-{funding_round.public_id}"
        buyer = {
            "id": f"{_prefix()}-body-{funding_round.lead_body_id}",
            "name": funding_round.lead_body.name,
        }
        parties = [{**buyer, "roles": ["buyer", "procuringEntity"]}]
        awards, contracts = [], []
        for lot in funding_round.lots.all():
            for application in lot.applications.all():
                supplier = {
                    "id": application.organisation.org_id
                    or f"{_prefix()}-org-{application.organisation.public_id}",
                    "name": application.organisation.name,
                }
                parties.append({**supplier, "roles": ["supplier"]})
                agreement = getattr(application, "agreement", None)
                value = agreement.value if agreement else (application.amount_requested or 0)
                award_id = f"{ocid}-award-{application.public_id}"
                award = {
                    "id": award_id,
                    "title": lot.title,
                    "status": "active",
                    "value": {"amount": value, "currency": CURRENCY},
                    "suppliers": [supplier],
                    "relatedLots": [str(lot.pk)],
                }
                if funding_round.decision_by:
                    award["date"] = f"{funding_round.decision_by.isoformat()}T00:00:00Z"
                awards.append(award)
                if agreement:
                    contracts.append(
                        {
                            "id": f"{ocid}-contract-{agreement.public_id}",
                            "awardID": award_id,
                            "status": {
                                "mobilising": "pending",
                                "live": "active",
                                "ended": "terminated",
                                "terminated": "cancelled",
                            }[agreement.status],
                            "value": {"amount": agreement.value, "currency": CURRENCY},
                            "period": {
                                "startDate": f"{agreement.starts_on.isoformat()}T00:00:00Z",
                                "endDate": f"{agreement.ends_on.isoformat()}T00:00:00Z",
                            },
                        }
                    )
        tag = ["award"] if awards else ["tender"]
        if contracts:
            tag.append("contract")
        release = {
            "ocid": ocid,
            "id": f"{ocid}-{funding_round.status}",
            "date": now,
            "tag": tag,
            "initiationType": "tender",
            "language": "en",
            "buyer": buyer,
            "parties": _unique_parties(parties),
            "tender": {
                "id": str(funding_round.public_id),
                "title": funding_round.title,
                "status": "active"
                if funding_round.status == FundingRound.Status.OPEN
                else "complete",
                "value": {"amount": funding_round.budget, "currency": CURRENCY},
                "procurementMethod": "open",
                "lots": [
                    {
                        "id": str(lot.pk),
                        "title": lot.title,
                        "value": {"amount": lot.budget, "currency": CURRENCY},
                    }
                    for lot in funding_round.lots.all()
                ],
            },
        }
        if awards:
            release["awards"] = awards
        if contracts:
            release["contracts"] = contracts
        releases.append(release)
    return {
        "uri": base_uri,
        "version": "1.1",
        "publishedDate": now,
        "publisher": {"name": "Probation partnerships"},
        "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "releases": releases,
    }


def _unique_parties(parties: list[dict]) -> list[dict]:
    merged: dict[str, dict] = {}
    for party in parties:
        if party["id"] in merged:
            merged[party["id"]]["roles"] = sorted(
                set(merged[party["id"]]["roles"]) | set(party["roles"])
            )
        else:
            merged[party["id"]] = dict(party)
    return list(merged.values())


# Spreadsheet versions of the two packages. Each column is a heading and the path to its
# value, so the CSV is read off the very package the JSON export serves and cannot drift.

GIVING_CSV_COLUMNS: list[tuple[str, tuple]] = [
    # Headings as in the 360Giving flat template (the schema's titles joined with ':').
    ("Identifier", ("id",)),
    ("Title", ("title",)),
    ("Description", ("description",)),
    ("Currency", ("currency",)),
    ("Amount Applied For", ("amountAppliedFor",)),
    ("Amount Awarded", ("amountAwarded",)),
    ("Award Date", ("awardDate",)),
    ("Recipient Org:Identifier", ("recipientOrganization", 0, "id")),
    ("Recipient Org:Name", ("recipientOrganization", 0, "name")),
    ("Recipient Org:Charity Number", ("recipientOrganization", 0, "charityNumber")),
    ("Recipient Org:Company Number", ("recipientOrganization", 0, "companyNumber")),
    ("Recipient Org:Web Address", ("recipientOrganization", 0, "url")),
    ("Funding Org:Identifier", ("fundingOrganization", 0, "id")),
    ("Funding Org:Name", ("fundingOrganization", 0, "name")),
    ("Planned Dates:Start Date", ("plannedDates", 0, "startDate")),
    ("Planned Dates:End Date", ("plannedDates", 0, "endDate")),
    ("Grant Programme:Code", ("grantProgramme", 0, "code")),
    ("Grant Programme:Title", ("grantProgramme", 0, "title")),
    ("From An Open Call?", ("fromOpenCall",)),
    ("Last Modified", ("dateModified",)),
]

OCDS_CSV_COLUMNS: list[tuple[str, tuple]] = [
    # Headings are the OCDS field paths; each row is one award with its release, lot and contract.
    ("ocid", ("release", "ocid")),
    ("id", ("release", "id")),
    ("buyer/name", ("release", "buyer", "name")),
    ("tender/title", ("release", "tender", "title")),
    ("tender/procurementMethod", ("release", "tender", "procurementMethod")),
    ("tender/lots/title", ("lot", "title")),
    ("awards/id", ("award", "id")),
    ("awards/status", ("award", "status")),
    ("awards/date", ("award", "date")),
    ("awards/value/amount", ("award", "value", "amount")),
    ("awards/value/currency", ("award", "value", "currency")),
    ("awards/suppliers/id", ("award", "suppliers", 0, "id")),
    ("awards/suppliers/name", ("award", "suppliers", 0, "name")),
    ("contracts/period/startDate", ("contract", "period", "startDate")),
    ("contracts/period/endDate", ("contract", "period", "endDate")),
]


def giving_csv_rows(package: dict) -> Iterator[list]:
    """The heading row, then one row per grant of a `giving_package()`."""
    yield [heading for heading, _ in GIVING_CSV_COLUMNS]
    for grant in package["grants"]:
        yield [_dig(grant, path) for _, path in GIVING_CSV_COLUMNS]


def ocds_csv_rows(package: dict) -> Iterator[list]:
    """The heading row, then one row per award of an `ocds_package()`, beside its lot and the
    contract signed from it; rounds still in tender have no awards and so no rows."""
    yield [heading for heading, _ in OCDS_CSV_COLUMNS]
    for release in package["releases"]:
        lots = {lot["id"]: lot for lot in release["tender"]["lots"]}
        contracts = {contract["awardID"]: contract for contract in release.get("contracts", [])}
        for award in release.get("awards", []):
            context = {
                "release": release,
                "award": award,
                "lot": lots.get(_dig(award, ("relatedLots", 0)), {}),
                "contract": contracts.get(award["id"], {}),
            }
            yield [_dig(context, path) for _, path in OCDS_CSV_COLUMNS]


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """Each row as one CSV line, written as it is asked for, for a streaming response."""
    writer = csv_writer(_Echo())
    return (writer.writerow(row) for row in rows)


class _Echo:
    """A file whose `write` hands the line back, so csv.writer can feed a generator."""

    def write(self, line: str) -> str:
        return line


def _dig(document, path: tuple):
    """The value at `path`, or an empty cell where the package leaves the field out."""
    for key in path:
        try:
            document = document[key]
        except (KeyError, IndexError, TypeError):
            return ""
    return "" if document is None else document
