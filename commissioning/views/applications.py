"""Applications: a provider applies to a lot, saves drafts, submits and withdraws; everyone
allowed to see an application reads it on one page, which offers each user what
`rules.actions_for` says they may do."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from commissioning import forms, rules, selectors, services
from commissioning.models import Application
from partnership.errors import DomainError, InvalidInput, NotPermitted
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
    """The provider edits a draft here (save it, or continue to check the answers before
    submitting); others read the application. A change from check answers returns there."""
    application = visible_application(request, public_id)
    user = request.user
    actions = rules.actions_for(user, application)
    form = None
    if request.method == "POST":
        # Only a draft's own admins post here, while the round is open.
        rules.require(user, "edit", application)
    if "edit" in actions:
        form = forms.ApplicationForm(
            request.POST if request.method == "POST" else None,
            instance=application,
            lot=application.lot,
        )
    returning = request.GET.get("return") == "check"
    if request.method == "POST" and form.is_valid():
        saved = _save(request, application, form)
        if saved and request.POST.get("action") == "check":
            application.refresh_from_db()
            missing = services.application_missing(application)
            if not missing:
                return redirect("commissioning:application-check", public_id=public_id)
            # Saved, but not ready to check: each missing answer is an error on its question.
            for field, message in missing.items():
                form.add_error(field if field in form.fields else None, message)
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
            "returning": returning,
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


# The check answers page's rows: the field, its question, and how the answer reads.
CHECK_ROWS = [
    ("approach", "How you will deliver the service"),
    ("experience", "Your experience of similar work"),
    ("outcomes", "The difference it will make"),
    ("amount_requested", "Amount you are asking for"),
    ("proposed_monthly_capacity", "Referrals you can take each month"),
    ("pdus", "PDUs you will cover"),
    ("staff_training_budget", "Staff training in your budget"),
]


@login_required
def application_check(request: HttpRequest, public_id) -> HttpResponse:
    """Check your answers before submitting: each answer with a link to change it (which
    comes back here), then submit. Only the draft's own admins, while the round is open."""
    application = visible_application(request, public_id)
    # Anyone but the applicant's admins gets 404; a draft no longer open says why.
    refused = rules.refusal(request.user, "submit", application)
    posted = request.method == "POST"
    if refused and not posted:
        return redirect("commissioning:application", public_id=public_id)
    errors: list[tuple[str, str]] = [(reason, "") for reason in refused]
    if posted and not refused:
        try:
            services.application_submit(application=application, by=request.user)
        except (ValidationError, DomainError) as exc:
            errors = _check_errors(exc)
        else:
            messages.success(
                request, f"Your application for {application.lot.title} has been submitted"
            )
            return redirect("commissioning:application", public_id=public_id)
    asked = services.questions_for(application.lot.funding_round.mechanism)
    rows = [
        (field, question, _answer(application, field))
        for field, question in CHECK_ROWS
        if field in asked or field in ("pdus", "staff_training_budget")
    ]
    return render(
        request,
        "commissioning/application_check.html",
        {
            "application": application,
            "round": application.lot.funding_round,
            "rows": rows,
            "errors": errors,
        },
        status=(409 if refused else 400) if errors else 200,
    )


def _answer(application: Application, field: str):
    if field == "pdus":
        return ", ".join(str(pdu) for pdu in application.pdus.order_by("name"))
    return getattr(application, field)


def _check_errors(exc) -> list[tuple[str, str]]:
    """A refusal of the submission as (message, the question it is about, or "")."""
    if isinstance(exc, NotPermitted):
        raise Http404("Not permitted") from exc
    if isinstance(exc, InvalidInput):
        return [(exc.message, exc.field if exc.field in dict(CHECK_ROWS) else "")]
    if isinstance(exc, DomainError):
        return [(reason, "") for reason in exc.reasons]
    if hasattr(exc, "message_dict"):
        return [
            (message, field if field in dict(CHECK_ROWS) else "")
            for field, messages_ in exc.message_dict.items()
            for message in messages_
        ]
    return [(message, "") for message in exc.messages]


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
