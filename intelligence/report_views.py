"""The partnership report's pages: the kept reports of the user's regions, generating one,
a report on screen, its PDF; and the open CSV of a region's quarter (suppressed figures,
no personal data, open to anyone)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from intelligence import report_services, rules, selectors
from intelligence.models import PartnershipReport
from intelligence.report import quarter_bounds, report_rows_flat
from partnership.forms import GovukDateField, GovukFormMixin, apply_domain_error
from partnership.models import Region
from partnership.months import add_months, month_start
from partnership.opendata import open_data_headers, open_data_response

MONTH, QUARTER = "month", "quarter"


class ReportForm(GovukFormMixin, forms.Form):
    region = forms.ModelChoiceField(
        label="Region",
        queryset=Region.objects.none(),
        empty_label=None,
        error_messages={"required": "Select a region", "invalid_choice": "Select a region"},
    )
    length = forms.ChoiceField(
        label="Period",
        choices=[(MONTH, "A month"), (QUARTER, "A quarter (three months)")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select a month or a quarter"},
    )
    day = GovukDateField(
        label="A date in the period",
        when="today_or_past",
        error_messages={"required": "Enter a date in the period"},
        help_text="The report covers the calendar month or quarter this date is in. "
        "For example, 15 3 2026",
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].widget.attrs["class"] = "govuk-select"

    def period(self):
        """The chosen period's first and last days."""
        day = self.cleaned_data["day"]
        if self.cleaned_data["length"] == QUARTER:
            return quarter_bounds(day.year, (day.month - 1) // 3 + 1)
        first = month_start(day)
        return first, add_months(first, 1) - timedelta(days=1)


def _regions_or_404(request: HttpRequest):
    regions = selectors.partnership_report_regions_for(user=request.user)
    if not regions.exists():
        raise Http404("For commissioners and providers")
    return regions


@login_required
@require_http_methods(["GET", "HEAD"])
def report_list(request: HttpRequest) -> HttpResponse:
    regions = _regions_or_404(request)
    reports = selectors.partnership_report_list_visible_to(user=request.user).order_by(
        "-period_start", "region__name", "audience", "-period_end"
    )
    return render(
        request,
        "intelligence/report_list.html",
        {
            "regions": regions,
            "reports": reports,
            "may_generate": rules.generates_partnership_reports(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    regions = selectors.partnership_report_generate_regions_for(user=request.user)
    if not regions.exists():
        raise Http404("Commissioners generate reports")
    if request.method == "POST":
        form = ReportForm(request.POST, regions=regions)
        if form.is_valid():
            period_start, period_end = form.period()
            try:
                reports = report_services.partnership_report_generate(
                    region=form.cleaned_data["region"],
                    period_start=period_start,
                    period_end=period_end,
                    by=request.user,
                )
            except ValidationError as exc:
                apply_domain_error(form, exc)
            else:
                return redirect("intelligence:report", public_id=reports[0].public_id)
    else:
        form = ReportForm(initial={"region": regions.first(), "length": MONTH}, regions=regions)
    return render(request, "intelligence/report_form.html", {"form": form})


def _report_or_404(request: HttpRequest, public_id) -> PartnershipReport:
    return get_object_or_404(
        selectors.partnership_report_list_visible_to(user=request.user), public_id=public_id
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def report_detail(request: HttpRequest, public_id) -> HttpResponse:
    report = _report_or_404(request, public_id)
    other = None
    if report.audience != PartnershipReport.Audience.PROVIDERS:
        other = selectors.partnership_report_list_visible_to(user=request.user).filter(
            region=report.region,
            period_start=report.period_start,
            period_end=report.period_end,
            audience=PartnershipReport.Audience.PROVIDERS,
        )
        other = other.first()
    return render(
        request,
        "intelligence/report_detail.html",
        {"report": report, "figures": report.figures, "providers_version": other},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def report_pdf(request: HttpRequest, public_id) -> HttpResponse:
    report = _report_or_404(request, public_id)
    name = (
        f"partnership-report-{report.region.code}-{report.period_start:%Y-%m}-{report.audience}.pdf"
    )
    if request.method == "HEAD" and not report_services.report_pdf_kept(report):
        # A HEAD is a read: it never draws the PDF, and says what a GET would send.
        response = HttpResponse(content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
    report = report_services.report_pdf_ready(report)
    try:
        handle = report_services.report_pdf_open(report)
    except (FileNotFoundError, ValueError):
        raise Http404("The report's PDF is not there") from None
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/pdf")


# Open data ------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def report_open_csv(request: HttpRequest, code: str, year: int, quarter: int) -> HttpResponse:
    """The region's quarter as long rows (section, row, column, value): the providers'
    version's figures, aggregate and suppressed, from a kept report or the cache
    (`report_services.partnership_report_open_figures`), so that anonymous requests never
    each work the whole report out. A quarter not yet begun is not there."""
    region = get_object_or_404(Region, code=code)
    try:
        period_start, period_end = quarter_bounds(year, quarter)
    except ValueError:
        raise Http404("A quarter is 1 to 4") from None
    if period_start > timezone.localdate():
        raise Http404("The quarter has not begun")
    try:
        figures = report_services.partnership_report_open_figures(
            region=region, year=year, quarter=quarter
        )
    except report_services.OpenFiguresBusy:
        response = HttpResponse(
            "The figures are being worked out. Try again in a few seconds.\n",
            content_type="text/plain",
            status=503,
        )
        open_data_headers(response)
        response["Retry-After"] = str(report_services.OPEN_WAIT_SECONDS)
        response["Cache-Control"] = "no-store"  # an answer for now, not for a cache to keep
        return response
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["region", "period_start", "period_end", "section", "row", "column", "value"])
    for row in report_rows_flat(figures):
        writer.writerow([region.code, period_start, period_end, *row])
    return open_data_response(request, out.getvalue().encode(), content_type="text/csv")
