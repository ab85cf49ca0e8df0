"""Shared pages: sign in and out, each role's home page, API tokens, errors."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import defaults
from django.views.decorators.http import require_POST

from notifications import selectors as notification_selectors
from partnership import auth, selectors, services
from partnership.api.exceptions import problem_response
from partnership.forms import ApiTokenForm, SignInForm
from partnership.models import Role

NEW_TOKEN_SESSION_KEY = "api_token_just_created"

HOME_TEMPLATES = {
    Role.PRACTITIONER: "home/practitioner.html",
    Role.PROVIDER_ADMIN: "home/provider_admin.html",
    Role.CASEWORKER: "home/caseworker.html",
    Role.COMMISSIONER: "home/commissioner.html",
    Role.ASSESSOR: "home/assessor.html",
    Role.ADMIN: "home/admin.html",
}


class SignInView(auth_views.LoginView):
    """Email and password; then, where the session needs it, the second factor."""

    template_name = "auth/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        url = super().get_success_url()
        if auth.two_factor_pending(self.request):
            return auth.two_factor_step_url(user=self.request.user, next_url=url)
        return url

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "two_factor_off_in_demo": settings.DEMO_ENABLED and not settings.TWO_FACTOR_REQUIRED,
        }


class SignOutView(auth_views.LogoutView):
    """Sign-out is a POST from the header; it ends the server-side session."""


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "recent_notifications": notification_selectors.notification_list_for(user=user)[:5],
    }
    return render(request, HOME_TEMPLATES[user.role], context)


@login_required
def api_token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, raw = services.api_token_issue(
            user=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            days=form.cleaned_data["days"],
        )
        # Post/redirect/get, so a reload never makes a second token; the secret is shown
        # on the next page only, then gone from the session.
        request.session[NEW_TOKEN_SESSION_KEY] = raw
        return redirect("api-tokens")
    new_token = (
        request.session.pop(NEW_TOKEN_SESSION_KEY, None) if request.method == "GET" else None
    )
    tokens = selectors.api_token_list_for(user=request.user)
    return render(
        request, "account/api_tokens.html", {"form": form, "tokens": tokens, "new_token": new_token}
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(selectors.api_token_list_for(user=request.user), pk=pk)
    services.api_token_revoke(token=token)
    messages.success(request, f"The token ‘{token.name}’ has been revoked")
    return redirect("api-tokens")


def _wants_problem(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    if _wants_problem(request):
        return problem_response(404, "Not found.")
    return render(request, "errors/404.html", status=404)


def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    if _wants_problem(request):
        return problem_response(403, "You do not have permission to do this.")
    return render(request, "errors/403.html", status=403)


def error_400(request: HttpRequest, exception=None, *, detail: str | None = None) -> HttpResponse:
    """A request the portal cannot read (a NUL byte in the address, a malformed body)."""
    if isinstance(exception, RequestDataTooBig):
        # A form's fields past what is read into memory, though the body's length was not.
        return error_413(request, largest=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    detail = detail or "The request could not be read."
    if _wants_problem(request):
        return problem_response(400, detail)
    if request.path.startswith("/openreferral/"):
        # The Open Referral API's own error shape, open to any origin as its answers are.
        response = JsonResponse({"error": detail}, status=400)
        response["Access-Control-Allow-Origin"] = "*"
        return response
    if exception is not None:
        # Raised by Django itself (a host not allowed, say): a page with the portal's context
        # could raise it again, so Django's own plain answer.
        return defaults.bad_request(request, exception)
    return render(request, "errors/400.html", {"detail": detail}, status=400)


def error_413(request: HttpRequest, *, largest: int | None = None) -> HttpResponse:
    """A body larger than the portal takes (see RequestBodyLimitMiddleware): `largest`
    bytes for a body without a file, a risk document's limit for one with."""
    if largest is None:
        size = f"{settings.RISK_DOCUMENT_MAX_BYTES // (1024 * 1024)} MB"
        detail = f"The request is too large: a risk document must be smaller than {size}."
    else:
        size = f"{largest / (1024 * 1024):.1f} MB"
        detail = f"The request is too large: send less than {size}."
    if _wants_problem(request):
        return problem_response(413, detail)
    return render(
        request,
        "errors/413.html",
        {"largest": size, "with_file": largest is None, "back_to": request.path},
        status=413,
    )


def error_500(request: HttpRequest) -> HttpResponse:
    if _wants_problem(request):
        return problem_response(500, "Something went wrong on our side. Try again later.")
    # No context processors: the database may be what failed.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)


def error_csrf(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _wants_problem(request):
        return problem_response(403, f"CSRF check failed: {reason}")
    return render(request, "errors/csrf.html", status=403)
