"""The notifications pages: a user's own list, opening one, marking them read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.views.decorators.http import require_POST

from notifications import selectors, services

LIST_SHOWN = 100


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = selectors.notification_rows_for(user=request.user, limit=LIST_SHOWN)
    # Every row has its own form: the token's hidden field is made once for them all.
    return render(
        request,
        "notifications/list.html",
        {"notifications": notifications, "csrf_field": csrf_input(request)},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(selectors.notification_list_for(user=request.user), pk=pk)
    services.notification_mark_read(notification=notification)
    if notification.link and request.POST.get("open"):
        return redirect(notification.link)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read")
    return redirect("notifications")
