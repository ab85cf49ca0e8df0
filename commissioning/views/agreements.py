"""Agreements: the lead commissioner turns an award into one and moves it from mobilising
to live to ended or terminated; providers and commissioners read them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from commissioning import forms, rules, selectors, services
from commissioning.models import Agreement
from commissioning.views import action_form_page
from commissioning.views.applications import visible_application
from partnership.errors import InvalidInput, StateConflict
from providers.models import Service

# The button of each change an agreement's page offers (`rules.AGREEMENT_STEPS`).
STEP_BUTTONS = {"go_live": "Mark as live", "end": "Mark as ended", "terminate": "Terminate"}


@login_required
def agreement_create(request: HttpRequest, public_id) -> HttpResponse:
    application = visible_application(request, public_id)

    def make_form():
        return forms.AgreementForm(
            request.POST or None,
            services=Service.objects.filter(organisation=application.organisation)
            .exclude(status=Service.Status.CLOSED)
            .order_by("name"),
            initial={"value": application.amount_requested},
        )

    def save(form):
        data = form.cleaned_data
        agreement = services.agreement_create(
            application=application,
            by=request.user,
            value=data["value"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            break_clause_dates=[data["break_clause_on"]] if data["break_clause_on"] else [],
            justification=data["justification"],
            services=form.funded(),
        )
        messages.success(request, f"The agreement with {application.organisation} is recorded")
        return redirect("commissioning:agreement", public_id=agreement.public_id)

    return action_form_page(
        request,
        application,
        "create_agreement",
        make_form,
        save=save,
        template="commissioning/agreement_form.html",
        context={"application": application, "round": application.lot.funding_round},
        invalid_status=400,
    )


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    rules.require(request.user, "list_agreements", None)
    return render(
        request,
        "commissioning/agreements.html",
        {"agreements": selectors.agreement_list_visible_to(user=request.user)},
    )


def _visible_agreement(request, public_id) -> Agreement:
    return get_object_or_404(
        selectors.agreement_list_visible_to(user=request.user), public_id=public_id
    )


@login_required
def agreement_detail(request: HttpRequest, public_id) -> HttpResponse:
    agreement = _visible_agreement(request, public_id)
    actions = rules.actions_for(request.user, agreement)
    return render(
        request,
        "commissioning/agreement.html",
        {
            "agreement": agreement,
            "funded": agreement.funded_services.select_related("service"),
            "next_statuses": [
                (rules.AGREEMENTS[name].target, label)
                for name, label in STEP_BUTTONS.items()
                if name in actions
            ],
        },
    )


@login_required
@require_POST
def agreement_status(request: HttpRequest, public_id) -> HttpResponse:
    """Anyone but the lead commissioner gets 404; a change the agreement's state refuses
    is said on its page."""
    agreement = _visible_agreement(request, public_id)
    try:
        agreement = services.agreement_set_status(
            agreement=agreement, by=request.user, status=request.POST.get("status", "")
        )
    except (StateConflict, InvalidInput) as exc:
        messages.error(request, exc.reasons[0])
    else:
        messages.success(request, f"The agreement is now {agreement.get_status_display().lower()}")
    return redirect("commissioning:agreement", public_id=agreement.public_id)
