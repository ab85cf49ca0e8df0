"""Agreements: the lead commissioner turns an award into one and moves it from mobilising
to live to ended or terminated; providers and commissioners read them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from commissioning import forms, selectors, services
from commissioning.models import Agreement, Application
from commissioning.views.assessment import _led_application
from commissioning.workflow import RoundTransitionRefused
from partnership.forms import apply_validation_error
from partnership.models import Role
from providers.models import Service

NEXT_STATUSES = {
    Agreement.Status.MOBILISING: [
        (Agreement.Status.LIVE, "Mark as live"),
        (Agreement.Status.TERMINATED, "Terminate"),
    ],
    Agreement.Status.LIVE: [
        (Agreement.Status.ENDED, "Mark as ended"),
        (Agreement.Status.TERMINATED, "Terminate"),
    ],
}


@login_required
def agreement_create(request: HttpRequest, public_id) -> HttpResponse:
    application = _led_application(request, public_id)
    if application.status != Application.Status.SUCCESSFUL or hasattr(application, "agreement"):
        raise Http404("Only a successful application without an agreement gets one")
    funding_round = application.lot.funding_round
    form = forms.AgreementForm(
        request.POST or None,
        services=Service.objects.filter(organisation=application.organisation)
        .exclude(status=Service.Status.CLOSED)
        .order_by("name"),
        initial={"value": application.amount_requested},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
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
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except RoundTransitionRefused as exc:
            # Another request made the agreement first.
            for reason in exc.reasons:
                form.add_error(None, reason)
        else:
            messages.success(request, f"The agreement with {application.organisation} is recorded")
            return redirect("commissioning:agreement", public_id=agreement.public_id)
    return render(
        request,
        "commissioning/agreement_form.html",
        {"form": form, "application": application, "round": funding_round},
        status=400 if form.errors else 200,
    )


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    if request.user.role not in (Role.COMMISSIONER, Role.PROVIDER_ADMIN):
        raise Http404("Agreements are for commissioners and providers' admins")
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
    leads = (
        request.user.role == Role.COMMISSIONER
        and request.user.commissioning_body_id == agreement.lot.funding_round.lead_body_id
    )
    return render(
        request,
        "commissioning/agreement.html",
        {
            "agreement": agreement,
            "funded": agreement.funded_services.select_related("service"),
            "next_statuses": NEXT_STATUSES.get(agreement.status, []) if leads else [],
        },
    )


@login_required
@require_POST
def agreement_status(request: HttpRequest, public_id) -> HttpResponse:
    agreement = _visible_agreement(request, public_id)
    if request.user.role != Role.COMMISSIONER:
        raise Http404("Only the lead commissioner changes an agreement")
    try:
        services.agreement_set_status(
            agreement=agreement, by=request.user, status=request.POST.get("status", "")
        )
    except RoundTransitionRefused as exc:
        messages.error(request, exc.reasons[0])
    else:
        messages.success(request, f"The agreement is now {agreement.get_status_display().lower()}")
    return redirect("commissioning:agreement", public_id=agreement.public_id)
