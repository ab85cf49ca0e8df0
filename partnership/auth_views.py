"""Pages for two-factor sign-in, the account's sign-in security, changing and resetting a
password, staying signed in and signing out."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import HASH_SESSION_KEY, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from partnership import auth
from partnership.auth_forms import (
    ChangePasswordForm,
    GovukPasswordResetForm,
    GovukSetPasswordForm,
    RecoveryCodeForm,
    TotpCodeForm,
    TwoFactorTurnOffForm,
)
from partnership.signals import password_changed


def _next_url(request: HttpRequest) -> str:
    return auth.safe_next_url(request, request.POST.get("next") or request.GET.get("next"))


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _two_factor_page(
    request: HttpRequest, template: str, context: dict, status: int = 200
) -> HttpResponse:
    # No service navigation until the second factor is given: it would lead nowhere.
    if auth.two_factor_pending(request):
        context = {**context, "navigation": None}
    return render(request, template, context, status=status)


def _locked(request: HttpRequest) -> HttpResponse:
    """The page for an account locked after too many wrong codes: no code is checked."""
    return _two_factor_page(request, "auth/two_factor_locked.html", {}, status=403)


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code from the user's authenticator app."""
    next_url = _next_url(request)
    if not auth.two_factor_pending(request):
        return redirect(next_url)
    device = auth.totp_device_for(user=request.user)
    if device is None:
        return redirect(_with_next("two-factor-set-up", next_url))
    if auth.two_factor_locked(user=request.user):
        return _locked(request)
    form = TotpCodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        auth.two_factor_verified(request, device)
        return redirect(next_url)
    return _two_factor_page(request, "auth/two_factor.html", {"form": form, "next": next_url})


@login_required
def two_factor_recovery_code(request: HttpRequest) -> HttpResponse:
    """The second step with a recovery code instead, for someone without their app."""
    next_url = _next_url(request)
    if not auth.two_factor_pending(request):
        return redirect(next_url)
    if auth.two_factor_locked(user=request.user):
        return _locked(request)
    form = RecoveryCodeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        auth.two_factor_verified(request, form.device)
        left = auth.recovery_codes_left(user=request.user)
        messages.info(
            request,
            f"You have {left} recovery code{'s' if left != 1 else ''} left. "
            "Make new ones from Security when you run low.",
        )
        return redirect(next_url)
    return _two_factor_page(
        request, "auth/two_factor_recovery_code.html", {"form": form, "next": next_url}
    )


@login_required
def two_factor_set_up(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code."""
    next_url = _next_url(request)
    user = request.user
    if auth.totp_device_for(user=user) is not None:
        # One app at a time: a new one only after turning this one off, from a verified session.
        if auth.two_factor_pending(request):
            return redirect(_with_next("two-factor", next_url))
        return redirect("account-security")
    device = auth.totp_device_pending(user=user)
    form = TotpCodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        codes = auth.totp_device_confirm(request=request, device=device)
        request.session[auth.NEW_RECOVERY_CODES_KEY] = codes
        return redirect(_with_next("recovery-codes", next_url))
    return _two_factor_page(
        request,
        "auth/two_factor_set_up.html",
        {
            "form": form,
            "next": next_url,
            "qr_code": auth.totp_qr_code_svg(device),
            "secret": auth.totp_secret_for_display(device),
            "required": settings.TWO_FACTOR_REQUIRED,
        },
    )


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once: a reload shows them no more."""
    codes = request.session.pop(auth.NEW_RECOVERY_CODES_KEY, None)
    if not codes:
        return redirect("account-security")
    return render(request, "auth/recovery_codes.html", {"codes": codes, "next": _next_url(request)})


@login_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes; the old ones stop working."""
    if auth.totp_device_for(user=request.user) is None:
        return redirect("account-security")
    request.session[auth.NEW_RECOVERY_CODES_KEY] = auth.recovery_codes_make(user=request.user)
    return redirect("recovery-codes")


@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    """Two-factor sign-in for this account: whether it is on, recovery codes, turning it on or off."""
    user = request.user
    device = auth.totp_device_for(user=user)
    return render(
        request,
        "auth/account_security.html",
        {
            "two_factor_on": device is not None,
            "two_factor_required": settings.TWO_FACTOR_REQUIRED,
            "recovery_codes_left": auth.recovery_codes_left(user=user) if device else 0,
            "idle_minutes": settings.SESSION_IDLE_TIMEOUT_SECONDS // 60,
            "absolute_hours": settings.SESSION_COOKIE_AGE // 3600,
        },
    )


@login_required
def two_factor_turn_off(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off, with the password and a fresh code: a session left
    open somewhere is not enough to take the second factor away."""
    if settings.TWO_FACTOR_REQUIRED:
        messages.error(request, "Two-factor sign-in is required for everyone and stays on")
        return redirect("account-security")
    if auth.totp_device_for(user=request.user) is None:
        return redirect("account-security")
    form = TwoFactorTurnOffForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        auth.two_factor_turn_off(request=request)
        messages.success(request, "Two-factor sign-in is off")
        return redirect("account-security")
    return render(request, "auth/two_factor_turn_off.html", {"form": form})


@login_required
def change_password(request: HttpRequest) -> HttpResponse:
    """A new password for the signed-in user, given their current one. This session carries
    on (under a new key); every other session of the account ends."""
    if request.method == "POST" and auth.password_guesses_locked(request):
        # Locked out of signing in: the current password is not checked here either.
        return _password_guesses_locked_out(request)
    form = ChangePasswordForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            user = form.save()
            auth.user_sessions_end(user=user, keep_session_key=request.session.session_key)
            auth.session_rotate(request)
            request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            password_changed.send(sender=type(user), user=user, how="changed")
            messages.success(
                request, "Your password has been changed. You are signed out everywhere else"
            )
            return redirect("account-security")
        if form.has_error("old_password", "password_incorrect") and auth.password_guess_failed(
            request
        ):
            return _password_guesses_locked_out(request)
    return render(request, "auth/change_password.html", {"form": form})


def _password_guesses_locked_out(request: HttpRequest) -> HttpResponse:
    """Too many wrong current passwords (with failed sign-ins): as at sign-in, the account
    is locked out for the cool-off, and this session, which may not be its owner's, ends."""
    logout(request)
    return locked_out(request)


@login_required
@require_POST
def session_keep_alive(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in" from the timeout warning: the session's idle time starts again.
    Answers with the seconds it now has left, which limit now ends it ("idle", or
    "absolute" when the limit since sign-in comes first, which nothing extends) and at what
    time; a session already over goes to sign-in."""
    end = auth.session_keep_alive(request)
    if end is None:
        return JsonResponse({"signed_in": False})
    return JsonResponse({"signed_in": True, **auth.session_end_answer(end)})


def signed_out(request: HttpRequest) -> HttpResponse:
    """After signing out from the header."""
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "auth/signed_out.html")


def session_ended(request: HttpRequest) -> HttpResponse:
    """Where the timeout warning goes when its time runs out (it signs out first)."""
    if request.user.is_authenticated:
        return redirect("home")
    return render(
        request,
        "auth/session_ended.html",
        {
            "idle_minutes": settings.SESSION_IDLE_TIMEOUT_SECONDS // 60,
            # The warning says which limit ended the session; nothing else is read from it.
            "absolute": request.GET.get("reason") == "absolute",
            "absolute_length": auth.absolute_limit_text(),
        },
    )


class ContentPage(TemplateView):
    """A page of fixed content every footer links to (templates/pages/), open to everyone."""

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "support_email": settings.SUPPORT_EMAIL,
            "idle_minutes": settings.SESSION_IDLE_TIMEOUT_SECONDS // 60,
            "session_cookie_name": settings.SESSION_COOKIE_NAME,
            "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
            "referral_retention_years": settings.REFERRAL_RETENTION_YEARS,
        }


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an email address; the same page follows whether or not it has an account.
    A client address may ask only a few times an hour."""

    template_name = "auth/password_reset.html"
    form_class = GovukPasswordResetForm
    success_url = reverse_lazy("password-reset-sent")

    def post(self, request, *args, **kwargs):
        if not auth.password_reset_claim(request):
            return render(request, "auth/password_reset_refused.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        form.save()
        return redirect(self.success_url)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "auth/password_reset_sent.html"

    def get_context_data(self, **kwargs):
        days = settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)
        return {**super().get_context_data(**kwargs), "link_days": days}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password from the emailed link (used once); every session of the account ends."""

    template_name = "auth/password_reset_confirm.html"
    form_class = GovukSetPasswordForm
    success_url = reverse_lazy("password-reset-complete")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        auth.user_sessions_end(user=form.user)
        password_changed.send(sender=type(form.user), user=form.user, how="reset")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "auth/password_reset_complete.html"


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a sign-in while the email address or the client address is
    locked out: the same page whoever the email belongs to, or if it belongs to no one."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "auth/locked_out.html", {"minutes": minutes}, status=429)
