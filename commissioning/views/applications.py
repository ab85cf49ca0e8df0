"""Applications: a provider applies to a lot, saves drafts, submits and withdraws; everyone
allowed to see an application reads it on one page, which shows each role what it may do."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from commissioning import forms, selectors, services
from commissioning.models import Application, FundingRound, Lot
from partnership.forms import apply_validation_error
from partnership.models import Role


def visible_application(request: HttpRequest, public_id) -> Application:
    return get_object_or_404(
        selectors.application_list_visible_to(user=request.user).select_related(
            "lot__category", "lot__funding_round__lead_body", "organisation"
        ),
        public_id=public_id,
    )


def _own_application(request: HttpRequest, public_id) -> Application:
    if request.user.role != Role.PROVIDER_ADMIN:
        raise Http404("Only the organisation's admins change its application")
    return visible_application(request, public_id)


@login_required
def lot_apply(request: HttpRequest, lot_pk: int) -> HttpResponse:
    """Start (or go back to) the organisation's application to an open lot."""
    if request.user.role != Role.PROVIDER_ADMIN or not request.user.organisation_id:
        raise Http404("Only providers' admins apply")
    lot = get_object_or_404(
        Lot.objects.select_related("funding_round", "category").filter(
            funding_round__in=selectors.round_list_visible_to(user=request.user)
        ),
        pk=lot_pk,
    )
    existing = (
        Application.objects.filter(lot=lot, organisation_id=request.user.organisation_id)
        .exclude(status=Application.Status.WITHDRAWN)
        .first()
    )
    if existing is not None:
        return redirect("commissioning:application", public_id=existing.public_id)
    errors = []
    if request.method == "POST":
        try:
            application = services.application_save(lot=lot, by=request.user, data={})
        except ValidationError as exc:
            errors = exc.messages
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
        },
        status=400 if errors else 200,
    )


def _application_form(request: HttpRequest, application: Application):
    return forms.ApplicationForm(request.POST or None, instance=application, lot=application.lot)


@login_required
def application_detail(request: HttpRequest, public_id) -> HttpResponse:
    """The provider edits a draft here (save or submit); others read the application."""
    application = visible_application(request, public_id)
    user = request.user
    editable = (
        user.role == Role.PROVIDER_ADMIN
        and application.status == Application.Status.DRAFT
        and application.lot.funding_round.status == FundingRound.Status.OPEN
    )
    form = _application_form(request, application) if editable else None
    if request.method == "POST":
        if form is None:
            raise Http404("This application cannot be changed")
        if form.is_valid():
            saved = _save(request, application, form)
            if saved and request.POST.get("action") == "submit":
                try:
                    services.application_submit(application=application, by=user)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(
                        request,
                        f"Your application for {application.lot.title} has been submitted",
                    )
                    return redirect("commissioning:application", public_id=public_id)
            elif saved:
                messages.success(request, "Your draft has been saved")
                return redirect("commissioning:application", public_id=public_id)
    is_lead = (
        user.role == Role.COMMISSIONER
        and user.commissioning_body_id == application.lot.funding_round.lead_body_id
    )
    return render(
        request,
        "commissioning/application.html",
        {
            "application": application,
            "round": application.lot.funding_round,
            "form": form,
            "questions": services.questions_for(application.lot.funding_round.mechanism),
            "can_withdraw": user.role == Role.PROVIDER_ADMIN
            and application.status in (Application.Status.DRAFT, Application.Status.SUBMITTED)
            and application.lot.funding_round.status == FundingRound.Status.OPEN,
            "is_lead": is_lead,
            "assignments": application.assignments.select_related("assessor") if is_lead else None,
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
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return False
    return True


@login_required
def application_withdraw(request: HttpRequest, public_id) -> HttpResponse:
    application = _own_application(request, public_id)
    errors = []
    if request.method == "POST":
        try:
            services.application_withdraw(application=application, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            errors = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        else:
            messages.success(
                request, f"Your application for {application.lot.title} has been withdrawn"
            )
            return redirect(
                "commissioning:round", public_id=application.lot.funding_round.public_id
            )
    return render(
        request,
        "commissioning/withdraw.html",
        {"application": application, "errors": errors},
        status=400 if errors else 200,
    )
