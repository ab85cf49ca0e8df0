"""Funding round pages: the list, each round with its lots and market health, and the lead
commissioner's set-up: terms, lots, criteria, and the steps from draft to closed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from commissioning import forms, rules, selectors, services
from commissioning.market import COUNTED, hhi_concentration, market_health
from commissioning.models import Application, Criterion, FundingRound, Lot
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
        "history": funding_round.steps.select_related("by"),
        "designing": funding_round.status in rules.DESIGNING,
        **extra,
    }


@login_required
def round_detail(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = visible_round(request, public_id)
    return render(request, "commissioning/round.html", _round_context(request, funding_round))


# What each step will do, as its confirmation page says it.
STEP_WILL = {
    "consult": [
        "Providers' admins will be able to read the draft round and comment on it.",
        "You can still change the terms, lots and criteria while the round is in consultation.",
    ],
    "open": [
        "Providers' admins will be able to apply to the round's lots until applications close.",
        "The terms, lots and criteria will no longer change.",
    ],
    "close_applications": [
        "No more applications can be submitted or withdrawn; drafts will not be assessed.",
        "Submitted applications will go to assessment.",
    ],
    "award": [
        "The decisions on the applications become final: each award can then become an agreement.",
    ],
    "close": ["The round will be closed: nothing in it will change again."],
}


def _step_page(request, funding_round, step, *, form, blockers, status=200) -> HttpResponse:
    return render(
        request,
        "commissioning/round_step.html",
        {
            "round": funding_round,
            "step": step,
            "label": STEP_LABELS[step],
            "will": STEP_WILL[step],
            "irreversible": step in rules.IRREVERSIBLE_STEPS,
            "notice": services.step_notice(funding_round, step),
            "form": form,
            "blockers": blockers,
        },
        status=status,
    )


@login_required
def round_step(request: HttpRequest, public_id, step: str) -> HttpResponse:
    """A step of the round on its own page: GET (and HEAD) says what it will do, to whom it
    will send what, and what must be true first; only a POST takes it. Anyone but the lead
    commissioner gets 404, as if the round were not there."""
    funding_round = visible_round(request, public_id)
    if step not in rules.ROUND_STEPS:
        raise Http404("No such step")
    blockers = rules.refusal(request.user, step, funding_round)
    if not blockers:
        blockers = services.step_blockers(funding_round, step)
    early = step == "close_applications" and rules.closes_early(funding_round, timezone.now())
    form = forms.StepForm(request.POST if request.method == "POST" else None, ask_reason=early)
    if request.method == "POST":
        return _take_step(request, funding_round, step, form=form, blockers=blockers)
    return _step_page(request, funding_round, step, form=form, blockers=blockers)


def _take_step(request, funding_round, step, *, form, blockers) -> HttpResponse:
    """The confirmed step: taken if nothing stops it, else the page again saying why."""
    if blockers:
        return _step_page(request, funding_round, step, form=form, blockers=blockers, status=409)
    if not form.is_valid():
        return _step_page(request, funding_round, step, form=form, blockers=[])
    try:
        services.round_transition(
            funding_round=funding_round,
            by=request.user,
            action=step,
            reason=form.cleaned_data.get("reason", ""),
        )
    except StateConflict as exc:
        funding_round.refresh_from_db()
        return _step_page(request, funding_round, step, form=form, blockers=exc.reasons, status=409)
    messages.success(request, f"{funding_round.title} {STEP_DONE[step]}")
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
        lambda: forms.LotForm(
            request.POST or None,
            funding_round=funding_round,
            initial=forms.lot_initial_from(request.GET, funding_round=funding_round),
        ),
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


def _round_lot(request: HttpRequest, public_id, lot_pk: int) -> tuple[FundingRound, Lot]:
    funding_round = visible_round(request, public_id)
    return funding_round, get_object_or_404(Lot, pk=lot_pk, funding_round=funding_round)


def _round_criterion(request: HttpRequest, public_id, pk: int) -> tuple[FundingRound, Criterion]:
    funding_round = visible_round(request, public_id)
    return funding_round, get_object_or_404(Criterion, pk=pk, funding_round=funding_round)


@login_required
def lot_edit(request: HttpRequest, public_id, lot_pk: int) -> HttpResponse:
    funding_round, lot = _round_lot(request, public_id, lot_pk)

    def save(form):
        data = dict(form.cleaned_data)
        pdus = data.pop("pdus")
        services.lot_update(lot=lot, by=request.user, data=data, pdus=pdus)
        return _to_round(request, funding_round, f"{data['title']} has been changed")

    return action_form_page(
        request,
        funding_round,
        "edit_lot",
        lambda: forms.LotForm(
            request.POST or None,
            funding_round=funding_round,
            initial={
                "title": lot.title,
                "category": lot.category,
                "pdus": list(lot.pdus.all()),
                "budget": lot.budget,
                "expected_monthly_referrals": lot.expected_monthly_referrals,
                "income_ceiling": lot.income_ceiling,
            },
        ),
        save=save,
        template="commissioning/lot_form.html",
        context={"round": funding_round, "lot": lot},
    )


def _remove_page(request, funding_round, action, obj, kind: str, remove) -> HttpResponse:
    """Confirm removing a lot or criterion: GET (and HEAD) asks, only a POST removes."""
    refused = rules.refusal(request.user, action, funding_round)
    if request.method == "POST" and not refused:
        remove()
        return _to_round(
            request,
            funding_round,
            f"{obj.name if kind == 'criterion' else obj.title} has been removed",
        )
    return render(
        request,
        "commissioning/remove_confirm.html",
        {"round": funding_round, "obj": obj, "kind": kind, "refused": refused},
        status=409 if request.method == "POST" else 200,
    )


@login_required
def lot_remove(request: HttpRequest, public_id, lot_pk: int) -> HttpResponse:
    funding_round, lot = _round_lot(request, public_id, lot_pk)
    return _remove_page(
        request,
        funding_round,
        "remove_lot",
        lot,
        "lot",
        lambda: services.lot_remove(lot=lot, by=request.user),
    )


@login_required
def criterion_edit(request: HttpRequest, public_id, pk: int) -> HttpResponse:
    funding_round, criterion = _round_criterion(request, public_id, pk)

    def save(form):
        criterion_now = services.criterion_update(
            criterion=criterion, by=request.user, **form.cleaned_data
        )
        return _to_round(request, funding_round, f"{criterion_now.name} has been changed")

    return action_form_page(
        request,
        funding_round,
        "edit_criterion",
        lambda: forms.CriterionForm(
            request.POST or None, initial={"name": criterion.name, "weight": criterion.weight}
        ),
        save=save,
        template="commissioning/criterion_form.html",
        context={"round": funding_round, "criterion": criterion},
    )


@login_required
def criterion_remove(request: HttpRequest, public_id, pk: int) -> HttpResponse:
    funding_round, criterion = _round_criterion(request, public_id, pk)
    return _remove_page(
        request,
        funding_round,
        "remove_criterion",
        criterion,
        "criterion",
        lambda: services.criterion_remove(criterion=criterion, by=request.user),
    )
