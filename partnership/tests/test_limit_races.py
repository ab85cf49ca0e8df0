"""Limits that parallel requests must not pass together: recovery codes, two-factor apps,
password reset emails per account and requests per client address."""

import pytest
from django.contrib.auth.hashers import check_password
from django.test import RequestFactory
from django_otp.plugins.otp_static.models import StaticDevice

from notifications.models import Notification
from partnership import auth
from partnership.models import PasswordResetRequest, RecoveryCode
from partnership.tests.concurrency import run_together
from partnership.tests.factories import UserFactory


def test_limit_race_parallel_recovery_codes_leave_one_set(committed_db):
    user = UserFactory()

    outcomes = run_together(12, lambda _: auth.recovery_codes_make(user=user))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert StaticDevice.objects.filter(user=user).count() == 1
    assert RecoveryCode.objects.filter(device__user=user).count() == auth.RECOVERY_CODE_COUNT
    # The codes that remain are one set shown to the user, no more.
    hashes = list(
        RecoveryCode.objects.filter(device__user=user).values_list("code_hash", flat=True)
    )
    kept = [
        codes
        for codes in outcomes
        if all(any(check_password(code, h) for h in hashes) for code in codes)
    ]
    assert len(kept) == 1


def test_limit_race_parallel_reset_emails_stop_at_the_account_limit(committed_db):
    user = UserFactory()

    outcomes = run_together(15, lambda _: auth.password_reset_send(user=user))

    assert outcomes.count(True) == auth.PASSWORD_RESET_EMAILS_PER_ACCOUNT_PER_HOUR, outcomes
    assert outcomes.count(False) == 15 - auth.PASSWORD_RESET_EMAILS_PER_ACCOUNT_PER_HOUR
    assert (
        Notification.objects.filter(recipient=user, kind=auth.PASSWORD_RESET_KIND).count()
        == auth.PASSWORD_RESET_EMAILS_PER_ACCOUNT_PER_HOUR
    )


@pytest.mark.parametrize("address", ["192.0.2.7"])
def test_limit_race_parallel_reset_requests_stop_at_the_address_limit(
    committed_db, settings, address
):
    settings.PASSWORD_RESET_REQUESTS_PER_HOUR = 5
    requests = [RequestFactory().post("/", REMOTE_ADDR=address) for _ in range(20)]

    outcomes = run_together(20, lambda index: auth.password_reset_claim(requests[index]))

    assert outcomes.count(True) == 5 and outcomes.count(False) == 15, outcomes
    assert PasswordResetRequest.objects.filter(ip_address=address).count() == 5
