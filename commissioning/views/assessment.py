"""Assessment: assessors declare conflicts and then score; the lead commissioner assigns
assessors, moderates with the table of weighted totals and records decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from commissioning import forms, rules, selectors, services
from commissioning.models import AssessorAssignment
from commissioning.views import action_form_page
from commissioning.views.applications import visible_application
from commissioning.views.rounds import visible_round
from partnership.errors import DomainError
from partnership.forms import apply_domain_error


@login_required
def assignment_list(request: HttpRequest) -> HttpResponse:
    rules.require(request.user, "list_assessments", None)
    assignments = selectors.assignment_list_for(user=request.user).select_related(
        "application__organisation", "application__lot"
    )
    return render(request, "commissioning/assessments.html", {"assignments": assignments})


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Declare conflicts first; only a declaration of none shows the application and the
    scoring form. Once the application is decided, what was declared and scored is shown,
    and nothing can change."""
    assignment = get_object_or_404(
        selectors.assignment_list_for(user=request.user).select_related(
            "application__organisation", "application__lot__category"
        ),
        pk=pk,
    )
    application = assignment.application
    actions = rules.actions_for(request.user, assignment)
    declared = assignment.conflict_declared_at is not None
    # The assigned assessor may always declare while the assessment is open: so not now
    # means the application has been decided.
    frozen = "declare_conflict" not in actions
    if not declared and "declare_conflict" in actions:
        form = forms.DeclarationForm(request.POST if request.method == "POST" else None)
    elif "score" in actions:
        existing = {s.criterion_id: (s.score, s.comment) for s in assignment.scores.all()}
        form = forms.ScoresForm(
            request.POST if request.method == "POST" else None,
            criteria=application.lot.funding_round.criteria.all(),
            existing=existing,
            initial={"comment": assignment.comment},
        )
    else:
        form = None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            if not declared:
                services.conflict_declare(
                    assignment=assignment,
                    by=request.user,
                    has_conflict=form.cleaned_data["has_conflict"],
                    details=form.cleaned_data["details"],
                )
                messages.success(request, "Your declaration has been recorded")
                return redirect("commissioning:assessment", pk=assignment.pk)
            services.scores_record(
                assignment=assignment,
                by=request.user,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Your scores for {application.organisation} are saved")
            return redirect("commissioning:assessments")
    return render(
        request,
        "commissioning/assessment.html",
        {
            "assignment": assignment,
            # Nothing of the application beyond who applied until no conflict is declared.
            "application": application
            if rules.has_declared_no_conflict(request.user, assignment)
            else None,
            "form": form,
            "frozen": frozen,
            "scores": assignment.scores.select_related("criterion") if frozen else (),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def moderation(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = visible_round(request, public_id)
    rules.require(request.user, "moderate", funding_round)
    return render(
        request,
        "commissioning/moderation.html",
        {
            "round": funding_round,
            "lots": selectors.moderation_table(funding_round=funding_round),
            "criteria": funding_round.criteria.all(),
        },
    )


def _to_application(request: HttpRequest, application, done: str) -> HttpResponse:
    messages.success(request, done)
    return redirect("commissioning:application", public_id=application.public_id)


@login_required
def assessor_assign(request: HttpRequest, public_id) -> HttpResponse:
    application = visible_application(request, public_id)
    funding_round = application.lot.funding_round
    already = AssessorAssignment.objects.filter(application=application).values("assessor_id")
    eligible = selectors.assessor_list_for(funding_round=funding_round)
    available = eligible.exclude(pk__in=already).order_by("full_name", "email")

    def make_form():
        return forms.AssignForm(
            request.POST if request.method == "POST" else None, assessors=available
        )

    def save(form):
        services.assessor_assign(application=application, by=request.user, **form.cleaned_data)
        return _to_application(
            request,
            application,
            "The assessor has been assigned and can declare conflicts and score",
        )

    return action_form_page(
        request,
        application,
        "assign_assessor",
        make_form,
        save=save,
        template="commissioning/assign_form.html",
        context={
            "application": application,
            "round": funding_round,
            # With nobody left to choose, the page says why instead of an empty list.
            "has_eligible": eligible.exists(),
            "has_available": available.exists(),
            "funders": [funding_round.lead_body, *funding_round.co_funders.order_by("name")],
        },
        invalid_status=400,
    )


@login_required
def lot_assessors(request: HttpRequest, lot_pk: int) -> HttpResponse:
    """The lead commissioner assigns assessors to a lot, choosing from the assessors of the
    bodies funding the round; each assesses every application submitted to the lot."""
    lot = get_object_or_404(
        selectors.lot_list_visible_to(user=request.user).select_related(
            "funding_round__lead_body", "category"
        ),
        pk=lot_pk,
    )
    funding_round = lot.funding_round
    assigned = selectors.lot_assessor_list(lot=lot)
    eligible = selectors.assessor_list_for(funding_round=funding_round)
    available = eligible.exclude(pk__in=assigned.values("assessor_id")).order_by(
        "full_name", "email"
    )

    def make_form():
        return forms.AssignForm(
            request.POST if request.method == "POST" else None, assessors=available
        )

    def save(form):
        services.lot_assessor_assign(lot=lot, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            f"{form.cleaned_data['assessor'].get_full_name()} will assess every application "
            f"submitted to {lot.title}",
        )
        return redirect("commissioning:lot-assessors", lot_pk=lot.pk)

    return action_form_page(
        request,
        funding_round,
        "assign_assessors",
        make_form,
        save=save,
        template="commissioning/lot_assessors.html",
        context={
            "lot": lot,
            "round": funding_round,
            "assigned": assigned,
            "has_eligible": eligible.exists(),
            # With nobody left to choose, the page says why instead of an empty list.
            "has_available": available.exists(),
            "funders": [funding_round.lead_body, *funding_round.co_funders.order_by("name")],
        },
        invalid_status=400,
    )


@login_required
def application_decide(request: HttpRequest, public_id) -> HttpResponse:
    application = visible_application(request, public_id)

    def save(form):
        services.application_decide(application=application, by=request.user, **form.cleaned_data)
        return _to_application(
            request,
            application,
            f"The decision has been recorded and {application.organisation} has been told",
        )

    return action_form_page(
        request,
        application,
        "decide",
        lambda: forms.DecisionForm(request.POST if request.method == "POST" else None),
        save=save,
        template="commissioning/decision_form.html",
        context={"application": application, "round": application.lot.funding_round},
        invalid_status=400,
    )
