"""A provider admin's staff: invitations, deactivation and training records."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from partnership.errors import StateConflict
from partnership.forms import GovukFormMixin, apply_validation_error
from providers import rules, selectors, services
from providers.forms.staff import StaffInviteForm, TrainingRecordForm


def _staff_member(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.staff_list_for(user=request.user), pk=pk)


def _staffed_organisation(request: HttpRequest):
    """The user's organisation, if they manage its staff; anyone else gets 404."""
    organisation = get_object_or_404(selectors.organisation_list_own(user=request.user))
    rules.require(request.user, "manage_staff", organisation)
    return organisation


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    organisation = _staffed_organisation(request)
    staff = selectors.staff_list_for(user=request.user)
    return render(
        request,
        "providers/staff/list.html",
        {"staff": staff, "organisation": organisation},
    )


@login_required
def staff_invite(request: HttpRequest) -> HttpResponse:
    organisation = _staffed_organisation(request)
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_invite(organisation=organisation, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                f"{form.cleaned_data['full_name']} has been invited. They will get an email with a link to set a password.",
            )
            return redirect("providers:staff")
    return render(request, "providers/staff/invite.html", {"form": form})


@login_required
def staff_member(request: HttpRequest, pk: int) -> HttpResponse:
    member = _staff_member(request, pk)
    return render(
        request,
        "providers/staff/member.html",
        {"member": member, "actions": rules.actions_for(request.user, member)},
    )


@login_required
@require_POST
def staff_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    member = _staff_member(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(staff_member=member, active=active, by=request.user)
    except StateConflict as exc:
        messages.error(request, exc.reasons[0])
    else:
        messages.success(
            request,
            f"{member.full_name} {'can sign in again' if active else 'has been deactivated and can no longer sign in'}",
        )
    return redirect("providers:staff-member", pk=member.pk)


@login_required
def training_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = _staff_member(request, pk)
    form = TrainingRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.training_record_add(staff_member=member, by=request.user, **form.cleaned_data)
        messages.success(request, f"Training recorded for {member.full_name}")
        return redirect("providers:staff-member", pk=member.pk)
    return render(request, "providers/staff/training_add.html", {"form": form, "member": member})


@login_required
@require_POST
def training_delete(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    member = _staff_member(request, pk)
    record = get_object_or_404(
        selectors.training_record_list_for(user=request.user), pk=record_pk, staff_member=member
    )
    services.training_record_delete(record=record, by=request.user)
    messages.success(request, "The training record has been removed")
    return redirect("providers:staff-member", pk=member.pk)


class GovukSetPasswordForm(GovukFormMixin, SetPasswordForm):
    pass


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """An invited member of staff sets their password from the emailed link (used once)."""

    template_name = "providers/staff/invitation_accept.html"
    form_class = GovukSetPasswordForm
    success_url = reverse_lazy("sign-in")
    post_reset_login = False

    def form_valid(self, form):
        messages.success(self.request, "Your password is set. Sign in to start.")
        return super().form_valid(form)
