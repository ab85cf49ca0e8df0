"""Session timeouts and the two-factor gate (the rules are in `partnership.auth`)."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from partnership import auth

# What a session waiting for its second factor may reach.
TWO_FACTOR_OPEN_VIEWS = frozenset(
    {
        "two-factor",
        "two-factor-recovery-code",
        "two-factor-set-up",
        "recovery-codes",
        "sign-in",
        "sign-out",
        "signed-out",
        # The footer's pages are for everyone, signed in or not.
        "help",
        "accessibility",
        "privacy",
        "cookies",
    }
)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


class SessionTimeoutMiddleware:
    """Ends a signed-in session idle for SESSION_IDLE_TIMEOUT_SECONDS, or signed in for
    longer than SESSION_COOKIE_AGE: the session is flushed on the server and a page request
    goes to sign-in with the reason. An API request carries on as anonymous."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = auth.session_expiry_reason(request)
        if reason is not None:
            logout(request)
            if not _is_api(request):
                messages.info(request, auth.expiry_message(reason))
                if request.path_info == reverse("sign-in"):
                    return self.get_response(request)
                if request.method in ("GET", "HEAD"):
                    return redirect_to_login(request.get_full_path())
                return redirect("sign-in")
        return self.get_response(request)


class TwoFactorMiddleware:
    """Until a session that needs a second factor has one, its pages are the two-factor
    steps and sign-out only. The API is open to Bearer tokens as ever; to such a session
    it answers as to no one (401, problem+json)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not auth.two_factor_pending(request):
            return None
        if _is_api(request):
            anonymous = AnonymousUser()
            anonymous.otp_device = None
            anonymous.is_verified = lambda: False
            request.user = anonymous
            return None
        match = request.resolver_match
        if match is not None and match.view_name in TWO_FACTOR_OPEN_VIEWS:
            return None
        next_url = request.get_full_path() if request.method in ("GET", "HEAD") else "/"
        return redirect(auth.two_factor_step_url(user=request.user, next_url=next_url))
