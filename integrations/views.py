"""The webhook pages of a provider admin (their organisation's endpoints) and of a
practitioner (their PDU's): endpoints, adding one (its secret shown once), removing one, and
an endpoint's delivery log with a replay for each delivery. Who manages which is
`rules.owner_for`; everyone else gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from integrations import events, rules, selectors, services
from integrations.forms import WebhookEndpointForm
from partnership.forms import apply_validation_error

NEW_SECRET_SESSION_KEY = "webhook_secret_just_created"


def _owner(request: HttpRequest) -> rules.Owner:
    """The kind of endpoint the user manages; a 404 for anyone who manages none."""
    owner = rules.owner_for(request.user)
    if owner is None:
        raise Http404("Not permitted")
    return owner


def _endpoint(request: HttpRequest, public_id):
    return get_object_or_404(selectors.endpoints_visible_to(user=request.user), public_id=public_id)


@login_required
@require_http_methods(["GET", "HEAD"])
def endpoint_list(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    endpoints = selectors.endpoints_visible_to(user=request.user)
    return render(request, "integrations/list.html", {"endpoints": endpoints, "owner": owner})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint_add(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    form = WebhookEndpointForm(request.POST or None, owner=owner)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            # Post/redirect/get: the secret is shown on the next page only, then gone.
            request.session[NEW_SECRET_SESSION_KEY] = endpoint.secret
            return redirect("integrations:endpoint", public_id=endpoint.public_id)
    return render(request, "integrations/add.html", {"form": form, "owner": owner})


@login_required
@require_http_methods(["GET", "HEAD"])
def endpoint_detail(request: HttpRequest, public_id) -> HttpResponse:
    owner = _owner(request)
    endpoint = _endpoint(request, public_id)
    new_secret = request.session.pop(NEW_SECRET_SESSION_KEY, None)
    deliveries = selectors.deliveries_of(endpoint=endpoint)[:50]
    return render(
        request,
        "integrations/endpoint.html",
        {
            "endpoint": endpoint,
            "deliveries": deliveries,
            "new_secret": new_secret,
            "owner": owner,
            "event_labels": [events.EVENT_TYPE_LABELS[t] for t in endpoint.event_types],
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint_delete(request: HttpRequest, public_id) -> HttpResponse:
    owner = _owner(request)
    endpoint = _endpoint(request, public_id)
    if request.method == "POST":
        services.endpoint_delete(endpoint=endpoint, by=request.user)
        messages.success(request, f"Webhook to {endpoint.url} removed")
        return redirect("integrations:endpoints")
    return render(request, "integrations/delete.html", {"endpoint": endpoint, "owner": owner})


@login_required
@require_POST
def delivery_replay(request: HttpRequest, public_id, delivery_id) -> HttpResponse:
    _owner(request)
    endpoint = _endpoint(request, public_id)
    delivery = get_object_or_404(selectors.deliveries_of(endpoint=endpoint), public_id=delivery_id)
    services.delivery_replay(delivery=delivery, by=request.user)
    messages.success(request, "The event will be sent again")
    return redirect("integrations:endpoint", public_id=endpoint.public_id)
