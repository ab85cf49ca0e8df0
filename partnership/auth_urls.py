"""Two-factor sign-in, the account's sign-in security, passwords, staying signed in, signing
out, and the pages every footer links to."""

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
    path("account/password/", auth_views.change_password, name="change-password"),
    path("account/session/keep-alive/", auth_views.session_keep_alive, name="session-keep-alive"),
    path("signed-out/", auth_views.signed_out, name="signed-out"),
    path("signed-out/timed-out/", auth_views.session_ended, name="session-ended"),
    path(
        "accessibility/",
        auth_views.ContentPage.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path(
        "privacy/",
        auth_views.ContentPage.as_view(template_name="pages/privacy.html"),
        name="privacy",
    ),
    path(
        "cookies/",
        auth_views.ContentPage.as_view(template_name="pages/cookies.html"),
        name="cookies",
    ),
    path("help/", auth_views.ContentPage.as_view(template_name="pages/help.html"), name="help"),
    path("account/security/", auth_views.account_security, name="account-security"),
    path("account/two-factor/set-up/", auth_views.two_factor_set_up, name="two-factor-set-up"),
    path(
        "account/two-factor/turn-off/", auth_views.two_factor_turn_off, name="two-factor-turn-off"
    ),
    path("account/recovery-codes/", auth_views.recovery_codes, name="recovery-codes"),
    path("account/recovery-codes/new/", auth_views.recovery_codes_new, name="recovery-codes-new"),
]
