"""The partnership report: a region's period in one page, for the inspector, the commissioner
and the sector's representatives alike.

`partnership_report` reads every section from the figure code the portal's own pages use
(capacity, referrals, commissioning, providers and `intelligence.figures`) and returns plain
JSON: each section a title, a sentence on where its figures come from, a table (columns and
rows) and a chart (bars). The commissioners' version names organisations; the providers'
version (also the open data) names none and withholds small counts
(`intelligence.suppression`), so nothing in it could identify a person or a member of staff.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DateTimeField, Exists, F, Min, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from capacity.utilisation import utilisation_history
from commissioning.models import Agreement, Mechanism
from intelligence import figures, suppression
from intelligence.models import CHARACTERISTICS, MissingInformation, UnmetNeed
from partnership.models import Region, User
from partnership.months import add_months, month_bounds, month_start
from partnership.working_days import add_working_days
from providers.models import (
    AgreementSignature,
    Organisation,
    Service,
    SizeBand,
)
from providers.rules import current_risk_training_q
from providers.selectors import agreement_current
from referrals.models import (
    CLOSED_STATUSES,
    DeclineReason,
    EndOfServiceReport,
    OutcomeResult,
    Referral,
    ReferralEvent,
    Session,
    Status,
)
from referrals.reminders import decision_due_on

COMMISSIONERS, PROVIDERS = "commissioners", "providers"
AUDIENCES = {
    COMMISSIONERS: "Commissioners",
    PROVIDERS: "Providers (no personal data)",
}
SMALL_BANDS = (SizeBand.MICRO, SizeBand.SMALL)
LONG_TERM_MONTHS = 24
ACCEPTED = (Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED)
HOLDING = (Status.ACCEPTED, Status.IN_PROGRESS)
SURVEYS_EMPTY = "No survey of the region was open in this period"


def period_months(period_start: date, period_end: date) -> list[date]:
    """The first days of the months from `period_start`'s to `period_end`'s."""
    months, month = [], month_start(period_start)
    while month <= period_end:
        months.append(month)
        month = add_months(month, 1)
    return months


def period_label(period_start: date, period_end: date) -> str:
    months = period_months(period_start, period_end)
    if len(months) == 1:
        return f"{period_start:%B %Y}"
    return f"{period_start:%B %Y} to {period_end:%B %Y}"


def _percent(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part * 100 / whole, 1)


def _number(value) -> float | int | None:
    """A figure as JSON: Decimals become floats."""
    return float(value) if isinstance(value, Decimal) else value


def _bars(pairs, *, unit: str = "") -> dict:
    """A chart's bars from (label, value) pairs, each with its width as a share of the
    largest; a withheld value (None) has no bar."""
    pairs = [(label, _number(value)) for label, value in pairs]
    largest = max((value for _, value in pairs if value), default=0)
    return {
        "unit": unit,
        "bars": [
            {
                "label": label,
                "value": value,
                "width": round(value * 100 / largest, 1) if value and largest else 0,
            }
            for label, value in pairs
        ],
    }


def _section(
    key, title, source, columns, rows, chart, *, counts=(), labels=1, note="", shares=()
) -> dict:
    """A section as JSON: `labels` is how many of a row's first cells name it, the rest are
    figures; `counts` the columns that count people (suppressed in the providers' version);
    `shares` pairs of (column, count column) where the first is each row's share of the
    second column's total, so it would give that total away."""
    return {
        "key": key,
        "title": title,
        "source": source,
        "columns": columns,
        "rows": rows,
        "chart": chart,
        "count_columns": list(counts),
        "label_columns": labels,
        "share_columns": [list(pair) for pair in shares],
        "note": note,
    }


# Sections -----------------------------------------------------------------------------------


def volumes_section(region: Region, months: list[date]) -> dict:
    """Referrals sent by category against the capacity funding agreements contract for the
    months (or services declare, where none does): the 150–200% question."""
    sent, accepted, capacity, names = Counter(), Counter(), Counter(), {}
    for cell in utilisation_history(len(months), until=months[-1], regions=[region.pk]):
        sent[cell.category_id] += cell.sent
        accepted[cell.category_id] += cell.accepted
        capacity[cell.category_id] += cell.capacity
        names[cell.category_id] = cell.category_name
    rows = []
    for category_id in sorted(names, key=lambda pk: names[pk]):
        if not sent[category_id] and not capacity[category_id]:
            continue
        rows.append(
            [
                names[category_id],
                sent[category_id],
                accepted[category_id],
                round(capacity[category_id], 1),
                _percent(sent[category_id], capacity[category_id]),
            ]
        )
    return _section(
        "volumes",
        "Referral volumes against contracted capacity",
        "Referrals sent from the region's PDUs in the period, against the monthly referrals "
        "that live funding agreements contract for (or a service declares, where no agreement "
        "funds it), its capacity shared between the regions its PDUs are in "
        "(capacity.utilisation).",
        ["Category", "Referrals sent", "Accepted", "Capacity", "Sent as % of capacity"],
        rows,
        _bars([(row[0], row[4]) for row in rows], unit="%"),
        counts=(1, 2),
    )


def _region_referrals(region: Region):
    return Referral.objects.filter(pdu__region=region)


def timeliness_section(region: Region, start, end, *, today: date) -> dict:
    """Decisions, first contacts and end-of-service reports against their targets in
    working days, for referrals sent (or reports sent) in the period."""
    sent = _region_referrals(region).filter(sent_at__gte=start, sent_at__lt=end)
    decision_counted = decision_on_time = 0
    for referral in sent.only("sent_at", "decided_at", "status"):
        due = decision_due_on(referral)
        if referral.decided_at is not None:
            decision_counted += 1
            decision_on_time += timezone.localtime(referral.decided_at).date() <= due
        elif referral.status == Status.SENT and due < today:
            decision_counted += 1
    first_contact_days = settings.REFERRAL_FIRST_CONTACT_WORKING_DAYS
    contact_counted = contact_on_time = 0
    for referral in sent.filter(status__in=ACCEPTED).annotate(first=Min("sessions__held_on")):
        due = add_working_days(timezone.localtime(referral.sent_at).date(), first_contact_days)
        if referral.first is not None:
            contact_counted += 1
            contact_on_time += referral.first <= due
        elif due < today:
            contact_counted += 1
    report_days = settings.REFERRAL_REPORT_WORKING_DAYS
    reports = EndOfServiceReport.objects.filter(
        referral__pdu__region=region, sent_at__gte=start, sent_at__lt=end
    ).annotate(
        last=Session.objects.filter(referral=OuterRef("referral"))
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    report_counted = report_on_time = 0
    for report in reports.exclude(last=None):
        report_counted += 1
        report_on_time += timezone.localtime(report.sent_at).date() <= add_working_days(
            report.last, report_days
        )
    rows = [
        [
            "Decision on a referral",
            settings.REFERRAL_DECISION_WORKING_DAYS,
            decision_counted,
            decision_on_time,
            _percent(decision_on_time, decision_counted),
        ],
        [
            "First contact after acceptance",
            first_contact_days,
            contact_counted,
            contact_on_time,
            _percent(contact_on_time, contact_counted),
        ],
        [
            "End-of-service report after the last session",
            report_days,
            report_counted,
            report_on_time,
            _percent(report_on_time, report_counted),
        ],
    ]
    return _section(
        "timeliness",
        "Timeliness against the targets",
        "Referrals sent from the region's PDUs in the period: the provider's decision against "
        "its target in working days from sending, the first session against the first-contact "
        "target, and end-of-service reports sent in the period against the report target after "
        "the last session (targets from the portal's settings, the reminders' own). A step "
        "still not taken after its due day counts as late.",
        ["Step", "Target (working days)", "Counted", "On time", "% on time"],
        rows,
        _bars([(row[0], row[4]) for row in rows], unit="%"),
        counts=(2, 3),
    )


def outcomes_section(region: Region, start, end) -> dict:
    """Each desired outcome's results in end-of-service reports sent in the period."""
    results = (
        OutcomeResult.objects.filter(
            report__referral__pdu__region=region,
            report__sent_at__gte=start,
            report__sent_at__lt=end,
        )
        .values("desired_outcome__description", "result")
        .order_by()
    )
    table: dict[str, Counter] = defaultdict(Counter)
    for row in results:
        table[row["desired_outcome__description"]][row["result"]] += 1
    keys = [choice.value for choice in OutcomeResult.Result]
    rows = []
    for outcome in sorted(table):
        counts = [table[outcome][key] for key in keys]
        rows.append([outcome, *counts, _percent(counts[0], sum(counts))])
    return _section(
        "outcomes",
        "Outcomes achieved per desired outcome",
        "Each desired outcome's result in the end-of-service reports providers sent in the "
        "period for referrals from the region's PDUs.",
        ["Desired outcome", *[choice.label for choice in OutcomeResult.Result], "% achieved"],
        rows,
        _bars([(row[0], row[-1]) for row in rows], unit="%"),
        counts=(1, 2, 3),
    )


def reasons_section(region: Region, start, end) -> dict:
    """Why referrals were declined, and what returned referrals were missing."""
    declined = Counter(
        _region_referrals(region)
        .filter(status=Status.DECLINED, decided_at__gte=start, decided_at__lt=end)
        .values_list("decline_reason", flat=True)
    )
    returns = ReferralEvent.objects.filter(
        referral__pdu__region=region, kind="return", at__gte=start, at__lt=end
    )
    returned = returns.count()
    # Each referral returned in the period once, by its rating on return: however many
    # times it was returned, it has the one rating.
    missing = Counter()
    for _, items in (
        returns.filter(referral__quality_rating__decision="return")
        .values_list("referral_id", "referral__quality_rating__missing")
        .order_by()
        .distinct()
    ):
        missing.update(items or [])
    rows = [["Declined", label, declined[value]] for value, label in DeclineReason.choices]
    rows.append(["Returned for information", "All returns", returned])
    rows += [
        ["Returned for information", f"Missing: {label}", missing[value]]
        for value, label in MissingInformation.choices
    ]
    return _section(
        "reasons",
        "Decline and return reasons",
        "Referrals from the region's PDUs declined in the period, by the reason the provider "
        "gave, and returned for information in the period, by what the provider's rating of "
        "the referral said was missing (a return can name more than one thing).",
        ["Decision", "Reason", "Referrals"],
        rows,
        _bars([(f"{row[0]}: {row[1]}", row[2]) for row in rows if row[2]]),
        counts=(2,),
        labels=2,
    )


def quality_section(region: Region, months: list[date], *, audience: str) -> dict:
    """Providers' ratings of the region's referrals. In the providers' version the ratings
    are suppressed as one table with their total (the number rated, which the note and
    each share would otherwise give away), and what was found missing as another: the two
    are different counts, and suppressed as one column a withheld rating could be worked
    out from the number rated less the others."""
    quality = figures.referral_quality(pdus=region.pdus.all(), months=months)
    counts = [count for _, _, count, _ in quality.by_rating]
    missing = [count for _, count in quality.missing]
    rated, shares = quality.rated, [share for _, _, _, share in quality.by_rating]
    if audience == PROVIDERS:
        published = suppression.suppress([[count] for count in counts])
        counts, rated = [row[0] for row in published.cells], published.grand_total
        shares = [_percent(count, rated) if rated else None for count in counts]
        if missing:
            missing = [row[0] for row in suppression.suppress([[n] for n in missing]).cells]
    rows = [
        [label, count, share]
        for (_, label, _, _), count, share in zip(quality.by_rating, counts, shares, strict=True)
    ]
    rows += [
        [f"Missing: {label}", count, None]
        for (label, _), count in zip(quality.missing, missing, strict=True)
    ]
    return _section(
        "quality",
        "Referral quality as providers rated it",
        "Providers' ratings of the information that referrals from the region's PDUs came "
        "with, given when they accepted, returned or declined them in the period "
        "(intelligence.figures.referral_quality).",
        ["Rating", "Referrals", "% of rated"],
        rows,
        _bars([(row[0], row[1]) for row in rows[: len(quality.by_rating)]]),
        counts=(1,),
        note="The number of referrals rated is withheld."
        if rated is None
        else f"{rated} referrals rated.",
    )


def unmet_need_section(region: Region, months: list[date]) -> dict:
    rows_by_category = figures.unmet_need_by_category(
        needs=UnmetNeed.objects.all(), regions=Region.objects.filter(pk=region.pk), months=months
    )
    rows = [
        [
            row.category.name,
            row.reasons[0][0] if row.reasons else "",
            row.pdus[0][0] if row.pdus else "",
            row.total,
            row.sent,
        ]
        for row in rows_by_category
        if row.total
    ]
    return _section(
        "unmet_need",
        "Unmet need",
        "Needs practitioners in the region's PDUs recorded in the period as having nothing "
        "suitable (from a search, a declined or withdrawn referral, or directly), beside the "
        "referrals sent to the category's services (intelligence.figures).",
        ["Category", "Reason given most", "PDU recorded most", "Unmet needs", "Referrals sent"],
        rows,
        _bars([(row[0], row[3]) for row in rows]),
        counts=(3, 4),
        labels=3,
    )


def surveys_section(region: Region, period_start: date, period_end: date) -> dict:
    """Surveys of the region open in the period, as the surveys' own figures give them
    (already suppressed, `figures.survey_results_for`): how many answered, each rating's
    answers across the region, and the gaps in provision named."""
    rows = []
    for survey in figures.survey_results_for([region], period_start, period_end):
        title = survey["title"]
        rows.append([title, "People who answered", "", survey["responses"]["total"]])
        for rating in survey["ratings"]:
            for option, count in zip(rating["scale"], rating["all"]["counts"], strict=False):
                rows.append([title, rating["question"], option["label"], count])
        for gaps in survey["gaps"]:
            for gap in gaps["rows"]:
                rows.append([title, gaps["question"], gap["category_name"], gap["total"]])
    return _section(
        "surveys",
        "Survey results",
        "Partnership and gap surveys of the region open in the period, counted and "
        "suppressed by the surveys' own figures (intelligence.figures.survey_results_for): "
        "fewer than 5 answers in any cut are withheld.",
        ["Survey", "Question", "Answer", "Responses"],
        rows,
        _bars([(f"{row[1]}: {row[2]}", row[3]) for row in rows if row[2]]),
        counts=(3,),
        labels=3,
        note="" if rows else SURVEYS_EMPTY,
    )


def equality_section(region: Region, start, end) -> dict:
    """Each monitored characteristic's groups: their share of referrals sent in the period
    and their acceptance, completion and outcome rates against the whole's, suppressed and
    worked out as the equality page's (`figures.equality_figures`)."""
    referrals = _region_referrals(region).filter(sent_at__gte=start, sent_at__lt=end)
    # Every characteristic's table suppressed together: their whole rows are one.
    joint = figures.equality_figures(referrals=referrals, with_services=False)
    rows = []
    chart = []
    for characteristic in CHARACTERISTICS:
        table = joint.table(characteristic)
        for group in table.groups:
            # Each rate and its ratio to the whole's as the equality page gives them
            # (`figures.RATES`: acceptance, completion, outcome), from published counts.
            rates = [figure for _, rate, ratio in group.rate_rows for figure in (rate, ratio)]
            rows.append([table.label, group.label, group.referrals, group.share, *rates])
            if characteristic == CHARACTERISTICS[0]:
                chart.append((group.label, group.share))
    return _section(
        "equality",
        "Equality of access and outcome",
        "The equality monitoring of referrals sent from the region's PDUs in the period, by "
        "group: referrals, and acceptance, completion and outcome rates against the whole's. "
        "Counts from 1 to 4, and any that would give one away, are withheld "
        "(intelligence.suppression); rates are worked out from published counts only. The "
        "chart shows each ethnic group's share of referrals.",
        [
            "Characteristic",
            "Group",
            "Referrals",
            "% of referrals",
            *[
                heading
                for label in (figures.RATE_LABELS[rate] for rate in figures.RATES)
                for heading in (label, f"{label.removesuffix(' rate')} against all")
            ],
        ],
        rows,
        _bars(chart, unit="%"),
        labels=2,
    )


def _agreements_in(region: Region, period_start: date, period_end: date):
    return (
        Agreement.objects.filter(
            lot__pdus__region=region, starts_on__lte=period_end, ends_on__gte=period_start
        )
        .exclude(status=Agreement.Status.MOBILISING, starts_on__gt=period_end)
        .distinct()
    )


def funding_section(region: Region, period_start: date, period_end: date) -> dict:
    """The agreements funding the region's services in the period: who the money goes to,
    by what mechanism, on what terms, with what for training, and with whom."""
    agreements = list(
        _agreements_in(region, period_start, period_end).select_related(
            "organisation", "application", "lot__funding_round"
        )
    )
    total = sum(agreement.value for agreement in agreements)
    co_funded = {
        round_id: names
        for round_id, names in _co_funders(
            {agreement.lot.funding_round_id for agreement in agreements}
        ).items()
    }

    def measure(label: str, chosen: list[Agreement]) -> list:
        value = sum(agreement.value for agreement in chosen)
        return [label, len(chosen), value, _percent(value, total)]

    rows = [
        measure("All agreements", agreements),
        measure(
            "To small and micro organisations",
            [a for a in agreements if a.organisation.size_band in SMALL_BANDS],
        ),
        measure(
            "To local organisations",
            [a for a in agreements if a.organisation.reach == Organisation.Reach.LOCAL],
        ),
        measure("Grants", [a for a in agreements if a.mechanism == Mechanism.GRANT]),
        measure("Contracts", [a for a in agreements if a.mechanism == Mechanism.CONTRACT]),
        measure(
            f"Terms of {LONG_TERM_MONTHS} months or more",
            [a for a in agreements if add_months(a.starts_on, LONG_TERM_MONTHS) <= a.ends_on],
        ),
        measure("With a break clause", [a for a in agreements if a.break_clause_dates]),
        measure(
            "With a staff training budget line",
            [a for a in agreements if (a.application.staff_training_budget or 0) > 0],
        ),
        measure(
            "Jointly funded",
            [a for a in agreements if co_funded.get(a.lot.funding_round_id)],
        ),
    ]
    names = sorted({name for names in co_funded.values() for name in names})
    return _section(
        "funding",
        "The funding picture",
        "Funding agreements for lots in the region's PDUs that ran in the period: the value "
        "going to small (under £100,000 a year) and local organisations, grants against "
        "contracts, terms and break clauses, training budget lines in the applications they "
        "came from, and rounds with co-funders (commissioning).",
        ["Agreements", "Number", "Value (£)", "% of value"],
        rows,
        _bars([(row[0], row[3]) for row in rows[1:]], unit="%"),
        note=f"Co-funders: {', '.join(names)}." if names else "No co-funders in the period.",
    )


def _co_funders(round_ids: set[int]) -> dict[int, list[str]]:
    from commissioning.models import FundingRound

    found: dict[int, list[str]] = defaultdict(list)
    for round_id, name in FundingRound.co_funders.through.objects.filter(
        fundinground_id__in=round_ids
    ).values_list("fundinground_id", "commissioningbody__name"):
        found[round_id].append(name)
    return found


# Which agreements fund a referral, and who takes the referrals none funds ------------------

SIZE_GROUPS = [
    ("Small and micro organisations", SMALL_BANDS),
    (
        "Medium and larger organisations",
        (SizeBand.MEDIUM, SizeBand.LARGE, SizeBand.MAJOR, SizeBand.SUPER_MAJOR),
    ),
    ("Organisations of unknown size", (SizeBand.UNKNOWN,)),
]


def unfunded_referrals(region: Region, start, end):
    """Referrals sent from the region's PDUs in [start, end), less those withdrawn (as
    demand counts them), to a service no funding agreement funded in the month they were
    sent: capacity's own rule (`utilisation_by_service`'s `funded`, the rule behind its
    unfunded-demand alerts), asked month by month of the services they went to."""
    from capacity.utilisation import utilisation_by_service

    referrals = (
        _region_referrals(region)
        .filter(sent_at__gte=start, sent_at__lt=end)
        .exclude(status=Status.WITHDRAWN)
    )
    unfunded = Q(pk__in=[])
    month = month_start(timezone.localtime(start))
    while (bounds := month_bounds(month))[0] < end:
        in_month = Q(sent_at__gte=bounds[0], sent_at__lt=bounds[1])
        services = Service.objects.filter(pk__in=referrals.filter(in_month).values("service_id"))
        funded = [
            row.service_id
            for row in utilisation_by_service(month, services=services, ordered=False)
            if row.funded
        ]
        unfunded |= in_month & ~Q(service_id__in=funded)
        month = add_months(month, 1)
    return referrals.filter(unfunded)


def unfunded_section(region: Region, start, end, *, audience: str) -> dict:
    """The referrals no funding agreement covered, by the organisation that took them and
    its size band (commissioners' version) and by size band (both): the demand small
    organisations absorb without funding."""
    by_organisation: dict[int, list] = {}
    for organisation_id, name, band, status, decided_at in unfunded_referrals(
        region, start, end
    ).values_list(
        "service__organisation",
        "service__organisation__name",
        "service__organisation__size_band",
        "status",
        "decided_at",
    ):
        row = by_organisation.setdefault(organisation_id, [name, band, 0, 0])
        row[2] += 1
        row[3] += decided_at is not None and status != Status.DECLINED
    total = sum(row[2] for row in by_organisation.values())
    accepted = sum(row[3] for row in by_organisation.values())
    rows = []
    if audience == COMMISSIONERS:
        rows = [
            [name, SizeBand(band).label, sent, taken, _percent(sent, total)]
            for name, band, sent, taken in sorted(
                by_organisation.values(), key=lambda row: (-row[2], row[0])
            )
        ]
    groups = []
    for label, bands in SIZE_GROUPS:
        chosen = [row for row in by_organisation.values() if row[1] in bands]
        sent = sum(row[2] for row in chosen)
        groups.append([label, "", sent, sum(row[3] for row in chosen), _percent(sent, total)])
    rows += groups
    rows.append(["All organisations", "", total, accepted, 100.0 if total else None])
    small = groups[0]
    note = ""
    if audience == COMMISSIONERS:
        note = (
            f"Small and micro organisations took {small[4] or 0}% of the {total} referrals "
            "that no funding agreement covered."
        )
    return _section(
        "unfunded",
        "Unfunded referrals and who takes them",
        "Referrals sent from the region's PDUs in the period (less those withdrawn) to a "
        "service that no funding agreement funded in the month it was sent (none live, or "
        "since ended, whose term overlaps the month lists it: the rule of the capacity "
        "monitoring's unfunded-demand alerts). By the organisation running the service and "
        "its size band by annual income (small: under £100,000 a year), and how many it "
        "accepted (referrals, commissioning, providers).",
        ["Organisation", "Size band", "Unfunded referrals", "Accepted", "% of unfunded referrals"],
        rows,
        _bars([(row[0], row[4]) for row in groups], unit="%"),
        counts=(2, 3),
        labels=2,
        note=note,
        shares=((4, 2),),
    )


def _organisations_in(region: Region):
    """Organisations with a service in the region that is not closed."""
    return Organisation.objects.filter(
        Exists(
            Service.objects.filter(organisation=OuterRef("pk"), pdus__region=region).exclude(
                status=Service.Status.CLOSED
            )
        )
    ).order_by("name")


def _closed_at():
    """When a closed referral closed: the timeline entry that moved it into its status, or,
    for a referral with no timeline, when it was decided (as retention reads it). None while
    it is open. Neither changes once it has happened, so a past period's figures stay put."""
    closing = (
        ReferralEvent.objects.filter(referral=OuterRef("pk"), to_status=OuterRef("status"))
        .order_by("-at")
        .values("at")[:1]
    )
    return Case(
        When(status__in=CLOSED_STATUSES, then=Coalesce(Subquery(closing), F("decided_at"))),
        default=None,
        output_field=DateTimeField(),
    )


def cases_held_in(region: Region, start, end):
    """Referrals from the region's PDUs that a member of provider staff held at some time in
    [start, end): assigned, accepted before the period ended (a decision that is not a
    decline), and not closed before it began."""
    return (
        _region_referrals(region)
        .filter(assigned_to__isnull=False, decided_at__lt=end)
        .exclude(status=Status.DECLINED)
        .annotate(closed_at=_closed_at())
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
    )


def training_section(region: Region, start, end, period_end: date, *, audience: str) -> dict:
    """Staff who held cases from the region in the period and how many hold risk training
    current at the period's end."""
    holding = User.objects.filter(pk__in=cases_held_in(region, start, end).values("assigned_to"))
    trained = set(
        holding.filter(current_risk_training_q(on=period_end))
        .values_list("pk", flat=True)
        .distinct()
    )
    by_organisation: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pk, name in holding.values_list("pk", "organisation__name"):
        by_organisation[name or "No organisation"][0] += 1
        by_organisation[name or "No organisation"][1] += pk in trained
    total = [sum(v[0] for v in by_organisation.values()), len(trained)]
    rows = []
    if audience == COMMISSIONERS:
        rows = [
            [name, held, current, _percent(current, held)]
            for name, (held, current) in sorted(by_organisation.items())
        ]
    rows.append(["All providers", total[0], total[1], _percent(total[1], total[0])])
    return _section(
        "training",
        "Risk-training coverage",
        "Provider staff who held a case from the region's PDUs at any time in the period (the "
        "member of staff a referral is assigned to, accepted before the period ended and not "
        "closed before it began, its closing time from the referral's timeline), and how many "
        "held risk-awareness training current at the period's end (providers' training "
        "records).",
        ["Organisation", "Staff holding cases", "With current risk training", "% covered"],
        rows,
        _bars([(row[0], row[3]) for row in rows], unit="%"),
        counts=(1, 2),
    )


def sharing_section(region: Region, *, audience: str) -> dict:
    """Organisations with services in the region that have signed the information-sharing
    agreement in force."""
    current = agreement_current()
    organisations = list(_organisations_in(region))
    signed = {}
    if current is not None:
        signed = dict(
            AgreementSignature.objects.filter(
                agreement=current, organisation__in=organisations
            ).values_list("organisation_id", "signed_at")
        )
    rows = []
    if audience == COMMISSIONERS:
        rows = [
            [
                organisation.name,
                "Yes" if organisation.pk in signed else "No",
                f"{timezone.localtime(signed[organisation.pk]):%d %B %Y}"
                if organisation.pk in signed
                else "",
            ]
            for organisation in organisations
        ]
    in_force = len(signed)
    summary = [
        ["Organisations with services in the region", len(organisations)],
        ["Signed the agreement in force", in_force],
        ["Not signed", len(organisations) - in_force],
    ]
    version = f"version {current.version}" if current else "none published"
    return _section(
        "sharing",
        "Information-sharing agreements in force",
        "Organisations with an open service in the region's PDUs, and whether they have signed "
        f"the information-sharing agreement in force ({version}) that risk information "
        "depends on (providers' signatures).",
        ["Organisation", "Signed", "Signed on"] if rows else ["Organisations", "Number"],
        rows or summary,
        _bars([(row[0], row[1]) for row in summary[1:]]),
        counts=() if rows else (1,),
        labels=3 if rows else 1,
        note=f"{in_force} of {len(organisations)} organisations have signed.",
    )


# The report -----------------------------------------------------------------------------------


def _withhold_small(section: dict) -> dict:
    """The providers' version of a section: each count column suppressed as a table of its
    own (`suppression.suppress`), and any rate in a row with a withheld count dropped."""
    columns = section["count_columns"]
    if not columns or not section["rows"]:
        return section
    rows = [list(row) for row in section["rows"]]
    withheld_rows = set()
    for column in columns:
        values = [row[column] for row in rows]
        if any(not isinstance(value, int) for value in values):
            continue
        published = suppression.suppress([[value] for value in values])
        for index, row in enumerate(rows):
            if published.cells[index][0] is None:
                row[column] = None
                withheld_rows.add(index)
    for index in withheld_rows:
        for position, value in enumerate(rows[index]):
            if isinstance(value, float) and position not in columns:
                rows[index][position] = None
    # A share of a column's total gives that total away, and with it a withheld count:
    # with any count of the column withheld, no row's share is shown.
    hidden = set()
    for share, count in section.get("share_columns", ()):
        if any(row[count] is None for row in rows):
            for row in rows:
                row[share] = None
            withheld_rows.update(range(len(rows)))
    # A bar drawn from a row with a withheld figure is withheld with it.
    for index in withheld_rows:
        row = rows[index]
        hidden.add(str(row[0]))
        if len(row) > 1:
            hidden.add(f"{row[0]}: {row[1]}")
    chart = {
        **section["chart"],
        "bars": [
            {**bar, "value": None, "width": 0} if bar["label"] in hidden else bar
            for bar in section["chart"]["bars"]
        ],
    }
    return {**section, "rows": rows, "chart": chart}


# Figures one section repeats from another: (section, its column) showing the same figure
# per row label as (section, its column). Each is withheld wherever the other withholds it,
# or the one shows what the other's suppression protects.
SAME_FIGURES = [(("unmet_need", 4), ("volumes", 1))]


def _withhold_across(sections) -> list[dict]:
    """The providers' version's sections with each repeated figure withheld where its
    original is (`SAME_FIGURES`). None of them is charted where it is repeated."""
    by_key = {section["key"]: section for section in sections}
    for (key, column), (original_key, original_column) in SAME_FIGURES:
        withheld = {row[0] for row in by_key[original_key]["rows"] if row[original_column] is None}
        rows = [
            [*row[:column], None, *row[column + 1 :]] if row[0] in withheld else list(row)
            for row in by_key[key]["rows"]
        ]
        by_key[key] = {**by_key[key], "rows": rows}
    return list(by_key.values())


def partnership_report(
    region: Region,
    period_start: date,
    period_end: date,
    *,
    audience: str,
    today: date | None = None,
) -> dict:
    """The region's report for the period (`period_end` inclusive) for an audience:
    "commissioners" or "providers" (no names, small counts withheld). Plain JSON."""
    if audience not in AUDIENCES:
        raise ValueError(f"Not an audience: {audience}")
    today = today or timezone.localdate()
    months = period_months(period_start, period_end)
    start = month_bounds(months[0])[0]
    end = month_bounds(period_end + timedelta(days=1))[0]
    sections = [
        volumes_section(region, months),
        timeliness_section(region, start, end, today=today),
        outcomes_section(region, start, end),
        reasons_section(region, start, end),
        quality_section(region, months, audience=audience),
        unmet_need_section(region, months),
        surveys_section(region, period_start, period_end),
        equality_section(region, start, end),
        funding_section(region, period_start, period_end),
        unfunded_section(region, start, end, audience=audience),
        training_section(region, start, end, period_end, audience=audience),
        sharing_section(region, audience=audience),
    ]
    if audience == PROVIDERS:
        sections = _withhold_across(_withhold_small(section) for section in sections)
    return {
        "region": {"code": region.code, "name": region.name},
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "period": period_label(period_start, period_end),
        "audience": audience,
        "sections": sections,
    }


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first and last days of a calendar quarter (1 to 4)."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("A quarter is 1 to 4")
    if not date.min.year <= year <= date.max.year:
        raise ValueError("No such year")
    first = date(year, 3 * quarter - 2, 1)
    return first, add_months(first, 3) - timedelta(days=1)


def report_rows_flat(report: dict) -> list[list]:
    """The report as long rows (section, row, column, value) for a CSV."""
    flat = []
    for section in report["sections"]:
        for row in section["rows"]:
            labels = min(section["label_columns"], len(row) - 1)
            label = " / ".join(str(cell) for cell in row[:labels])
            for column, value in zip(section["columns"][labels:], row[labels:], strict=False):
                flat.append([section["title"], label, column, "" if value is None else value])
    return flat
