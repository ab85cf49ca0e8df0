"""Writes of the partnership report: generating a region's report for a period, in both
versions, with its PDF kept in the private storage; and the monthly run for every region
that has commissioners."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from intelligence import rules, selectors
from intelligence.models import PartnershipReport
from intelligence.report import PROVIDERS, partnership_report, quarter_bounds
from partnership.models import Region, User
from partnership.months import add_months, month_start

logger = logging.getLogger(__name__)

# The private storage's folder for reports; rows keep the name within it.
FOLDER = "partnership-reports"


def private_storage() -> Storage:
    return storages["private"]


def report_pdf(report: PartnershipReport) -> bytes:
    """The report's PDF, drawn by weasyprint from the page's own template (its print
    variant), from the kept figures."""
    from weasyprint import HTML

    html = render_to_string(
        "intelligence/report_print.html", {"report": report, "figures": report.figures}
    )
    return HTML(string=html).write_pdf()


def report_pdf_name(report: PartnershipReport) -> str:
    """Where the PDF of the report's figures is kept: named by the report and the moment
    its figures were generated, so new figures are a new file and a read writes no row."""
    return f"{FOLDER}/{report.public_id}-{report.generated_at:%Y%m%d%H%M%S%f}.pdf"


def report_pdf_open(report: PartnershipReport):
    """The kept PDF, open for reading; FileNotFoundError when it is not there."""
    return private_storage().open(report_pdf_name(report), "rb")


def report_pdf_kept(report: PartnershipReport) -> bool:
    """Whether the PDF of the report's figures is in the storage."""
    return private_storage().exists(report_pdf_name(report))


def report_pdf_ready(report: PartnershipReport) -> PartnershipReport:
    """The report, its PDF kept: drawn now if it is not. Generating a report keeps its
    figures only (a PDF takes seconds to draw), so the first download after draws it. The
    report's row is held while drawing, so downloads at once draw it once; the report is
    read afresh, as its figures may have been generated again since."""
    if report_pdf_kept(report):
        return report
    with transaction.atomic():
        locked = PartnershipReport.objects.select_for_update().get(pk=report.pk)
        if not report_pdf_kept(locked):
            private_storage().save(report_pdf_name(locked), ContentFile(report_pdf(locked)))
    return locked


def period_check(period_start: date, period_end: date, *, today: date | None = None) -> None:
    """A report's period is whole months that have begun."""
    today = today or timezone.localdate()
    if period_start != month_start(period_start):
        raise ValidationError({"period": ["A report's period starts on the first of a month"]})
    if period_end < period_start:
        raise ValidationError({"period": ["A report's period ends after it starts"]})
    if period_start > today:
        raise ValidationError({"period": ["The period must have started"]})


@transaction.atomic
def partnership_report_generate(
    *,
    region: Region,
    period_start: date,
    period_end: date,
    by: User | None,
    pdf: bool = False,
) -> list[PartnershipReport]:
    """Generate (or generate again) the region's report for the period in both versions;
    `by` None is the monthly run. A PDF of earlier figures is removed, and the PDFs are
    drawn now with `pdf` (the monthly run, in the worker), else at their first download
    (`report_pdf_ready`), so a request never waits for both. Returns the commissioners'
    version first."""
    if by is not None and not (
        rules.generates_partnership_reports(by)
        and selectors.partnership_report_generate_regions_for(user=by).filter(pk=region.pk).exists()
    ):
        raise ValidationError({"region": ["Choose one of your regions"]})
    period_check(period_start, period_end)
    reports = []
    for audience in PartnershipReport.Audience.values:
        report, _ = PartnershipReport.objects.select_for_update().get_or_create(
            region=region, period_start=period_start, period_end=period_end, audience=audience
        )
        earlier = report_pdf_name(report)
        report.figures = partnership_report(region, period_start, period_end, audience=audience)
        report.generated_at = timezone.now()
        report.generated_by = by
        report.save(update_fields=["figures", "generated_at", "generated_by"])
        # The PDF of the earlier figures goes once the new ones are committed.
        transaction.on_commit(lambda name=earlier: private_storage().delete(name))
        if pdf:
            report_pdf_ready(report)
        reports.append(report)
    return reports


def previous_month(today: date | None = None) -> tuple[date, date]:
    """The month before today's: its first and last days."""
    first = add_months(month_start(today or timezone.localdate()), -1)
    return first, add_months(first, 1) - timedelta(days=1)


def monthly_regions() -> list[int]:
    """The regions that have commissioners: each gets its report every month."""
    return list(
        Region.objects.filter(
            commissioning_bodies__members__role="commissioner",
            commissioning_bodies__members__is_active=True,
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def partnership_report_monthly(*, region_id: int, today: date | None = None) -> bool:
    """Last month's report for the region, unless it is already kept (generated on demand,
    or by an earlier run): True if it was generated now."""
    period_start, period_end = previous_month(today)
    kept = PartnershipReport.objects.filter(
        region_id=region_id, period_start=period_start, period_end=period_end
    ).count()
    if kept == len(PartnershipReport.Audience.values):
        return False
    partnership_report_generate(
        region=Region.objects.get(pk=region_id),
        period_start=period_start,
        period_end=period_end,
        by=None,
        pdf=True,
    )
    logger.info("Partnership report generated for region %s, %s", region_id, period_start)
    return True


# The open quarter ----------------------------------------------------------------------------

# How long a quarter's open figures are kept in the cache: one that has ended changes only
# if data is corrected, one still running changes as referrals come in.
OPEN_ENDED_SECONDS = 7 * 24 * 3600
OPEN_CURRENT_SECONDS = 15 * 60
# One request works the figures out while the others wait for them, up to this long.
OPEN_LOCK_SECONDS = 120
OPEN_WAIT_SECONDS = 10
OPEN_POLL_SECONDS = 0.2


class OpenFiguresBusy(Exception):
    """Another request is still working the quarter's figures out: ask again shortly."""


def _open_key(region: Region, year: int, quarter: int) -> str:
    return f"partnership-report-open:v1:{region.pk}:{year}-Q{quarter}"


def open_figures_seconds(period_end: date, *, today: date | None = None) -> int:
    """How long the quarter's figures are kept: long once it has ended."""
    today = today or timezone.localdate()
    return OPEN_ENDED_SECONDS if period_end < today else OPEN_CURRENT_SECONDS


def _kept_open_figures(region: Region, period_start: date, period_end: date) -> dict | None:
    """The providers' version kept for exactly the quarter, if it tells the quarter as it
    now stands: generated after the quarter ended, or, for a quarter still running, within
    the time the cache would keep its figures."""
    kept = PartnershipReport.objects.filter(
        region=region,
        period_start=period_start,
        period_end=period_end,
        audience=PartnershipReport.Audience.PROVIDERS,
    ).first()
    if kept is None or not kept.figures:
        return None
    generated_on = timezone.localdate(kept.generated_at)
    fresh = timezone.now() - kept.generated_at < timedelta(seconds=OPEN_CURRENT_SECONDS)
    return kept.figures if generated_on > period_end or fresh else None


def partnership_report_open_figures(*, region: Region, year: int, quarter: int) -> dict:
    """The region's quarter as open data (the providers' version): a kept report's figures,
    or figures worked out once and kept in the cache, whoever asks and however many at once.
    While one request works them out (holding a lock made with `cache.add`), the others wait
    up to OPEN_WAIT_SECONDS for them and then get `OpenFiguresBusy`. With the cache
    unreachable, each request works them out itself. ValueError for a quarter that is not."""
    period_start, period_end = quarter_bounds(year, quarter)
    kept = _kept_open_figures(region, period_start, period_end)
    if kept is not None:
        return kept
    key = _open_key(region, year, quarter)
    lock = f"{key}:working"
    deadline = time.monotonic() + OPEN_WAIT_SECONDS
    unseen = 0
    while True:
        figures = cache.get(key)
        if figures is not None:
            return figures
        if cache.add(lock, True, timeout=OPEN_LOCK_SECONDS):
            try:
                figures = partnership_report(region, period_start, period_end, audience=PROVIDERS)
                cache.set(key, figures, timeout=open_figures_seconds(period_end))
            finally:
                cache.delete(lock)
            return figures
        # Refused a lock nobody holds: once is a lock just let go, twice in a row is a cache
        # that cannot be reached, and then each request works the figures out itself.
        unseen = unseen + 1 if cache.get(lock) is None else 0
        if unseen >= 2:
            return partnership_report(region, period_start, period_end, audience=PROVIDERS)
        if time.monotonic() >= deadline:
            raise OpenFiguresBusy
        time.sleep(OPEN_POLL_SECONDS)
