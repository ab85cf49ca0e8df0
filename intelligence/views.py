"""Intelligence pages: recording an unmet need, a referral's equality monitoring, the
commissioner's views of unmet need and of equality of access and outcome, and gap and
partnership surveys (scheduled and read by commissioners, answered by those asked)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from commissioning import rules as commissioning_rules
from commissioning.models import FundingRound
from commissioning.selectors import round_list_visible_to
from intelligence import figures, forms, prefill, rules, selectors, services, surveys
from intelligence.models import CHARACTERISTICS, EqualityMonitoring, Survey, SurveyResponse
from partnership.errors import DomainError, StateConflict
from partnership.forms import apply_domain_error
from partnership.models import ServiceCategory
from partnership.validators import whole_number
from referrals.selectors import referral_list_visible_to

UNMET_NEED_MONTHS = 13
RECENT_MONTHS = 6


# Recording an unmet need --------------------------------------------------------------------


def _initial(request: HttpRequest, pdus) -> dict:
    """The form's starting answers: from a referral the user may see (`?referral=`), or a
    search's filters (`?category=` slug or id, `?pdu=`), else the user's own PDU."""
    public_id = request.GET.get("referral", "")
    if public_id:
        try:
            uuid.UUID(public_id)
        except ValueError:
            raise Http404("No such referral") from None
        referral = get_object_or_404(
            referral_list_visible_to(user=request.user), public_id=public_id
        )
        return prefill.from_referral(referral)
    initial = {"pdu": pdus.first().pk if pdus.exists() else None, "source": "other"}
    if request.GET.get("source") == "search":
        initial["source"] = "search"
    wanted = request.GET.get("category", "")
    category = ServiceCategory.objects.filter(slug=wanted).first() or (
        ServiceCategory.objects.filter(pk=number).first()
        if (number := whole_number(wanted)) is not None
        else None
    )
    if category:
        initial["category"] = category.pk
    return initial


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def unmet_need_new(request: HttpRequest) -> HttpResponse:
    if not rules.allows(request.user, "record_unmet_need", None):
        raise Http404("Practitioners record unmet need")
    pdus = selectors.unmet_need_pdus_for(user=request.user)
    if request.method == "POST":
        form = forms.UnmetNeedForm(request.POST, pdus=pdus)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.unmet_need_record(
                    by=request.user,
                    category=data["category"],
                    pdu=data["pdu"],
                    reason=data["reason"],
                    source=data.get("source") or "other",
                    age_band=data["age_band"],
                    sex=data["sex"],
                    flags=data["flags"],
                )
            except (ValidationError, DomainError) as exc:
                apply_domain_error(form, exc)
            else:
                return redirect("intelligence:unmet-need-recorded")
    else:
        form = forms.UnmetNeedForm(initial=_initial(request, pdus), pdus=pdus)
    return render(request, "intelligence/unmet_need_form.html", {"form": form})


@login_required
def unmet_need_recorded(request: HttpRequest) -> HttpResponse:
    if not rules.allows(request.user, "record_unmet_need", None):
        raise Http404("Practitioners record unmet need")
    return render(request, "intelligence/unmet_need_recorded.html")


# The commissioner's views -------------------------------------------------------------------


def _region_choice(request: HttpRequest):
    """The commissioner's regions and the one chosen (`?region=`, by default the first);
    anyone else, or any other region, is a 404."""
    regions = selectors.intelligence_regions_for(user=request.user)
    if not regions.exists():
        raise Http404("For commissioners")
    code = request.GET.get("region", "")
    chosen = regions.filter(code=code).first() if code else regions.first()
    if chosen is None:
        raise Http404("Not one of your regions")
    return regions, chosen


def _lot_starts(request: HttpRequest, region) -> list[dict]:
    """The rounds a lot can be started in from an unmet need: the user's rounds that cover
    the region and still take lots."""
    rounds = (
        round_list_visible_to(user=request.user)
        .filter(
            regions=region, status__in=[FundingRound.Status.DRAFT, FundingRound.Status.CONSULTATION]
        )
        .order_by("title")
    )
    return [
        {
            "round": funding_round,
            "url": reverse("commissioning:lot-add", args=[funding_round.public_id]),
        }
        for funding_round in rounds
        if commissioning_rules.allows(request.user, "add_lot", funding_round)
    ]


@login_required
@require_http_methods(["GET", "HEAD"])
def unmet_need_overview(request: HttpRequest) -> HttpResponse:
    regions, region = _region_choice(request)
    months = figures.unmet_need_months(months=UNMET_NEED_MONTHS)
    needs = selectors.unmet_need_list_visible_to(user=request.user)
    rows = figures.unmet_need_by_category(
        needs=needs, regions=regions.filter(pk=region.pk), months=months
    )
    starts = _lot_starts(request, region)
    for row in rows:
        row.recent = row.months[-RECENT_MONTHS:]
        query = urlencode({"category": row.category.slug, "region": region.code})
        row.lot_starts = [
            {"round": start["round"], "url": f"{start['url']}?{query}"} for start in starts
        ]
    return render(
        request,
        "intelligence/unmet_need.html",
        {
            "regions": regions,
            "region": region,
            "rows": rows,
            "months": months,
            "recent": months[-RECENT_MONTHS:],
            "total": sum(row.total for row in rows),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def equality_overview(request: HttpRequest) -> HttpResponse:
    regions, region = _region_choice(request)
    services_in_region = selectors.equality_services_for(user=request.user, region=region)
    service = None
    chosen = request.GET.get("service", "")
    if chosen:
        number = whole_number(chosen)
        service = services_in_region.filter(pk=number).first() if number is not None else None
        if service is None:
            raise Http404("No such service in the region")
    characteristic = request.GET.get("characteristic") or CHARACTERISTICS[0]
    if characteristic not in CHARACTERISTICS:
        raise Http404("Not a monitored characteristic")
    # The region's table and every service's are suppressed together, so that no figure
    # withheld in one can be worked out from the others; this page shows one of them.
    referrals = selectors.equality_referrals_for(user=request.user, region=region)
    joint = figures.equality_figures(referrals=referrals, with_services=True)
    table = joint.table(characteristic, service.pk if service is not None else None)
    return render(
        request,
        "intelligence/equality.html",
        {
            "regions": regions,
            "region": region,
            "services": services_in_region,
            "service": service,
            "characteristics": [
                (name, figures.characteristic_label(name)) for name in CHARACTERISTICS
            ],
            "characteristic": characteristic,
            "table": table,
            "stages": figures.STAGES,
            "rate_labels": figures.RATE_LABELS,
        },
    )


# A referral's equality monitoring -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def equality_record(request: HttpRequest, public_id) -> HttpResponse:
    """The referral's optional equality monitoring task: 404 for anyone who may not change
    the referral now."""
    referral = get_object_or_404(referral_list_visible_to(user=request.user), public_id=public_id)
    if not rules.allows(request.user, "record_equality", referral):
        raise Http404("Not editable")
    existing = EqualityMonitoring.objects.filter(referral=referral).first()
    initial = {name: getattr(existing, name) for name in CHARACTERISTICS} if existing else {}
    if not existing and referral.date_of_birth:
        initial["age_band"] = prefill.age_band(referral.date_of_birth)
    if not existing and referral.sex:
        initial["sex"] = referral.sex
    form = forms.EqualityForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.equality_record(referral=referral, by=request.user, answers=form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc)
        else:
            return redirect("referrals:task-list", public_id=referral.public_id)
    return render(request, "intelligence/equality_form.html", {"referral": referral, "form": form})


# Surveys: the commissioner's side -------------------------------------------------------------


def _commissioned(request: HttpRequest, public_id) -> Survey:
    return get_object_or_404(
        selectors.survey_list_commissioned_by(user=request.user), public_id=public_id
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def survey_list(request: HttpRequest) -> HttpResponse:
    if not rules.schedules_surveys(request.user):
        raise Http404("For commissioners")
    found = (
        selectors.survey_list_commissioned_by(user=request.user)
        .prefetch_related("regions")
        .annotate(answered=Count("responses"))
    )
    return render(request, "intelligence/surveys.html", {"surveys": found})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def survey_new(request: HttpRequest) -> HttpResponse:
    if not rules.schedules_surveys(request.user):
        raise Http404("For commissioners")
    regions = selectors.survey_regions_for(user=request.user)
    form = forms.SurveyScheduleForm(
        request.POST if request.method == "POST" else None, regions=regions
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_schedule(
                by=request.user,
                title=data["title"],
                audience=data["audience"],
                regions=list(data["regions"]),
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
            )
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Survey scheduled: {survey.title}")
            return redirect("intelligence:survey-results", public_id=survey.public_id)
    return render(request, "intelligence/survey_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD"])
def survey_results(request: HttpRequest, public_id) -> HttpResponse:
    survey = _commissioned(request, public_id)
    return render(
        request,
        "intelligence/survey_results.html",
        {
            "survey": survey,
            "results": figures.survey_results(survey=survey),
            "questions": surveys.questions_for(
                audience=survey.audience, version=survey.questions_version
            ),
        },
    )


@login_required
@require_http_methods(["POST"])
def survey_close(request: HttpRequest, public_id) -> HttpResponse:
    survey = _commissioned(request, public_id)
    try:
        services.survey_close(by=request.user, survey=survey)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The survey is closed: it takes no more answers")
    return redirect("intelligence:survey-results", public_id=survey.public_id)


# Surveys: the respondent's side ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def surveys_for_you(request: HttpRequest) -> HttpResponse:
    addressed = selectors.survey_list_addressed_to(user=request.user)
    if not (rules.records_unmet_need(request.user) or rules.is_provider_staff(request.user)):
        raise Http404("Surveys are for practitioners and provider staff")
    answered = set(
        SurveyResponse.objects.filter(respondent=request.user, survey__in=addressed).values_list(
            "survey_id", flat=True
        )
    )
    rows = [{"survey": survey, "answered": survey.pk in answered} for survey in addressed]
    return render(
        request,
        "intelligence/surveys_for_you.html",
        {
            "open": [row for row in rows if row["survey"].status == Survey.Status.OPEN],
            "closed": [row for row in rows if row["survey"].status != Survey.Status.OPEN],
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def survey_answer(request: HttpRequest, public_id) -> HttpResponse:
    """The survey's one page of questions; a survey answered already, or closed, says so
    and takes nothing."""
    survey = get_object_or_404(
        selectors.survey_list_addressed_to(user=request.user), public_id=public_id
    )
    if SurveyResponse.objects.filter(survey=survey, respondent=request.user).exists():
        return render(
            request, "intelligence/survey_answered.html", {"survey": survey, "again": True}
        )
    if survey.status != Survey.Status.OPEN:
        return render(request, "intelligence/survey_closed.html", {"survey": survey})
    services_to_rate = selectors.survey_services_for(user=request.user)
    form = forms.SurveyAnswerForm(
        request.POST if request.method == "POST" else None,
        survey=survey,
        services=services_to_rate,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(
                by=request.user,
                survey=survey,
                answers=form.answers(),
                confidence=form.confidence(),
            )
        except StateConflict as exc:
            if exc.message == services.ALREADY_ANSWERED:
                return render(
                    request, "intelligence/survey_answered.html", {"survey": survey, "again": True}
                )
            apply_domain_error(form, exc)
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc)
        else:
            return redirect("intelligence:survey-answered", public_id=survey.public_id)
    return render(request, "intelligence/survey_answer.html", {"survey": survey, "form": form})


@login_required
@require_http_methods(["GET", "HEAD"])
def survey_answered(request: HttpRequest, public_id) -> HttpResponse:
    survey = get_object_or_404(
        selectors.survey_list_addressed_to(user=request.user), public_id=public_id
    )
    if not SurveyResponse.objects.filter(survey=survey, respondent=request.user).exists():
        return redirect("intelligence:survey-answer", public_id=survey.public_id)
    return render(request, "intelligence/survey_answered.html", {"survey": survey})
