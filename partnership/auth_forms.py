"""Forms for two-factor sign-in, password reset and changing a password, in GOV.UK style."""

import re

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm

from partnership import auth
from partnership.backends import account_may_sign_in
from partnership.forms import GovukFormMixin
from partnership.signals import password_reset_requested

# Says no more than that: not why, nor whether the code given was right.
LOCKED_MESSAGE = "Your account is locked. Contact service support to unlock it"


def _wait_message(seconds: int) -> str:
    wait = f"{seconds} seconds" if seconds < 120 else f"{(seconds + 59) // 60} minutes"
    return f"You have entered too many wrong codes. Wait {wait}, then try again"


class TotpCodeForm(GovukFormMixin, forms.Form):
    """The 6-digit code an authenticator app shows, checked against one device."""

    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code it shows for Probation partnerships",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device
        self.fields["code"].widget.attrs.update(
            {
                "class": "govuk-input govuk-input--width-10",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "spellcheck": "false",
            }
        )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows")
        wait = auth.code_attempt_refused_for(self.device)
        if wait is not None:
            raise forms.ValidationError(_wait_message(wait))
        if not auth.totp_code_check(device=self.device, code=code):
            raise forms.ValidationError(
                "The code is not right. Enter the code your authenticator app shows now"
            )
        return code


class RecoveryCodeForm(GovukFormMixin, forms.Form):
    """One of the recovery codes given when two-factor sign-in was set up; used once."""

    code = forms.CharField(
        label="Recovery code",
        help_text="One of the codes you saved when you set up two-factor sign-in, like abcd2345",
        max_length=40,
        error_messages={"required": "Enter a recovery code"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None
        self.fields["code"].widget.attrs.update(
            {
                "class": "govuk-input govuk-input--width-10",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"]).lower()
        _recovery_code_wait_check(self.user)
        self.device = auth.recovery_code_check(user=self.user, code=code)
        if self.device is None:
            raise forms.ValidationError(
                "The recovery code is not right, or has been used. Enter another one"
            )
        return code


def _recovery_code_wait_check(user) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice

    holder = StaticDevice.objects.filter(user=user, confirmed=True).first()
    wait = auth.code_attempt_refused_for(holder) if holder is not None else None
    if wait is not None:
        raise forms.ValidationError(_wait_message(wait))


class TwoFactorTurnOffForm(GovukFormMixin, forms.Form):
    """Turning two-factor sign-in off takes the password and a fresh second factor: a code
    from the app or an unused recovery code (which it uses up)."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )
    code = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        help_text="The 6-digit code your app shows now, or one of your recovery codes",
        max_length=40,
        error_messages={
            "required": "Enter the code from your authenticator app or a recovery code"
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["code"].widget.attrs.update(
            {
                "class": "govuk-input govuk-input--width-10",
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not right. Enter your password")
        return password

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"]).lower()
        if auth.two_factor_locked(user=self.user):
            raise forms.ValidationError(LOCKED_MESSAGE)
        # A wrong password stops here, before a code is tried or used up.
        if "password" in self._errors:
            return code
        if re.fullmatch(r"\d{6}", code):
            device = auth.totp_device_for(user=self.user)
            wait = auth.code_attempt_refused_for(device) if device is not None else None
            if wait is not None:
                raise forms.ValidationError(_wait_message(wait))
            verified = device is not None and auth.totp_code_check(device=device, code=code)
        else:
            _recovery_code_wait_check(self.user)
            verified = auth.recovery_code_check(user=self.user, code=code) is not None
        if not verified:
            if auth.two_factor_locked(user=self.user):
                raise forms.ValidationError(LOCKED_MESSAGE)
            raise forms.ValidationError(
                "The code is not right. Enter the code your authenticator app shows now, "
                "or a recovery code you have not used"
            )
        return code


class GovukPasswordResetForm(GovukFormMixin, PasswordResetForm):
    """Asks for the email address; the link goes by the portal's own email, and only to
    an account that may sign in. The page that follows is the same either way."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["email"]
        field.label = "Email address"
        field.help_text = "The email address you sign in with"
        field.error_messages = {
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        }
        field.widget.attrs.update(
            {"autocomplete": "email", "spellcheck": "false", "class": "govuk-input"}
        )

    def save(self, *args, **kwargs) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            if account_may_sign_in(user):
                password_reset_requested.send(sender=type(user), user=user)


class GovukSetPasswordForm(GovukFormMixin, SetPasswordForm):
    """A new password, checked by every validator in AUTH_PASSWORD_VALIDATORS."""


class ChangePasswordForm(GovukFormMixin, PasswordChangeForm):
    """The current password, then a new one twice, checked by every validator in
    AUTH_PASSWORD_VALIDATORS; their errors go on the first new password, where it is typed."""

    error_messages = {
        "password_incorrect": "Your current password is not right. Enter your current password",
        "password_mismatch": "The new passwords do not match. Enter the same new password twice",
        "password_unchanged": "Your new password is the same as your current one. "
        "Choose a different password",
    }

    old_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your current password"},
    )
    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters, not only numbers, and not a common password "
        "or one like your name or email address",
        error_messages={"required": "Enter a new password"},
    )
    new_password2 = forms.CharField(
        label="Confirm new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter your new password again"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update(
                {"spellcheck": "false", "class": "govuk-input govuk-input--width-20"}
            )

    def clean(self):
        # SetPasswordForm.clean would put the validators' errors on the second box.
        new = self.cleaned_data.get("new_password1")
        self.validate_passwords("new_password1", "new_password2")
        if "new_password1" not in self._errors and new:
            if new == self.cleaned_data.get("old_password"):
                self.add_error("new_password1", self.error_messages["password_unchanged"])
            else:
                try:
                    password_validation.validate_password(new, self.user)
                except forms.ValidationError as error:
                    self.add_error("new_password1", error)
        return self.cleaned_data
