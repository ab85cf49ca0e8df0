"""Two-factor sign-in, the account's sign-in security and password reset."""

from django.urls import path

from partnership import auth_views

urlpatterns = [
    path("sign-in/two-factor/", auth_views.two_factor, name="two-factor"),
    path(
        "sign-in/two-factor/recovery-code/",
        auth_views.two_factor_recovery_code,
        name="two-factor-recovery-code",
    ),
    path("sign-in/forgot-password/", auth_views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "sign-in/forgot-password/sent/",
        auth_views.PasswordResetSentView.as_view(),
        name="password-reset-sent",
    ),
    path(
        "sign-in/reset-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "sign-in/reset-password/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("account/security/", auth_views.account_security, name="account-security"),
    path("account/two-factor/set-up/", auth_views.two_factor_set_up, name="two-factor-set-up"),
    path(
        "account/two-factor/turn-off/", auth_views.two_factor_turn_off, name="two-factor-turn-off"
    ),
    path("account/recovery-codes/", auth_views.recovery_codes, name="recovery-codes"),
    path("account/recovery-codes/new/", auth_views.recovery_codes_new, name="recovery-codes-new"),
]
