"""Control characters in text: refused on one line (a name with "\\r\\nBcc:" broke the email
about that person), refused but for line breaks in text of several lines; in every form and
every API input, with a specific message, and nothing stored."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from rest_framework import serializers

from partnership.api.serializers import CheckedTextMixin
from partnership.forms import GovukFormMixin

APPS = ("partnership", "notifications", "providers", "commissioning", "referrals", "integrations")


def _project_classes(base):
    found = {}
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            skipped = (".tests", ".migrations", ".settings", ".management")
            if any(part in info.name for part in skipped) or info.name.endswith((".wsgi", ".asgi")):
                continue
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, base) and cls.__module__ == module.__name__:
                    found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def test_control_char_every_form_checks_its_text():
    missing = [
        name
        for name, cls in _project_classes(forms.BaseForm).items()
        if any(isinstance(f, forms.CharField) for f in cls.base_fields.values())
        and not issubclass(cls, GovukFormMixin)
    ]
    assert not missing, f"Forms without GovukFormMixin's text checks: {missing}"


def _writable_text(cls) -> bool:
    try:
        fields = cls().get_fields()
    except Exception:  # a serializer that needs arguments to be built
        fields = getattr(cls, "_declared_fields", {})
    return any(
        isinstance(field, serializers.CharField) and not field.read_only
        for field in fields.values()
    )


def test_control_char_every_input_serializer_checks_its_text():
    missing = [
        name
        for name, cls in _project_classes(serializers.Serializer).items()
        if _writable_text(cls) and not issubclass(cls, CheckedTextMixin)
    ]
    assert not missing, f"Serializers that take text without CheckedTextMixin: {missing}"


# Behaviour ------------------------------------------------------------------------------

BCC = "Sean\r\nBcc: attacker@example.com"


@pytest.fixture
def draft(db):
    from referrals.tests.factories import referral_in

    return referral_in()


def test_control_char_page_form_refuses_a_name_with_line_breaks(client, draft):
    client.force_login(draft.practitioner)
    before = draft.first_name
    response = client.post(
        f"/referrals/{draft.public_id}/tasks/person/",
        {"first_name": BCC, "last_name": "Smith"},
    )
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Enter text on one line" in html
    draft.refresh_from_db()
    assert draft.first_name == before


def test_control_char_api_refuses_single_line_but_keeps_multi_line_text(client, draft):
    from partnership.tests.factories import issue_token

    token = issue_token(draft.practitioner, scope="write")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = f"/api/v1/referrals/{draft.public_id}/"
    refused = client.patch(url, {"first_name": BCC}, content_type="application/json", **headers)
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert "first_name" in refused.json()["errors"]
    draft.refresh_from_db()
    assert "Bcc" not in draft.first_name

    risk = client.put(
        f"{url}risk/",
        {"summary": "Line one\r\nLine two\twith a tab"},
        content_type="application/json",
        **headers,
    )
    assert risk.status_code == 200, risk.content
    nul = client.put(
        f"{url}risk/", {"summary": "Before\x00after"}, content_type="application/json", **headers
    )
    assert nul.status_code == 400
    draft.risk.refresh_from_db()
    assert draft.risk.summary == "Line one\r\nLine two\twith a tab"


def test_control_char_email_that_cannot_be_built_fails_once(db, caplog):
    from django.core import mail

    from notifications.models import Notification
    from notifications.services import notification_email_deliver
    from partnership.tests.factories import UserFactory

    recipient = UserFactory()
    notification = Notification.objects.create(
        recipient=recipient,
        kind="test",
        title="Referral for Sean\r\nBcc: attacker@example.com",
        email_status=Notification.EmailStatus.PENDING,
    )
    assert notification_email_deliver(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.FAILED
    assert notification.email_attempts == 1
    assert not mail.outbox
    assert any(record.levelname == "ERROR" for record in caplog.records)
