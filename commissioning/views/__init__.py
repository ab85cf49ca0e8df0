"""Commissioning pages, one module per part of a round's life."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from commissioning import rules
from partnership.errors import DomainError
from partnership.forms import apply_domain_error


def action_form_page(
    request: HttpRequest,
    obj,
    action: str,
    make_form: Callable[[], Form],
    *,
    save: Callable[[Form], HttpResponse],
    template: str,
    context: dict,
    invalid_status: int = 200,
) -> HttpResponse:
    """A page whose form takes one action (`rules`) on `obj`.

    Anyone the action is not for gets 404 (`NotPermitted`, as if the object were not
    there). When the object's state stops the action, the page says why instead of
    offering the form (`make_form` is not even called), and a post answers 409. Otherwise
    a valid form is handed to `save`, which writes, says so and returns where to go; a
    refusal of what was sent lands on the form."""
    refused = rules.refusal(request.user, action, obj)
    if refused:
        return render(
            request,
            template,
            {**context, "form": None, "refused": refused},
            status=409 if request.method == "POST" else 200,
        )
    form = make_form()
    if request.method == "POST" and form.is_valid():
        try:
            return save(form)
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc, fields=getattr(form, "SERVICE_FIELDS", None))
    return render(
        request,
        template,
        {**context, "form": form, "refused": []},
        status=invalid_status if form.errors else 200,
    )
