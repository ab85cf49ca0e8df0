"""A provider admin's services: add, edit, pause, close and reopen."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from partnership.errors import StateConflict
from partnership.forms import apply_validation_error
from providers import rules, selectors, services
from providers.forms.services import ServiceForm, ServiceStatusForm
from providers.models import Organisation, Service

STATUS_MESSAGES = {
    Service.Status.ACTIVE: "is taking referrals again",
    Service.Status.PAUSED: "is paused: practitioners see it but cannot refer to it",
    Service.Status.CLOSED: "is closed and no longer listed in the directory",
}


def _managed_organisation(request: HttpRequest) -> Organisation:
    """The user's organisation, if they manage its services; anyone else gets 404."""
    organisation = get_object_or_404(selectors.organisation_list_own(user=request.user))
    rules.require(request.user, "manage_services", organisation)
    return organisation


def _save(request: HttpRequest, form: ServiceForm, service: Service | None) -> Service | None:
    """Save through the service layer; its validation errors land on the form."""
    try:
        if service is None:
            return services.service_create(
                organisation=request.user.organisation,
                by=request.user,
                data=form.service_data(),
                categories=form.cleaned_data["categories"],
                pdus=form.cleaned_data["pdus"],
            )
        return services.service_update(
            service=service,
            by=request.user,
            data=form.service_data(),
            categories=form.cleaned_data["categories"],
            pdus=form.cleaned_data["pdus"],
        )
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None


@login_required
def service_list(request: HttpRequest) -> HttpResponse:
    organisation = _managed_organisation(request)
    return render(
        request,
        "providers/services/list.html",
        {
            "rows": [
                (service, rules.actions_for(request.user, service))
                for service in selectors.service_list_editable_by(user=request.user)
            ],
            "organisation": organisation,
        },
    )


@login_required
def service_add(request: HttpRequest) -> HttpResponse:
    _managed_organisation(request)
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = _save(request, form, None)
        if service is not None:
            messages.success(
                request, f"{service.name} has been added and is listed in the directory"
            )
            return redirect("providers:services")
    return render(request, "providers/services/form.html", {"form": form, "service": None})


@login_required
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(selectors.service_list_editable_by(user=request.user), pk=pk)
    form = ServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        # Reload: a failed ModelForm validation may have changed the instance in memory.
        fresh = selectors.service_list_editable_by(user=request.user).get(pk=pk)
        if _save(request, form, fresh) is not None:
            messages.success(request, f"{fresh.name} has been updated")
            return redirect("providers:services")
    return render(request, "providers/services/form.html", {"form": form, "service": service})


@login_required
@require_POST
def service_status(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(selectors.service_list_editable_by(user=request.user), pk=pk)
    form = ServiceStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose taking referrals, paused or closed")
        return redirect("providers:services")
    try:
        services.service_set_status(
            service=service, by=request.user, status=form.cleaned_data["status"]
        )
    except StateConflict as exc:
        messages.error(request, exc.reasons[0])
    else:
        messages.success(request, f"{service.name} {STATUS_MESSAGES[service.status]}")
    return redirect("providers:services")
