"""Sign-in and sessions: two-factor sign-in, lockout inputs, session timeouts and ending
sessions, password reset emails.

Sign-in is by email and password (`partnership.backends`), then, where it is needed, a code
from an authenticator app (django-otp TOTP) or a recovery code used once (kept only as
salted password hashes). django-axes counts failed sign-ins per email address and per client
address; wrong second-factor codes in a row lock the account until service support unlocks it.
Every browser session a user signs in with is recorded, so that deactivating them, a
password reset or turning on two-factor sign-in can end the others.
"""

from __future__ import annotations

import ipaddress
import logging
from base64 import b32encode
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnership.models import (
    PasswordResetRequest,
    RecoveryCode,
    RecoveryCodeDevice,
    TwoFactorLockout,
    User,
    UserSession,
)

logger = logging.getLogger(__name__)

SIGNED_IN_AT_KEY = "signed_in_at"
LAST_SEEN_AT_KEY = "last_seen_at"
TWO_FACTOR_NEEDED_KEY = "two_factor_needed"
NEW_RECOVERY_CODES_KEY = "new_recovery_codes"
# Activity is written to the session at most this often, so reading pages costs no writes.
LAST_SEEN_RESOLUTION_SECONDS = 60
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
PASSWORD_RESET_KIND = "password_reset"


# Lockout (django-axes) ----------------------------------------------------------------


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The email address a sign-in attempt was for, as one spelling, so that `Ann@X` and
    `ann@x ` count against the same account."""
    if credentials:
        value = credentials.get("username")
    else:
        value = getattr(request, "POST", {}).get("username")
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's address: the connection's own, or, behind TRUSTED_PROXY_COUNT proxies
    that each append to X-Forwarded-For, the entry the outermost of them appended."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


def password_guesses_locked(request: HttpRequest) -> bool:
    """Whether the signed-in user's account (or this client address) is locked out of
    signing in, so that no password of theirs is checked here either."""
    return AxesProxyHandler.is_locked(request, _axes_credentials(request.user))


def password_guess_failed(request: HttpRequest) -> bool:
    """A wrong current password from the signed-in user, counted by django-axes as a failed
    sign-in to their account from this address (the same limit and cool-off). True when it
    locks them out; the caller then signs them out. Nothing typed is logged."""
    user = request.user
    user_login_failed.send(sender=__name__, credentials=_axes_credentials(user), request=request)
    locked = bool(getattr(request, "axes_locked_out", False))
    logger.warning(
        "Wrong current password for user %s when changing it%s",
        user.pk,
        "; locked out and signed out" if locked else "",
    )
    return locked


def _axes_credentials(user: User) -> dict:
    # Only the account, as the sign-in page's credentials name it: never a password.
    return {settings.AXES_USERNAME_FORM_FIELD: user.email}


# Sessions ---------------------------------------------------------------------------


def _now() -> float:
    return timezone.now().timestamp()


def _session_store_class():
    return import_module(settings.SESSION_ENGINE).SessionStore


@receiver(user_logged_in, dispatch_uid="partnership.auth.session_start")
def _session_start(sender, request, user, **kwargs) -> None:
    """Stamp the new session with its sign-in time, note whether it needs a second factor,
    and record it against the user."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = _now()
    session[SIGNED_IN_AT_KEY] = now
    session[LAST_SEEN_AT_KEY] = now
    session[TWO_FACTOR_NEEDED_KEY] = bool(
        settings.TWO_FACTOR_REQUIRED or totp_device_for(user=user) is not None
    )
    if session.session_key is None:
        session.save()
    UserSession.objects.update_or_create(
        session_key=session.session_key, defaults={"user": user, "created_at": timezone.now()}
    )
    # Sessions older than the absolute limit are over; their records need not stay.
    UserSession.objects.filter(
        user=user,
        created_at__lt=timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE),
    ).delete()


@receiver(user_logged_out, dispatch_uid="partnership.auth.session_forget")
def _session_forget(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        UserSession.objects.filter(session_key=session.session_key).delete()


@receiver(post_save, sender=User, dispatch_uid="partnership.auth.deactivated_user_signed_out")
def _deactivated_user_signed_out(sender, instance: User, update_fields=None, **kwargs) -> None:
    """A deactivated user is signed out everywhere, whichever way they were deactivated."""
    if instance.is_active or (update_fields is not None and "is_active" not in update_fields):
        return
    user_sessions_end(user=instance)


def user_sessions_end(*, user: User, keep_session_key: str | None = None) -> int:
    """End every browser session of `user` (but `keep_session_key`); returns how many."""
    records = UserSession.objects.filter(user=user)
    if keep_session_key:
        records = records.exclude(session_key=keep_session_key)
    keys = list(records.values_list("session_key", flat=True))
    store = _session_store_class()()
    for key in keys:
        store.delete(key)
    UserSession.objects.filter(session_key__in=keys).delete()
    if keys:
        logger.info("Ended %s session(s) of user %s", len(keys), user.pk)
    return len(keys)


def sessions_clear_expired() -> int:
    """Remove what signed-in sessions leave behind once they are over: expired sessions in
    the session store, records of sessions past the absolute limit, and password reset
    requests older than the throttle's day. Returns how many session records went."""
    _session_store_class().clear_expired()
    now = timezone.now()
    removed, _ = UserSession.objects.filter(
        created_at__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    ).delete()
    PasswordResetRequest.objects.filter(requested_at__lt=now - timedelta(days=1)).delete()
    return removed


def session_rotate(request: HttpRequest) -> None:
    """A new session key for the same session (after a second factor), still recorded."""
    old_key = request.session.session_key
    request.session.cycle_key()
    if old_key:
        UserSession.objects.filter(session_key=old_key).update(
            session_key=request.session.session_key
        )


def session_expiry_reason(request: HttpRequest) -> str | None:
    """Why a signed-in session has run out ('idle', 'absolute', or 'unknown' for one without
    a sign-in time, which predates these rules), or None while it lasts; a lasting session's
    activity is noted."""
    session = request.session
    if SESSION_KEY not in session:
        return None
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    last_seen_at = session.get(LAST_SEEN_AT_KEY, signed_in_at)
    if not isinstance(signed_in_at, int | float) or not isinstance(last_seen_at, int | float):
        return "unknown"
    now = _now()
    if now - signed_in_at >= settings.SESSION_COOKIE_AGE:
        return "absolute"
    if now - last_seen_at >= settings.SESSION_IDLE_TIMEOUT_SECONDS:
        return "idle"
    if now - last_seen_at >= LAST_SEEN_RESOLUTION_SECONDS:
        session[LAST_SEEN_AT_KEY] = now
    return None


@dataclass(frozen=True)
class SessionEnd:
    """When a signed-in session ends if nothing more happens: `seconds_left`, and which
    limit ends it ("idle", which staying signed in extends, or "absolute", which nothing
    extends), at `at`."""

    seconds_left: int
    limit: str
    at: datetime


def session_end(request: HttpRequest) -> SessionEnd | None:
    """When the session ends, idle or at its absolute limit, whichever is sooner; None for
    a session without the times these rules keep."""
    session = request.session
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    last_seen_at = session.get(LAST_SEEN_AT_KEY, signed_in_at)
    if not isinstance(signed_in_at, int | float) or not isinstance(last_seen_at, int | float):
        return None
    now = _now()
    idle_left = settings.SESSION_IDLE_TIMEOUT_SECONDS - (now - last_seen_at)
    absolute_left = settings.SESSION_COOKIE_AGE - (now - signed_in_at)
    limit = "absolute" if absolute_left <= idle_left else "idle"
    left = max(0.0, min(idle_left, absolute_left))
    return SessionEnd(
        seconds_left=round(left),
        limit=limit,
        at=datetime.fromtimestamp(now + left, tz=UTC),
    )


def session_end_answer(end: SessionEnd) -> dict:
    """What a page needs to warn of the end: the seconds left, which limit ends the session
    ("absolute": staying signed in cannot help) and the time it ends, as the portal writes
    times (UK time, 24-hour)."""
    return {
        "seconds_left": end.seconds_left,
        "limit": end.limit,
        "signed_out_at": dateformat.format(timezone.localtime(end.at), "H:i"),
        "ends_at": int(end.at.timestamp()),
    }


def absolute_limit_text() -> str:
    """How long a session lasts at most, in words: "12 hours"."""
    seconds = settings.SESSION_COOKIE_AGE
    if seconds >= 3600 and seconds % 3600 == 0:
        count, unit = seconds // 3600, "hour"
    else:
        count, unit = max(1, seconds // 60), "minute"
    return f"{count} {unit}{'' if count == 1 else 's'}"


def session_seconds_left(request: HttpRequest) -> int | None:
    """Seconds until a signed-in session ends, idle or at its absolute limit, whichever is
    sooner; None for a session without the times these rules keep."""
    end = session_end(request)
    return None if end is None else end.seconds_left


def session_keep_alive(request: HttpRequest) -> SessionEnd | None:
    """Note activity now, whatever LAST_SEEN_RESOLUTION_SECONDS would skip (someone chose to
    stay signed in); returns when the session now ends, which is no later than its
    absolute limit."""
    if SESSION_KEY not in request.session:
        return None
    request.session[LAST_SEEN_AT_KEY] = _now()
    return session_end(request)


def expiry_message(reason: str) -> str:
    if reason == "idle":
        minutes = settings.SESSION_IDLE_TIMEOUT_SECONDS // 60
        return (
            f"You were signed out because you had not used the portal for {minutes} minutes. "
            "Sign in again to carry on."
        )
    if reason == "absolute":
        hours = settings.SESSION_COOKIE_AGE // 3600
        return f"You were signed out because you had been signed in for {hours} hours. Sign in again to carry on."
    return "You were signed out. Sign in again to carry on."


def safe_next_url(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` when it is a page of this portal, otherwise the home page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


# Two-factor sign-in ------------------------------------------------------------------


def totp_device_for(*, user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def two_factor_pending(request: HttpRequest) -> bool:
    """Signed in with a password, in a session that needs a second factor not yet given."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not (settings.TWO_FACTOR_REQUIRED or request.session.get(TWO_FACTOR_NEEDED_KEY)):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified and is_verified())


def two_factor_step_url(*, user: User, next_url: str) -> str:
    """Where a user goes for their second factor: the code page, or setting one up."""
    name = "two-factor" if totp_device_for(user=user) is not None else "two-factor-set-up"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@transaction.atomic
def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator app being set up: the same secret until it is confirmed."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret_for_display(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_code_svg(device: TOTPDevice) -> SafeString:
    """The app's set-up link as an inline SVG QR code: nothing is fetched from elsewhere."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5,
        dark="#0b0c0c",
        light="#ffffff",
        title="QR code for your authenticator app",
        svgclass="app-qr-code",
    )
    # Generated from the device's own key and settings; nothing in it comes from a request.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


def code_attempt_refused_for(device) -> int | None:
    """Seconds to wait before `device` takes another code after wrong ones, or None."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (details or {}).get("locked_until")
    if locked_until is None:
        return 60
    return max(1, int((locked_until - timezone.now()).total_seconds()) + 1)


def two_factor_locked(*, user: User) -> bool:
    """Whether `user`'s second factor is locked after too many wrong codes in a row."""
    return TwoFactorLockout.objects.filter(user=user, locked_at__isnull=False).exists()


@transaction.atomic
def two_factor_attempt_record(*, user: User, succeeded: bool) -> None:
    """Count a wrong code against `user` (locking the account at TWO_FACTOR_FAILURE_LIMIT in
    a row), or clear the count after a right one."""
    if succeeded:
        TwoFactorLockout.objects.filter(user=user, locked_at__isnull=True).delete()
        return
    lockout, _ = TwoFactorLockout.objects.select_for_update().get_or_create(user=user)
    lockout.failures += 1
    lockout.last_failure_at = timezone.now()
    if lockout.locked_at is None and lockout.failures >= settings.TWO_FACTOR_FAILURE_LIMIT:
        lockout.locked_at = lockout.last_failure_at
        logger.warning("Two-factor sign-in locked for user %s after wrong codes", user.pk)
    lockout.save(update_fields=["failures", "last_failure_at", "locked_at"])


@transaction.atomic
def two_factor_unlock(*, user: User) -> bool:
    """Service support's unlock after a two-factor lockout: the count of wrong codes and
    the devices' waits start again. True when the account was locked."""
    removed, _ = TwoFactorLockout.objects.filter(user=user).delete()
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
    if removed:
        logger.info("Two-factor sign-in unlocked for user %s", user.pk)
    return bool(removed)


@transaction.atomic
def totp_code_check(*, device: TOTPDevice, code: str) -> bool:
    """Whether `code` is the app's current code. Wrong codes slow further tries (django-otp
    throttling) and count towards the lockout; a code is accepted once."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.confirmed:
        # Setting up an app proves nothing yet: its wrong codes lock nothing.
        return bool(device.verify_token(code))
    # Checked under the device's lock, so that tries at once cannot pass the limit.
    if two_factor_locked(user=device.user):
        return False
    verified = bool(device.verify_token(code))
    two_factor_attempt_record(user=device.user, succeeded=verified)
    return verified


def _recovery_code_hashes(codes: list[str]) -> list[str]:
    """`codes` as password hashes, with one salt for the set so that checking a code costs
    one hash however many codes are left."""
    hasher = get_hasher()
    salt = hasher.salt()
    return [make_password(code, salt=salt, hasher=hasher) for code in codes]


def _recovery_code_matching(device: StaticDevice, code: str) -> RecoveryCode | None:
    """The device's stored code that `code` hashes to, or None (compared in constant time)."""
    candidates: dict[str, str] = {}
    match = None
    for stored in device.code_hashes.order_by("pk"):
        prefix = stored.code_hash.rpartition("$")[0]
        if prefix not in candidates:
            candidates[prefix] = _hash_like(code, stored.code_hash)
        candidate = candidates[prefix]
        same = (
            constant_time_compare(candidate, stored.code_hash)
            if candidate
            else check_password(code, stored.code_hash)
        )
        if same and match is None:
            match = stored
    return match


def _hash_like(code: str, encoded: str) -> str:
    """`code` hashed with the hasher, salt and work factor of `encoded`; "" for a hasher
    whose parameters are not just those."""
    try:
        hasher = identify_hasher(encoded)
        params = hasher.decode(encoded)
    except (ValueError, NotImplementedError):
        return ""
    extra = set(params) - {"algorithm", "hash", "salt", "iterations"}
    if extra:
        return ""
    if "iterations" in params:
        return hasher.encode(code, params["salt"], params["iterations"])
    return hasher.encode(code, params["salt"])


def recovery_code_use(*, device: StaticDevice, code: str) -> bool:
    """Whether `code` is one of the device's unused recovery codes; a right one is used up.
    Wrong codes slow further tries as django-otp's own static device does. Call it with
    the device locked."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    match = _recovery_code_matching(device, code)
    if match is None:
        device.throttle_increment()
        return False
    match.delete()
    device.throttle_reset(commit=False)
    device.set_last_used_timestamp(commit=False)
    device.save()
    return True


@transaction.atomic
def recovery_code_check(*, user: User, code: str) -> RecoveryCodeDevice | None:
    """The recovery codes' device when `code` is one of them (it is used up), or None.
    Wrong codes count towards the lockout."""
    device = (
        RecoveryCodeDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    )
    if device is None or code_attempt_refused_for(device) is not None:
        return None
    if two_factor_locked(user=user):
        return None
    verified = device.verify_token(code)
    two_factor_attempt_record(user=user, succeeded=verified)
    return device if verified else None


@transaction.atomic
def recovery_codes_make(*, user: User) -> list[str]:
    """New recovery codes for `user`, replacing any they had; shown to them once and
    stored only as hashes. Under a lock on the user, so that parallel calls leave one
    device and its codes."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    device.code_hashes.all().delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    ordered = sorted(codes)
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=code_hash)
        for code_hash in _recovery_code_hashes(ordered)
    )
    logger.info("Recovery codes made for user %s", user.pk)
    return ordered


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_verified(request: HttpRequest, device) -> None:
    """The session has its second factor: remember the device and issue a new session key."""
    otp_login(request, device)
    request.session[TWO_FACTOR_NEEDED_KEY] = True
    session_rotate(request)


@transaction.atomic
def totp_device_confirm(*, request: HttpRequest, device: TOTPDevice) -> list[str]:
    """Turn on two-factor sign-in with a newly checked app: this session counts as verified,
    the user's other sessions end (they never gave a second factor) and new recovery codes
    are returned to show once. Under a lock on the user, so one app is left, not two."""
    user = request.user
    User.objects.select_for_update().filter(pk=user.pk).first()
    device.confirmed = True
    device.name = TOTP_DEVICE_NAME
    device.save(update_fields=["confirmed", "name"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = recovery_codes_make(user=user)
    two_factor_verified(request, device)
    user_sessions_end(user=user, keep_session_key=request.session.session_key)
    logger.info("Two-factor sign-in turned on for user %s", user.pk)
    return codes


@transaction.atomic
def two_factor_turn_off(*, request: HttpRequest) -> None:
    """Remove the user's app and recovery codes (only where two-factor is not required)."""
    user = request.user
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[TWO_FACTOR_NEEDED_KEY] = False
    logger.info("Two-factor sign-in turned off for user %s", user.pk)


# Password reset ------------------------------------------------------------------------


@transaction.atomic
def password_reset_claim(request: HttpRequest) -> bool:
    """Record a reset request from this client address, or refuse it (False) when the
    address has made as many as an hour allows. Requests from one address are counted one
    at a time, under a lock on the address, so parallel requests never pass the limit."""
    address = client_ip_address(request)
    # No row stands for an address, so a transaction-scoped advisory lock on it does.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"password-reset:{address}"],
        )
    now = timezone.now()
    recent = PasswordResetRequest.objects.filter(
        ip_address=address, requested_at__gte=now - timedelta(hours=1)
    ).count()
    if recent >= settings.PASSWORD_RESET_REQUESTS_PER_HOUR:
        return False
    PasswordResetRequest.objects.create(ip_address=address)
    # Requests older than the throttle's hour count for nothing; keep the table small.
    PasswordResetRequest.objects.filter(requested_at__lt=now - timedelta(days=1)).delete()
    return True
