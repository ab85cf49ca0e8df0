"""A provider admin's services: add, edit, pause, close and reopen."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from providers import selectors, services
from providers.forms.services import ServiceForm, ServiceStatusForm
from providers.models import Service

STATUS_MESSAGES = {
    Service.Status.ACTIVE: "is taking referrals again",
    Service.Status.PAUSED: "is paused: practitioners see it but cannot refer to it",
    Service.Status.CLOSED: "is closed and no longer listed in the directory",
}


def _require_admin(request: HttpRequest) -> None:
    if not rules.has_perm("providers.manage_services", request.user, request.user.organisation):
        raise Http404("Only an organisation's admins manage its services")


def _save(request: HttpRequest, form: ServiceForm, service: Service | None) -> Service | None:
    """Save through the service layer; its validation errors land on the form."""
    try:
        if service is None:
            return services.service_create(
                organisation=request.user.organisation,
                data=form.service_data(),
                categories=form.cleaned_data["categories"],
                pdus=form.cleaned_data["pdus"],
            )
        return services.service_update(
            service=service,
            data=form.service_data(),
            categories=form.cleaned_data["categories"],
            pdus=form.cleaned_data["pdus"],
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return None


@login_required
def service_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(
        request,
        "providers/services/list.html",
        {
            "services": selectors.service_list_editable_by(user=request.user),
            "organisation": request.user.organisation,
        },
    )


@login_required
def service_add(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
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
    services.service_set_status(service=service, status=form.cleaned_data["status"])
    messages.success(request, f"{service.name} {STATUS_MESSAGES[service.status]}")
    return redirect("providers:services")
