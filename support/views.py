"""The service support console: pages for service support's daily work. Everyone else is
answered 404. Reads are GET (and HEAD); every change is a POST from a confirmation page."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from partnership.errors import NotPermitted, StateConflict
from support import rules, selectors, services
from support.forms import AccessLogSearchForm, InviteForm, UserSearchForm, VerifyForm

SEARCH_SESSION_KEY = "support_user_search"


def support_only(view):
    """Signed-in service support only; anyone else is told the page does not exist."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not rules.may_use_console(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@support_only
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/index.html",
        {
            "awaiting": selectors.organisations_awaiting_verification().count(),
            "recent": selectors.support_actions_recent(),
        },
    )


# Users ------------------------------------------------------------------------------------


@support_only
@require_http_methods(["GET", "HEAD", "POST"])
def users(request: HttpRequest) -> HttpResponse:
    """Find a user: the term is posted and kept in the session, never put in the URL."""
    if request.method == "POST":
        form = UserSearchForm(request.POST)
        if form.is_valid():
            request.session[SEARCH_SESSION_KEY] = form.cleaned_data["q"]
            return redirect("support:users")
        return render(request, "support/users.html", {"form": form, "results": None})
    term = request.session.get(SEARCH_SESSION_KEY, "")
    form = UserSearchForm(initial={"q": term})
    results = list(selectors.user_search(term=term)) if term else None
    return render(request, "support/users.html", {"form": form, "results": results, "term": term})


@support_only
@require_http_methods(["GET", "HEAD", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.user_invite(
            by=request.user,
            organisation=data["organisation"],
            email=data["email"],
            full_name=data["full_name"],
            role=data["role"],
        )
        # The same answer whether or not the address had an account (it tells nobody).
        messages.success(request, f"An invitation has been sent to {data['email']}")
        return redirect("support:index")
    return render(request, "support/invite.html", {"form": form})


def _user(pk: int):
    return get_object_or_404(selectors.user_list(), pk=pk)


@support_only
def user(request: HttpRequest, pk: int) -> HttpResponse:
    account = _user(pk)
    return render(
        request,
        "support/user.html",
        {
            "account": account,
            "actions": rules.actions_for(request.user, account),
            "sessions": selectors.user_sessions(user=account),
            "locked_out": selectors.user_locked_out(user=account),
            "failed_sign_ins": selectors.user_failed_sign_ins(user=account),
            "two_factor_locked": selectors.user_two_factor_locked(user=account),
            "has_two_factor": selectors.user_has_two_factor(user=account),
            "history": selectors.support_actions_for(user=account),
        },
    )


@dataclass(frozen=True)
class UserStep:
    action: str
    title: str
    explanation: str
    button: str
    warning: bool
    run: object
    done: str


USER_STEPS = {
    "deactivate": UserStep(
        "deactivate",
        "Deactivate {name}'s account",
        "They will be signed out everywhere, their API tokens will be revoked and they will "
        "not be able to sign in until the account is reactivated.",
        "Deactivate account",
        True,
        services.user_deactivate,
        "{name}'s account has been deactivated",
    ),
    "reactivate": UserStep(
        "reactivate",
        "Reactivate {name}'s account",
        "They will be able to sign in again with their password.",
        "Reactivate account",
        False,
        services.user_reactivate,
        "{name}'s account has been reactivated",
    ),
    "reset_two_factor": UserStep(
        "reset_two_factor",
        "Reset two-factor sign-in for {name}",
        "Their count of wrong security codes starts again, so they can sign in with a code "
        "from their authenticator app or a recovery code.",
        "Reset two-factor sign-in",
        False,
        services.user_two_factor_reset,
        "Two-factor sign-in has been reset for {name}",
    ),
    "lift_lockout": UserStep(
        "lift_lockout",
        "Lift the sign-in lockout for {name}",
        "Their failed sign-ins are forgotten, so they can sign in with their password now.",
        "Lift lockout",
        False,
        services.user_lockout_lift,
        "The sign-in lockout has been lifted for {name}",
    ),
    "end_sessions": UserStep(
        "end_sessions",
        "Sign {name} out everywhere",
        "Every browser session they have will end; they will need to sign in again.",
        "End all sessions",
        True,
        services.user_sessions_end,
        "{name} has been signed out everywhere",
    ),
}


def _user_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """A confirmation page (GET, HEAD) and the change itself (POST)."""
    account = _user(pk)
    step = USER_STEPS[action]
    refusal = []
    try:
        rules.require(request.user, action, account)
    except NotPermitted as exc:
        raise Http404 from exc
    except StateConflict as exc:
        refusal = exc.reasons
    if request.method == "POST" and not refusal:
        step.run(by=request.user, user=account)
        messages.success(request, step.done.format(name=account.full_name))
        return redirect("support:user", pk=account.pk)
    name = account.full_name
    return render(
        request,
        "support/user_confirm.html",
        {
            "account": account,
            "title": step.title.format(name=name),
            "explanation": step.explanation,
            "button": step.button,
            "warning": step.warning,
            "refusal": refusal,
        },
        status=409 if refusal and request.method == "POST" else 200,
    )


def _step_view(action: str):
    @support_only
    @require_http_methods(["GET", "HEAD", "POST"])
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _user_step(request, pk, action)

    view.__name__ = f"user_{action}"
    return view


user_deactivate = _step_view("deactivate")
user_reactivate = _step_view("reactivate")
user_reset_two_factor = _step_view("reset_two_factor")
user_lift_lockout = _step_view("lift_lockout")
user_end_sessions = _step_view("end_sessions")


# The risk access log ----------------------------------------------------------------------

RESULTS_SHOWN = 200


@support_only
@require_http_methods(["GET", "HEAD", "POST"])
def access_log(request: HttpRequest) -> HttpResponse:
    """Search by CRN, user or dates. The terms are posted, never put in the URL; the
    results are rendered in the answer, and the search is recorded."""
    if request.method == "POST":
        form = AccessLogSearchForm(request.POST)
        context = {"form": form}
        if form.is_valid():
            filters = form.filters()
            found = selectors.access_log_search(**filters)
            rows = list(found[:RESULTS_SHOWN])
            services.access_log_search_record(by=request.user, rows=rows, filters=filters)
            context.update(rows=rows, total=found.count(), shown=RESULTS_SHOWN, searched=True)
        return render(request, "support/access_log.html", context)
    return render(request, "support/access_log.html", {"form": AccessLogSearchForm()})


@support_only
@require_POST
def access_log_export(request: HttpRequest) -> HttpResponse:
    """The search's rows as a CSV file, streamed; the download is recorded first."""
    form = AccessLogSearchForm(request.POST)
    if not form.is_valid():
        return render(request, "support/access_log.html", {"form": form}, status=400)
    filters = form.filters()
    lines = services.access_log_export(
        by=request.user, rows=selectors.access_log_search(**filters), filters=filters
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="risk-access-log-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


# Organisations ----------------------------------------------------------------------------


@support_only
def organisations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/organisations.html",
        {"organisations": selectors.organisations_awaiting_verification()},
    )


@support_only
@require_http_methods(["GET", "HEAD", "POST"])
def organisation_verify(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(selectors.organisations_awaiting_verification(), pk=pk)
    form = VerifyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.organisation_verify(
            by=request.user, organisation=organisation, status=form.cleaned_data["status"]
        )
        messages.success(
            request,
            f"{organisation.name}: {organisation.get_verification_status_display().lower()}",
        )
        return redirect("support:organisations")
    return render(
        request, "support/organisation_verify.html", {"form": form, "organisation": organisation}
    )
