"""Funding round pages: the list, each round with its lots and market health, and the lead
commissioner's set-up: terms, lots, criteria, and the steps from draft to closed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from commissioning import forms, selectors, services
from commissioning.market import COUNTED, market_health
from commissioning.models import Application, FundingRound
from commissioning.templatetags.funding import bar_width
from commissioning.workflow import ROUND_TRANSITIONS, RoundTransitionRefused
from partnership.forms import apply_validation_error
from partnership.models import Role
from providers.models import SizeBand

STEP_LABELS = {
    "consult": "Start consultation",
    "open": "Open for applications",
    "close_applications": "Close applications and start assessment",
    "award": "Confirm awards",
    "close": "Close the round",
}
STEP_DONE = {
    "consult": "is in consultation: providers can read it and comment",
    "open": "is open for applications",
    "close_applications": "is closed to applications and in assessment",
    "award": "is awarded: turn each award into an agreement",
    "close": "is closed",
}


def visible_round(request: HttpRequest, public_id) -> FundingRound:
    return get_object_or_404(
        selectors.round_list_visible_to(user=request.user), public_id=public_id
    )


def managed_round(request: HttpRequest, public_id) -> FundingRound:
    """A round the user leads; anyone else gets 404, as if it were not there."""
    return get_object_or_404(
        selectors.round_list_managed_by(user=request.user), public_id=public_id
    )


def next_step(funding_round: FundingRound) -> str | None:
    return next(
        (
            action
            for action, (source, _) in ROUND_TRANSITIONS.items()
            if source == funding_round.status
        ),
        None,
    )


def health_charts(health: dict) -> dict:
    """Bars for the market-health charts: (label, value shown, width as a percentage)."""
    most = max((lot["bidders"] for lot in health["lots"]), default=0) or 1
    return {
        "bidder_bars": [
            (lot["title"], lot["bidders"], bar_width(lot["bidders"], most))
            for lot in health["lots"]
        ],
        "band_bars": [
            (SizeBand(band).label, f"{share}%", bar_width(share))
            for band, share in health["awarded_by_size_band"].items()
        ],
    }


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    if request.user.role not in (Role.COMMISSIONER, Role.ASSESSOR, Role.PROVIDER_ADMIN):
        raise Http404("Funding rounds are for commissioners and providers")
    rounds = selectors.round_list_visible_to(user=request.user).annotate(
        lot_count=Count("lots", distinct=True)
    )
    return render(
        request,
        "commissioning/rounds.html",
        {
            "rounds": rounds,
            "can_create": request.user.role == Role.COMMISSIONER,
            "own_applications": (
                selectors.application_list_visible_to(user=request.user).select_related(
                    "lot__funding_round"
                )
                if request.user.role == Role.PROVIDER_ADMIN
                else None
            ),
        },
    )


def _round_context(request: HttpRequest, funding_round: FundingRound, **extra) -> dict:
    user = request.user
    is_commissioner = user.role == Role.COMMISSIONER
    leads = is_commissioner and user.commissioning_body_id == funding_round.lead_body_id
    lots = (
        funding_round.lots.select_related("category")
        .prefetch_related("pdus")
        .annotate(bidders=Count("applications", filter=Q(applications__status__in=COUNTED)))
    )
    own_applications = {}
    if user.role == Role.PROVIDER_ADMIN:
        own_applications = {
            a.lot_id: a
            for a in Application.objects.filter(
                lot__funding_round=funding_round, organisation_id=user.organisation_id
            ).exclude(status=Application.Status.WITHDRAWN)
        }
    health = market_health(funding_round=funding_round) if is_commissioner else None
    step = next_step(funding_round) if leads else None
    return {
        "round": funding_round,
        "lots": [(lot, own_applications.get(lot.pk)) for lot in lots],
        "criteria": funding_round.criteria.all(),
        "applications": selectors.application_list_visible_to(user=user).filter(
            lot__funding_round=funding_round
        ),
        "comments": (
            funding_round.comments.select_related("organisation")
            if is_commissioner
            else funding_round.comments.filter(organisation_id=user.organisation_id)
        ),
        "health": health,
        **(health_charts(health) if health else {}),
        "is_commissioner": is_commissioner,
        "leads": leads,
        "editable": leads and funding_round.status in services.ROUND_EDITABLE,
        "next_step": step,
        "next_step_label": STEP_LABELS.get(step),
        "can_apply": user.role == Role.PROVIDER_ADMIN
        and funding_round.status == FundingRound.Status.OPEN,
        "can_comment": user.role == Role.PROVIDER_ADMIN
        and funding_round.status == FundingRound.Status.CONSULTATION,
        **extra,
    }


@login_required
def round_detail(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = visible_round(request, public_id)
    return render(request, "commissioning/round.html", _round_context(request, funding_round))


@login_required
@require_POST
def round_step(request: HttpRequest, public_id) -> HttpResponse:
    """Take the round's next step, or show what must be true first in an error summary."""
    funding_round = managed_round(request, public_id)
    action = request.POST.get("action", "")
    if action not in ROUND_TRANSITIONS:
        raise Http404("No such step")
    try:
        services.round_transition(funding_round=funding_round, by=request.user, action=action)
    except RoundTransitionRefused as exc:
        funding_round.refresh_from_db()
        context = _round_context(
            request, funding_round, step_errors=exc.reasons, refused_step=STEP_LABELS[action]
        )
        return render(request, "commissioning/round.html", context, status=409)
    messages.success(request, f"{funding_round.title} {STEP_DONE[action]}")
    return redirect("commissioning:round", public_id=funding_round.public_id)


def _round_form_page(request, form, funding_round=None) -> HttpResponse:
    return render(
        request,
        "commissioning/round_form.html",
        {"form": form, "round": funding_round},
    )


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.COMMISSIONER or not request.user.commissioning_body_id:
        raise Http404("Only commissioners create rounds")
    form = forms.RoundForm(request.POST or None, commissioner=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            funding_round = services.round_create(
                by=request.user,
                data=form.round_data(),
                regions=form.cleaned_data["regions"],
                co_funders=form.cleaned_data["co_funders"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc, fields=form.SERVICE_FIELDS)
        else:
            messages.success(request, f"{funding_round.title} has been created as a draft")
            return redirect("commissioning:round", public_id=funding_round.public_id)
    return _round_form_page(request, form)


@login_required
def round_edit(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = managed_round(request, public_id)
    form = forms.RoundForm(
        request.POST or None,
        commissioner=request.user,
        initial=forms.RoundForm.initial_from(funding_round),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.round_update(
                funding_round=funding_round,
                by=request.user,
                data=form.round_data(),
                regions=form.cleaned_data["regions"],
                co_funders=form.cleaned_data["co_funders"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc, fields=form.SERVICE_FIELDS)
        except RoundTransitionRefused as exc:
            for reason in exc.reasons:
                form.add_error(None, reason)
        else:
            messages.success(request, "The round's terms have been updated")
            return redirect("commissioning:round", public_id=funding_round.public_id)
    return _round_form_page(request, form, funding_round)


def _round_part_page(request, funding_round, form, *, add, template) -> HttpResponse:
    """A form that adds a part (a lot or a criterion) to a round being designed."""
    if request.method == "POST" and form.is_valid():
        try:
            part = add(form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except RoundTransitionRefused as exc:
            for reason in exc.reasons:
                form.add_error(None, reason)
        else:
            messages.success(request, f"{part} has been added")
            return redirect("commissioning:round", public_id=funding_round.public_id)
    return render(request, template, {"form": form, "round": funding_round})


@login_required
def lot_add(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = managed_round(request, public_id)
    form = forms.LotForm(request.POST or None, funding_round=funding_round)

    def add(data):
        pdus = data.pop("pdus")
        return services.lot_add(funding_round=funding_round, by=request.user, data=data, pdus=pdus)

    return _round_part_page(
        request, funding_round, form, add=add, template="commissioning/lot_form.html"
    )


@login_required
def criterion_add(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = managed_round(request, public_id)
    form = forms.CriterionForm(request.POST or None)

    def add(data):
        return services.criterion_add(funding_round=funding_round, by=request.user, **data)

    return _round_part_page(
        request, funding_round, form, add=add, template="commissioning/criterion_form.html"
    )


@login_required
def comment_add(request: HttpRequest, public_id) -> HttpResponse:
    """A provider's comment on a round in consultation."""
    funding_round = visible_round(request, public_id)
    if request.user.role != Role.PROVIDER_ADMIN:
        raise Http404("Only providers' admins comment on rounds")
    form = forms.CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_add(
                funding_round=funding_round, by=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Your comment has been sent to the commissioners")
            return redirect("commissioning:round", public_id=funding_round.public_id)
    return render(
        request, "commissioning/comment_form.html", {"form": form, "round": funding_round}
    )
