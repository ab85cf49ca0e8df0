"""The pages of filling a referral in from the probation case record (`referrals.prefill`):
check what the record says and use it, or say why the details are entered by hand."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from partnership.errors import DomainError
from partnership.forms import GovukFormMixin, apply_domain_error
from referrals import prefill, services
from referrals.models import Status
from referrals.views import _editable


class ByHandForm(GovukFormMixin, django_forms.Form):
    reason = django_forms.CharField(
        label="Why are you entering the details by hand?",
        help_text="For example, the case record could not be reached, or its risk assessment is out of date",
        widget=django_forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why you are entering the details by hand"},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_record(request: HttpRequest, public_id) -> HttpResponse:
    referral = _editable(request, public_id)
    lookup = prefill.case_record_lookup(referral=referral, by=request.user)
    # Once sent, the record is there to compare with; filling in is for a referral not yet sent.
    fillable = referral.status in (Status.DRAFT, Status.RETURNED)
    if request.method == "POST" and lookup.usable and fillable:
        filled = prefill.case_record_apply(referral=referral, by=request.user, lookup=lookup)
        if filled:
            messages.success(
                request,
                "Details filled in from the probation case record. Check each section, and "
                "correct anything that is wrong.",
            )
        else:
            messages.success(request, "Nothing has changed in the probation case record")
        return redirect("referrals:task-list", public_id=referral.public_id)
    if lookup.risk_values:
        # The page shows the person's risk from the record: a read of risk data.
        services.risk_read(
            referral=referral,
            by=request.user,
            channel="page",
            why="checking risk from the probation case record",
        )
    return render(
        request,
        "referrals/case_record.html",
        {
            "referral": referral,
            "lookup": lookup,
            "person_rows": prefill.display_rows(lookup.person_values, prefill.PERSON_LABELS),
            "risk_rows": prefill.display_rows(lookup.risk_values, prefill.RISK_LABELS),
            "changes": prefill.changes_since_draft_began(referral, lookup),
            "again": bool(referral.prefilled or referral.risk.prefilled),
            "fillable": fillable,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def by_hand(request: HttpRequest, public_id) -> HttpResponse:
    referral = _editable(request, public_id)
    form = ByHandForm(
        request.POST if request.method == "POST" else None,
        initial={"reason": referral.entered_by_hand_reason},
    )
    if request.method == "POST" and form.is_valid():
        try:
            prefill.case_record_by_hand(
                referral=referral, by=request.user, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc)
        else:
            return redirect("referrals:task-list", public_id=referral.public_id)
    return render(
        request, "referrals/case_record_by_hand.html", {"referral": referral, "form": form}
    )
