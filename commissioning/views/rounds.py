"""Funding round pages: the list, each round with its lots and market health, and the lead
commissioner's set-up: terms, lots, criteria, and the steps from draft to closed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from commissioning import forms, rules, selectors, services
from commissioning.market import COUNTED, hhi_concentration, market_health
from commissioning.models import Application, FundingRound
from commissioning.templatetags.funding import bar_width
from commissioning.views import action_form_page
from partnership.errors import StateConflict
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


def health_charts(health: dict) -> dict:
    """Bars for the market-health charts: (label, value shown, width as a percentage)."""
    most = max((lot["bidders"] for lot in health["lots"]), default=0) or 1
    return {
        "concentration": hhi_concentration(health["hhi"], total=health["total_awarded"]),
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
    rules.require(request.user, "list_rounds", None)
    rounds = selectors.round_list_visible_to(user=request.user).annotate(
        lot_count=Count("lots", distinct=True)
    )
    return render(
        request,
        "commissioning/rounds.html",
        {
            "rounds": rounds,
            "actions": rules.actions_for(request.user, None),
            "own_applications": selectors.application_list_own(user=request.user),
        },
    )


def _round_context(request: HttpRequest, funding_round: FundingRound, **extra) -> dict:
    user = request.user
    actions = rules.actions_for(user, funding_round)
    lots = (
        funding_round.lots.select_related("category")
        .prefetch_related("pdus")
        .annotate(bidders=Count("applications", filter=Q(applications__status__in=COUNTED)))
    )
    own_applications = {
        application.lot_id: application
        for application in selectors.application_list_own(user=user)
        .filter(lot__funding_round=funding_round)
        .exclude(status=Application.Status.WITHDRAWN)
    }
    health = market_health(funding_round=funding_round) if "view_market_health" in actions else None
    steps = [name for name in rules.ROUND_STEPS if name in actions]
    return {
        "round": funding_round,
        "actions": actions,
        "lots": [(lot, own_applications.get(lot.pk)) for lot in lots],
        "criteria": funding_round.criteria.all(),
        "applications": selectors.application_list_visible_to(user=user).filter(
            lot__funding_round=funding_round
        ),
        "comments": selectors.round_comment_list_visible_to(user=user, funding_round=funding_round),
        # Only how the page words things: commissioners read "Applications", providers "Yours".
        "is_commissioner": rules.is_commissioner(user),
        "health": health,
        **(health_charts(health) if health else {}),
        "steps": [(name, STEP_LABELS[name]) for name in steps],
        **extra,
    }


@login_required
def round_detail(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = visible_round(request, public_id)
    return render(request, "commissioning/round.html", _round_context(request, funding_round))


@login_required
@require_POST
def round_step(request: HttpRequest, public_id) -> HttpResponse:
    """Take the round's next step, or show what must be true first in an error summary.
    Anyone but the lead commissioner gets 404, as if the round were not there."""
    funding_round = visible_round(request, public_id)
    action = request.POST.get("action", "")
    if action not in rules.ROUND_STEPS:
        raise Http404("No such step")
    try:
        services.round_transition(funding_round=funding_round, by=request.user, action=action)
    except StateConflict as exc:
        funding_round.refresh_from_db()
        context = _round_context(
            request, funding_round, step_errors=exc.reasons, refused_step=STEP_LABELS[action]
        )
        return render(request, "commissioning/round.html", context, status=409)
    messages.success(request, f"{funding_round.title} {STEP_DONE[action]}")
    return redirect("commissioning:round", public_id=funding_round.public_id)


def _to_round(request: HttpRequest, funding_round: FundingRound, done: str) -> HttpResponse:
    messages.success(request, done)
    return redirect("commissioning:round", public_id=funding_round.public_id)


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    def save(form):
        funding_round = services.round_create(
            by=request.user,
            data=form.round_data(),
            regions=form.cleaned_data["regions"],
            co_funders=form.cleaned_data["co_funders"],
        )
        return _to_round(
            request, funding_round, f"{funding_round.title} has been created as a draft"
        )

    return action_form_page(
        request,
        None,
        "create_round",
        lambda: forms.RoundForm(request.POST or None, commissioner=request.user),
        save=save,
        template="commissioning/round_form.html",
        context={"round": None},
    )


@login_required
def round_edit(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = visible_round(request, public_id)

    def save(form):
        services.round_update(
            funding_round=funding_round,
            by=request.user,
            data=form.round_data(),
            regions=form.cleaned_data["regions"],
            co_funders=form.cleaned_data["co_funders"],
        )
        return _to_round(request, funding_round, "The round's terms have been updated")

    return action_form_page(
        request,
        funding_round,
        "edit_terms",
        lambda: forms.RoundForm(
            request.POST or None,
            commissioner=request.user,
            initial=forms.RoundForm.initial_from(funding_round),
        ),
        save=save,
        template="commissioning/round_form.html",
        context={"round": funding_round},
    )


@login_required
def lot_add(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = visible_round(request, public_id)

    def save(form):
        data = dict(form.cleaned_data)
        pdus = data.pop("pdus")
        lot = services.lot_add(funding_round=funding_round, by=request.user, data=data, pdus=pdus)
        return _to_round(request, funding_round, f"{lot} has been added")

    return action_form_page(
        request,
        funding_round,
        "add_lot",
        lambda: forms.LotForm(request.POST or None, funding_round=funding_round),
        save=save,
        template="commissioning/lot_form.html",
        context={"round": funding_round},
    )


@login_required
def criterion_add(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = visible_round(request, public_id)

    def save(form):
        criterion = services.criterion_add(
            funding_round=funding_round, by=request.user, **form.cleaned_data
        )
        return _to_round(request, funding_round, f"{criterion} has been added")

    return action_form_page(
        request,
        funding_round,
        "add_criterion",
        lambda: forms.CriterionForm(request.POST or None),
        save=save,
        template="commissioning/criterion_form.html",
        context={"round": funding_round},
    )


@login_required
def comment_add(request: HttpRequest, public_id) -> HttpResponse:
    """A provider's comment on a round in consultation."""
    funding_round = visible_round(request, public_id)

    def save(form):
        services.comment_add(
            funding_round=funding_round, by=request.user, text=form.cleaned_data["text"]
        )
        return _to_round(request, funding_round, "Your comment has been sent to the commissioners")

    return action_form_page(
        request,
        funding_round,
        "comment",
        lambda: forms.CommentForm(request.POST or None),
        save=save,
        template="commissioning/comment_form.html",
        context={"round": funding_round},
    )
