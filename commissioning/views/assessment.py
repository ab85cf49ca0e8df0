"""Assessment: assessors declare conflicts and then score; the lead commissioner assigns
assessors, moderates with the table of weighted totals and records decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from commissioning import forms, rules, selectors, services
from commissioning.models import Application, AssessorAssignment
from commissioning.views.applications import visible_application
from commissioning.views.rounds import visible_round
from commissioning.workflow import AssessmentClosed
from partnership.forms import apply_validation_error
from partnership.models import Role, User


@login_required
def assignment_list(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.ASSESSOR:
        raise Http404("Only assessors have assessments")
    assignments = selectors.assignment_list_for(user=request.user).select_related(
        "application__organisation", "application__lot"
    )
    return render(request, "commissioning/assessments.html", {"assignments": assignments})


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Declare conflicts first; only a declaration of none shows the application and the
    scoring form."""
    assignment = get_object_or_404(
        selectors.assignment_list_for(user=request.user).select_related(
            "application__organisation", "application__lot__category"
        ),
        pk=pk,
    )
    application = assignment.application
    criteria = application.lot.funding_round.criteria.all()
    declared = assignment.conflict_declared_at is not None
    frozen = not rules.assessment_is_open(application)
    if frozen:
        form = None
    elif not declared:
        form = forms.DeclarationForm(request.POST or None)
    elif assignment.has_conflict:
        form = None
    else:
        existing = {s.criterion_id: (s.score, s.comment) for s in assignment.scores.all()}
        form = forms.ScoresForm(
            request.POST or None,
            criteria=criteria,
            existing=existing,
            initial={"comment": assignment.comment},
        )
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
            else:
                services.scores_record(
                    assignment=assignment,
                    by=request.user,
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                )
                messages.success(request, f"Your scores for {application.organisation} are saved")
                return redirect("commissioning:assessments")
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except (PermissionDenied, AssessmentClosed) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("commissioning:assessment", pk=assignment.pk)
    return render(
        request,
        "commissioning/assessment.html",
        {
            "assignment": assignment,
            # Nothing of the application beyond who applied until no conflict is declared.
            "application": application if declared and not assignment.has_conflict else None,
            "form": form,
            "frozen": frozen,
            "scores": assignment.scores.select_related("criterion") if frozen else (),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def moderation(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = visible_round(request, public_id)
    if request.user.role != Role.COMMISSIONER:
        raise Http404("Moderation is for commissioners")
    return render(
        request,
        "commissioning/moderation.html",
        {
            "round": funding_round,
            "lots": selectors.moderation_table(funding_round=funding_round),
            "criteria": funding_round.criteria.all(),
            "leads": request.user.commissioning_body_id == funding_round.lead_body_id,
        },
    )


def _led_application(request: HttpRequest, public_id) -> Application:
    application = visible_application(request, public_id)
    if (
        request.user.role != Role.COMMISSIONER
        or request.user.commissioning_body_id != application.lot.funding_round.lead_body_id
    ):
        raise Http404("Only the lead commissioner acts on applications")
    return application


def _action_page(request, application, form, act, *, template, done) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("commissioning:application", public_id=application.public_id)
    return render(
        request,
        template,
        {"form": form, "application": application, "round": application.lot.funding_round},
        status=400 if form.errors else 200,
    )


@login_required
def assessor_assign(request: HttpRequest, public_id) -> HttpResponse:
    application = _led_application(request, public_id)
    funding_round = application.lot.funding_round
    assessors = User.objects.filter(role=Role.ASSESSOR, is_active=True).filter(
        Q(commissioning_body_id=funding_round.lead_body_id)
        | Q(commissioning_body__in=funding_round.co_funders.all())
    )
    already = AssessorAssignment.objects.filter(application=application).values("assessor_id")
    form = forms.AssignForm(
        request.POST or None, assessors=assessors.exclude(pk__in=already).order_by("email")
    )

    def act(data):
        services.assessor_assign(application=application, by=request.user, **data)

    return _action_page(
        request,
        application,
        form,
        act,
        template="commissioning/assign_form.html",
        done="The assessor has been assigned and can declare conflicts and score",
    )


@login_required
def application_decide(request: HttpRequest, public_id) -> HttpResponse:
    application = _led_application(request, public_id)
    form = forms.DecisionForm(request.POST or None)

    def act(data):
        services.application_decide(application=application, by=request.user, **data)

    return _action_page(
        request,
        application,
        form,
        act,
        template="commissioning/decision_form.html",
        done=f"The decision has been recorded and {application.organisation} has been told",
    )
