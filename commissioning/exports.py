"""Open data about awards: 360Giving for grants, OCDS for contracts. No personal data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from commissioning.models import (
    Application,
    ContractRelease,
    FundingRound,
    GrantRecord,
    Mechanism,
)
from partnership.models import CommissioningBody, Pdu
from partnership.spreadsheets import csv_writer

CURRENCY = "GBP"
LICENCE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
PUBLISHER = "Probation partnerships"
# `tender.lots` and `awards.relatedLots` are the Lots extension's, at the version for OCDS 1.1.5.
OCDS_EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json"
]
# The registers behind org-ids that OCDS parties name as `identifier.scheme`.
ORG_ID_SCHEMES = ("GB-CHC", "GB-COH", "GB-GOR", "GB-LAE", "GB-SC", "GB-NIC")
# Each probation region as the statistical geography it covers: an ONS region or country
# code where the two are the same area, otherwise the ITL 2 areas (2025 codes) it is made of.
REGION_GEOCODES: dict[str, list[tuple[str, str, str]]] = {
    "A": [("E12000001", "RGN", "North East")],
    "B": [
        ("TLD1", "ITL2", "Cumbria"),
        ("TLD4", "ITL2", "Lancashire"),
        ("TLD6", "ITL2", "Cheshire"),
        ("TLD7", "ITL2", "Merseyside"),
    ],
    "C": [("E12000003", "RGN", "Yorkshire and The Humber")],
    "D": [("W92000004", "CTRY", "Wales")],
    "E": [("E12000005", "RGN", "West Midlands")],
    "F": [("E12000004", "RGN", "East Midlands")],
    "G": [("E12000009", "RGN", "South West")],
    "H": [
        ("TLJ1", "ITL2", "Berkshire, Buckinghamshire and Oxfordshire"),
        ("TLJ3", "ITL2", "Hampshire and Isle of Wight"),
    ],
    "I": [("E12000006", "RGN", "East of England")],
    "J": [("E12000007", "RGN", "London")],
    "K": [("TLJ2", "ITL2", "Surrey, East and West Sussex"), ("TLJ4", "ITL2", "Kent")],
    "L": [("TLD3", "ITL2", "Greater Manchester")],
}
# The transaction lock `record_grants` takes, so recordings of grants take turns.
GRANT_RECORDS_LOCK = 360_360


def _prefix() -> str:
    return settings.OPEN_DATA_PREFIX


def timestamp(moment: datetime) -> str:
    """A moment in UTC to the second, as both standards write date-times."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def body_org_id(body: CommissioningBody) -> str:
    """A commissioning body's org-id: its own, or HMPPS's for an HMPPS team without one."""
    if body.org_id:
        return body.org_id
    if body.kind == CommissioningBody.Kind.HMPPS:
        return settings.HMPPS_ORG_ID
    return f"360G-{_prefix()}-funder-{body.pk}"


def _funder(body: CommissioningBody) -> dict:
    return {"id": body_org_id(body), "name": body.name}


def _region_locations(regions, *, served: dict | None = None) -> list[dict]:
    """Each region as 360Giving locations with their geographic codes; `served` names the
    PDUs the grant serves in each region, for the description."""
    locations = []
    for region in regions:
        pdus = (served or {}).get(region.code, [])
        for code, code_type, name in REGION_GEOCODES.get(region.code, []):
            location = {
                "id": code,
                "name": name,
                "countryCode": "GB",
                "geoCode": code,
                "geoCodeType": code_type,
            }
            if pdus:
                location["description"] = (
                    f"{region.name} probation region: {', '.join(pdus)} "
                    f"Probation Delivery Unit{'s' if len(pdus) > 1 else ''}"
                )
            locations.append(location)
    return locations


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
    if organisation.head_office_region:
        recipient["location"] = _region_locations([organisation.head_office_region])
    return recipient


def _awarded(mechanism: str):
    """Successful applications of rounds past consultation, each with the moment it or its
    agreement last changed (`changed_at`), from their audit history."""
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
            "organisation__head_office_region",
            "lot__funding_round__lead_body",
            "lot__category",
            "agreement",
        )
        .prefetch_related(
            Prefetch("lot__pdus", queryset=Pdu.objects.select_related("region").order_by("name")),
            Prefetch("pdus", queryset=Pdu.objects.select_related("region").order_by("name")),
            "lot__funding_round__co_funders",
        )
        .annotate(
            application_changed_at=Max("history__pgh_created_at"),
            agreement_changed_at=Max("agreement__history__pgh_created_at"),
        )
        .order_by("lot__funding_round_id", "lot_id", "pk")
    )


def _changed_at(application) -> datetime:
    moments = [
        application.created_at,
        application.application_changed_at,
        application.agreement_changed_at,
    ]
    agreement = getattr(application, "agreement", None)
    if agreement:
        moments.append(agreement.created_at)
    return max(moment for moment in moments if moment)


def _served(application) -> tuple[list, dict]:
    """The regions a grant serves and its PDUs in each: the ones applied for, else the lot's."""
    pdus = list(application.pdus.all()) or list(application.lot.pdus.all())
    regions, served = {}, {}
    for pdu in pdus:
        regions[pdu.region.code] = pdu.region
        served.setdefault(pdu.region.code, []).append(pdu.name)
    return [regions[code] for code in sorted(regions)], served


def _grant(application) -> tuple[dict, datetime]:
    """An awarded application as a 360Giving grant, and when the data in it last changed."""
    funding_round = application.lot.funding_round
    agreement = getattr(application, "agreement", None)
    changed_at = _changed_at(application)
    regions, served = _served(application)
    title = f"{application.lot.title}: {application.organisation.name}"[:140]
    grant = {
        "id": f"360G-{_prefix()}-{application.public_id}",
        "title": title,
        "description": application.approach
        if application.approach and application.approach != title
        else f"{application.lot.title}, a lot of {funding_round.title}",
        "currency": CURRENCY,
        "amountAwarded": agreement.value if agreement else (application.amount_requested or 0),
        "awardDate": (funding_round.decision_by or changed_at.date()).isoformat(),
        "recipientOrganization": [_recipient(application.organisation)],
        "fundingOrganization": [
            _funder(funding_round.lead_body),
            *(_funder(body) for body in funding_round.co_funders.all()),
        ],
        "grantProgramme": [{"code": str(funding_round.public_id), "title": funding_round.title}],
        "beneficiaryLocation": _region_locations(regions, served=served),
        "classifications": [
            {
                "vocabulary": f"{_prefix()}-service-categories",
                "code": application.lot.category.slug,
                "title": application.lot.category.name,
            }
        ],
        "fromOpenCall": "Yes",
        "dateModified": timestamp(changed_at),
        "dataSource": settings.OPEN_DATA_SOURCE_URL,
    }
    if application.amount_requested:
        grant["amountAppliedFor"] = application.amount_requested
    if agreement:
        grant["plannedDates"] = [
            {
                "startDate": agreement.starts_on.isoformat(),
                "endDate": agreement.ends_on.isoformat(),
                "duration": _months(agreement.starts_on, agreement.ends_on),
            }
        ]
    return grant, changed_at


def _grant_document(grant: dict) -> str:
    """A grant's JSON as the export writes it, so a stored grant is spliced in unchanged."""
    return json.dumps(grant, ensure_ascii=False, indent=2)


@transaction.atomic
def record_grants(*, round_ids: Iterable[int] | None = None) -> int:
    """Rewrite the stored grants of every round (or each of `round_ids`) to match the data:
    a grant for each awarded application of a grant round past consultation, rewritten where
    its document changed, deleted where it is no longer awarded or published. A grant's
    `dateModified` is when its data last changed, or, where what changed carries no date (a
    recipient renamed, say), when it was rewritten: so the export's `Last-Modified` moves with
    every change to it. Called once a change is committed (`commissioning.receivers`);
    returns how many grants it wrote or deleted.

    Recordings take turns (a transaction lock), so one that read older data never writes
    after one that read newer: the last to write read the last committed change."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GRANT_RECORDS_LOCK])
    awarded = _awarded(Mechanism.GRANT)
    records = GrantRecord.objects.all()
    if round_ids is not None:
        round_ids = list(round_ids)
        awarded = awarded.filter(lot__funding_round__in=round_ids)
        records = records.filter(application__lot__funding_round__in=round_ids)
    stale = {
        application_id: (digest, modified)
        for application_id, digest, modified in records.values_list(
            "application_id", "digest", "modified"
        )
    }
    changed = []
    for application in awarded:
        grant, changed_at = _grant(application)
        digest, modified = stale.pop(application.pk, (None, None))
        if modified and changed_at <= modified:
            # Nothing dated changed since the grant was written: it keeps its date, unless
            # something undated in it changed (a recipient's or funder's name, a PDU).
            changed_at = modified
            grant["dateModified"] = timestamp(modified)
        document = _grant_document(grant)
        if hashlib.sha256(document.encode()).hexdigest() == digest:
            continue
        if modified and changed_at == modified:
            changed_at = max(timezone.now(), modified)
            grant["dateModified"] = timestamp(changed_at)
            document = _grant_document(grant)
        changed.append(
            GrantRecord(
                application=application,
                modified=changed_at,
                digest=hashlib.sha256(document.encode()).hexdigest(),
                document=document,
            )
        )
    GrantRecord.objects.bulk_create(
        changed,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["application"],
        update_fields=["modified", "digest", "document"],
    )
    deleted, _ = GrantRecord.objects.filter(application__in=list(stale)).delete()
    return len(changed) + deleted


def _grant_records():
    """The stored grants in the order the export lists them: by round, lot and application."""
    return GrantRecord.objects.order_by(
        "application__lot__funding_round_id", "application__lot_id", "application_id"
    ).values_list("document", "modified")


def _giving_head(modified: list[datetime]) -> dict:
    """The package's fields after its grants; `issued` and `modified` from the latest change
    to a grant."""
    head = {
        "version": "1.4",
        "title": "Probation partnerships: grants awarded",
        "license": LICENCE,
        "publisher": {"name": PUBLISHER},
    }
    if modified:
        head["issued"] = max(modified).date().isoformat()
        head["modified"] = timestamp(max(modified))
    return head


def giving_package() -> dict:
    """Awarded grants as a 360Giving data package, from the stored grants. Every date comes
    from the data, so the package is the same, byte for byte, until something in it changes."""
    records = list(_grant_records())
    return {
        "grants": [json.loads(document) for document, _ in records],
        **_giving_head([modified for _, modified in records]),
    }


def giving_package_json() -> tuple[str, datetime | None]:
    """`giving_package()` as JSON indented by two, and when its data last changed: the same
    text as dumping the package, made by splicing in each stored grant as it is rather than
    parsing and writing every grant again."""
    records = list(_grant_records())
    head = _giving_head([modified for _, modified in records])
    rest = json.dumps(head, ensure_ascii=False, indent=2).removeprefix("{\n")
    # A grant sits two levels in: four more spaces on each of its lines. JSON writes a line
    # break inside a string as an escape, so each break in a document starts a line of it.
    grants = ",\n    ".join(document.replace("\n", "\n    ") for document, _ in records)
    grants = f"[\n    {grants}\n  ]" if records else "[]"
    return f'{{\n  "grants": {grants},\n{rest}', giving_last_modified(head)


def giving_last_modified(package: dict) -> datetime | None:
    return _parse(package.get("modified"))


def _months(starts_on, ends_on) -> int:
    return (ends_on.year - starts_on.year) * 12 + ends_on.month - starts_on.month


# OCDS: each contract round is a contracting process; each state of it published is a release.


def ocid(funding_round: FundingRound) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{funding_round.public_id}"


def _party(*, id: str, name: str, roles: list[str]) -> dict:
    party = {"id": id, "name": name}
    scheme, _, number = id.rpartition("-")
    if scheme in ORG_ID_SCHEMES:
        party["identifier"] = {"scheme": scheme, "id": number, "legalName": name}
    party["roles"] = roles
    return party


def _contract_rounds():
    return (
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
        .annotate(stepped_at=Max("steps__at"))
        .order_by("pk")
    )


def _release_content(funding_round: FundingRound) -> tuple[dict, datetime]:
    """A round's current state as an OCDS release without its `id` and `date`, and when the
    data in it last changed."""
    round_ocid = ocid(funding_round)
    buyer = {"id": body_org_id(funding_round.lead_body), "name": funding_round.lead_body.name}
    parties = [_party(**buyer, roles=["buyer", "procuringEntity"])]
    changed = [funding_round.created_at, funding_round.stepped_at]
    awards, contracts = [], []
    for lot in funding_round.lots.all():
        for application in lot.applications.all():
            changed.append(_changed_at(application))
            organisation = application.organisation
            supplier = {
                "id": organisation.org_id or f"{_prefix()}-org-{organisation.public_id}",
                "name": organisation.name,
            }
            parties.append(_party(**supplier, roles=["supplier"]))
            agreement = getattr(application, "agreement", None)
            value = agreement.value if agreement else (application.amount_requested or 0)
            award_id = f"{round_ocid}-award-{application.public_id}"
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
                        "id": f"{round_ocid}-contract-{agreement.public_id}",
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
        "ocid": round_ocid,
        "tag": tag,
        "initiationType": "tender",
        "language": "en",
        "buyer": buyer,
        "parties": _unique_parties(parties),
        "tender": {
            "id": str(funding_round.public_id),
            "title": funding_round.title,
            "status": "active" if funding_round.status == FundingRound.Status.OPEN else "complete",
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
    return release, max(moment for moment in changed if moment)


def _digest(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def record_releases(*, round_ids: Iterable[int] | None = None) -> int:
    """Record a new release for each contract round (or each of `round_ids`) whose state
    differs from its latest release: its id is the next in the round's sequence, its date when
    the data last changed (or now, where nothing dated changed, such as a lot's budget).
    Unchanged rounds keep their latest release, so the package stays the same until something
    changes. Called once a change to a round is committed (`commissioning.receivers`); returns
    how many releases it recorded."""
    rounds = _contract_rounds()
    releases = ContractRelease.objects.all()
    if round_ids is not None:
        rounds = rounds.filter(pk__in=list(round_ids))
        releases = releases.filter(funding_round__in=list(round_ids))
    latest = {
        release.funding_round_id: release
        for release in releases.order_by("funding_round_id", "-sequence").distinct(
            "funding_round_id"
        )
    }
    recorded = 0
    for funding_round in rounds:
        content, changed_at = _release_content(funding_round)
        digest = _digest(content)
        previous = latest.get(funding_round.pk)
        if previous and previous.digest == digest:
            continue
        sequence = previous.sequence + 1 if previous else 1
        if previous and changed_at <= previous.date:
            changed_at = timezone.now()
        release = {
            "ocid": content["ocid"],
            "id": f"{content['ocid']}-{sequence}",
            "date": timestamp(changed_at),
            **{key: value for key, value in content.items() if key != "ocid"},
        }
        try:
            with transaction.atomic():
                ContractRelease.objects.create(
                    funding_round=funding_round,
                    sequence=sequence,
                    date=changed_at,
                    digest=digest,
                    document=json.dumps(release, ensure_ascii=False),
                )
        except IntegrityError:
            continue  # another commit recorded this state first
        recorded += 1
    return recorded


def _package_head(*, uri: str, published: datetime | None) -> dict:
    head = {"uri": uri, "version": "1.1", "extensions": OCDS_EXTENSIONS}
    if published:
        head["publishedDate"] = timestamp(published)
    head["publisher"] = {"name": PUBLISHER}
    head["license"] = LICENCE
    return head


def _releases(ocids: Iterable[str] | None = None):
    releases = ContractRelease.objects.select_related("funding_round").order_by(
        "funding_round_id", "sequence"
    )
    if ocids is not None:
        releases = releases.filter(funding_round__public_id__in=list(ocids))
    return list(releases)


def ocds_package(*, base_uri: str) -> dict:
    """Every release of every contract round, oldest first per round: an OCDS 1.1 release
    package whose `publishedDate` is when the data last changed."""
    releases = _releases()
    return {
        **_package_head(uri=base_uri, published=max((r.date for r in releases), default=None)),
        "releases": [release.release for release in releases],
    }


def ocds_record_package(*, base_uri: str, releases_uri: str, round_id=None) -> dict | None:
    """Each contract round's record: its releases and the compiled release merged from them.
    With `round_id`, the one round's record, or None if it has no release."""
    releases = _releases(None if round_id is None else [round_id])
    if round_id is not None and not releases:
        return None
    by_ocid: dict[str, list[dict]] = {}
    for release in releases:
        by_ocid.setdefault(release.release["ocid"], []).append(release.release)
    records = [
        {"ocid": round_ocid, "releases": history, "compiledRelease": compile_release(history)}
        for round_ocid, history in by_ocid.items()
    ]
    return {
        **_package_head(uri=base_uri, published=max((r.date for r in releases), default=None)),
        "packages": [releases_uri],
        "records": records,
    }


def compile_release(releases: list[dict]) -> dict:
    """The compiled release: the releases merged oldest first by OCDS's merge rules (objects
    merge field by field, arrays of objects with ids merge by id, other arrays are replaced)."""
    compiled: dict = {}
    for release in sorted(releases, key=lambda release: release["date"]):
        compiled = _merge(compiled, {k: v for k, v in release.items() if k not in ("id", "tag")})
    latest = max(releases, key=lambda release: release["date"])
    return {
        "ocid": latest["ocid"],
        "id": f"{latest['ocid']}-{latest['date']}",
        "date": latest["date"],
        "tag": ["compiled"],
        **{k: v for k, v in compiled.items() if k not in ("ocid", "id", "date", "tag")},
    }


def _merge(old, new):
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            merged[key] = _merge(old[key], value) if key in old else value
        return merged
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and all(isinstance(item, dict) and "id" in item for item in old + new)
    ):
        merged = {item["id"]: item for item in old}
        for item in new:
            merged[item["id"]] = _merge(merged[item["id"]], item) if item["id"] in merged else item
        return list(merged.values())
    return new


def ocds_last_modified(package: dict) -> datetime | None:
    return _parse(package.get("publishedDate"))


def _parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")) if moment else None


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
    ("Recipient Org:Location:Identifier", ("recipientOrganization", 0, "location", 0, "id")),
    ("Recipient Org:Location:Name", ("recipientOrganization", 0, "location", 0, "name")),
    (
        "Recipient Org:Location:Country Code",
        ("recipientOrganization", 0, "location", 0, "countryCode"),
    ),
    (
        "Recipient Org:Location:Geographic Code",
        ("recipientOrganization", 0, "location", 0, "geoCode"),
    ),
    (
        "Recipient Org:Location:Geographic Code Type",
        ("recipientOrganization", 0, "location", 0, "geoCodeType"),
    ),
    ("Funding Org:Identifier", ("fundingOrganization", 0, "id")),
    ("Funding Org:Name", ("fundingOrganization", 0, "name")),
    ("Planned Dates:Start Date", ("plannedDates", 0, "startDate")),
    ("Planned Dates:End Date", ("plannedDates", 0, "endDate")),
    ("Planned Dates:Duration (months)", ("plannedDates", 0, "duration")),
    ("Grant Programme:Code", ("grantProgramme", 0, "code")),
    ("Grant Programme:Title", ("grantProgramme", 0, "title")),
    ("Beneficiary Location:Identifier", ("beneficiaryLocation", 0, "id")),
    ("Beneficiary Location:Name", ("beneficiaryLocation", 0, "name")),
    ("Beneficiary Location:Description", ("beneficiaryLocation", 0, "description")),
    ("Beneficiary Location:Country Code", ("beneficiaryLocation", 0, "countryCode")),
    ("Beneficiary Location:Geographic Code", ("beneficiaryLocation", 0, "geoCode")),
    ("Beneficiary Location:Geographic Code Type", ("beneficiaryLocation", 0, "geoCodeType")),
    ("Classifications:Vocabulary", ("classifications", 0, "vocabulary")),
    ("Classifications:Code", ("classifications", 0, "code")),
    ("Classifications:Title", ("classifications", 0, "title")),
    ("From An Open Call?", ("fromOpenCall",)),
    ("Last Modified", ("dateModified",)),
    ("Data Source", ("dataSource",)),
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
    contract signed from it, as each round's latest release has them; rounds still in tender
    have no awards and so no rows."""
    yield [heading for heading, _ in OCDS_CSV_COLUMNS]
    latest = {release["ocid"]: release for release in package["releases"]}
    for release in latest.values():
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
