"""Applications: a provider applies to a lot, saves drafts, submits and withdraws; everyone
allowed to see an application reads it on one page, which offers each user what
`rules.actions_for` says they may do."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from commissioning import forms, rules, selectors, services
from commissioning.models import Application
from partnership.errors import DomainError
from partnership.forms import apply_domain_error


def visible_application(request: HttpRequest, public_id) -> Application:
    return get_object_or_404(
        selectors.application_list_visible_to(user=request.user).select_related(
            "lot__category", "lot__funding_round__lead_body", "organisation"
        ),
        public_id=public_id,
    )


@login_required
def lot_apply(request: HttpRequest, lot_pk: int) -> HttpResponse:
    """Start (or go back to) the organisation's application to an open lot."""
    lot = get_object_or_404(
        selectors.lot_list_visible_to(user=request.user).select_related(
            "funding_round", "category"
        ),
        pk=lot_pk,
    )
    # Anyone but a provider's admin gets 404 here; a round not open says so.
    refused = rules.refusal(request.user, "apply", lot.funding_round)
    existing = (
        selectors.application_list_own(user=request.user)
        .filter(lot=lot)
        .exclude(status=Application.Status.WITHDRAWN)
        .first()
    )
    if existing is not None:
        return redirect("commissioning:application", public_id=existing.public_id)
    errors = list(refused)
    if request.method == "POST" and not refused:
        try:
            application = services.application_save(lot=lot, by=request.user, data={})
        except (ValidationError, DomainError) as exc:
            errors = exc.reasons if isinstance(exc, DomainError) else exc.messages
        else:
            return redirect("commissioning:application", public_id=application.public_id)
    return render(
        request,
        "commissioning/apply_start.html",
        {
            "lot": lot,
            "round": lot.funding_round,
            "organisation": request.user.organisation,
            "errors": errors,
            "refused": refused,
        },
        status=(409 if refused else 400) if errors and request.method == "POST" else 200,
    )


@login_required
def application_detail(request: HttpRequest, public_id) -> HttpResponse:
    """The provider edits a draft here (save or submit); others read the application."""
    application = visible_application(request, public_id)
    user = request.user
    actions = rules.actions_for(user, application)
    form = None
    if request.method == "POST":
        # Only a draft's own admins post here, while the round is open.
        rules.require(user, "edit", application)
    if "edit" in actions:
        form = forms.ApplicationForm(
            request.POST or None, instance=application, lot=application.lot
        )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, application, form)
        if saved and request.POST.get("action") == "submit":
            try:
                services.application_submit(application=application, by=user)
            except (ValidationError, DomainError) as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request, f"Your application for {application.lot.title} has been submitted"
                )
                return redirect("commissioning:application", public_id=public_id)
        elif saved:
            messages.success(request, "Your draft has been saved")
            return redirect("commissioning:application", public_id=public_id)
    return render(
        request,
        "commissioning/application.html",
        {
            "application": application,
            "round": application.lot.funding_round,
            "actions": actions,
            "form": form,
            "questions": services.questions_for(application.lot.funding_round.mechanism),
            "assignments": (
                application.assignments.select_related("assessor")
                if "view_assessment" in actions
                else None
            ),
            "agreement": getattr(application, "agreement", None),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _save(request: HttpRequest, application: Application, form) -> bool:
    data = {name: form.cleaned_data[name] for name in form.fields if name != "pdus"}
    try:
        services.application_save(
            lot=application.lot, by=request.user, data=data, pdus=form.cleaned_data["pdus"]
        )
    except (ValidationError, DomainError) as exc:
        apply_domain_error(form, exc)
        return False
    return True


@login_required
def application_withdraw(request: HttpRequest, public_id) -> HttpResponse:
    application = visible_application(request, public_id)
    errors = rules.refusal(request.user, "withdraw", application)
    if request.method == "POST" and not errors:
        services.application_withdraw(application=application, by=request.user)
        messages.success(
            request, f"Your application for {application.lot.title} has been withdrawn"
        )
        return redirect("commissioning:round", public_id=application.lot.funding_round.public_id)
    return render(
        request,
        "commissioning/withdraw.html",
        {"application": application, "errors": errors},
        status=409 if errors and request.method == "POST" else 200,
    )
