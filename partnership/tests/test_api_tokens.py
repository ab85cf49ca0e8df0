"""The token lifecycle: issue, authenticate, scope, expiry, revocation."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from notifications.tests.factories import NotificationFactory
from partnership.models import ApiToken, Role
from partnership.tests.factories import UserFactory, issue_token

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_problem(response, status: int):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    return body


def test_issue_api_token_prints_the_token_alone_on_its_last_line_and_it_reads_me(client):
    user = UserFactory(role=Role.PRACTITIONER, email="pat@example.org")
    out = StringIO()
    call_command("issue_api_token", "PAT@example.org", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("pp_") and " " not in raw

    response = client.get("/api/v1/me/", **bearer(raw))

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "pat@example.org"
    assert body["role"] == "practitioner"
    assert body["pdu"] == {"id": user.pdu.pk, "name": "Manchester North"}
    assert body["organisation"] is None
    assert body["token_scope"] == "read"


def test_me_for_a_provider_user_carries_the_organisation(client):
    user = UserFactory(role=Role.CASEWORKER)
    _, raw = issue_token(user)
    body = client.get("/api/v1/me/", **bearer(raw)).json()
    assert body["organisation"] == {"id": user.organisation.pk, "name": user.organisation.name}
    assert body["pdu"] is None


def test_command_sets_scope_and_lifetime():
    user = UserFactory()
    out = StringIO()
    call_command("issue_api_token", user.email, "--scope", "write", "--days", "5", stdout=out)
    token = ApiToken.objects.get(user=user)
    assert token.scope == "write"
    assert timedelta(days=4, hours=23) < token.expires_at - timezone.now() <= timedelta(days=5)


def test_command_refuses_an_unknown_email_and_a_silly_lifetime():
    with pytest.raises(CommandError, match="No active user"):
        call_command("issue_api_token", "nobody@example.org", stdout=StringIO())
    user = UserFactory()
    with pytest.raises(CommandError, match="between 1 and"):
        call_command("issue_api_token", user.email, "--days", "0", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_only_a_digest_of_the_token_is_stored():
    token, raw = issue_token(UserFactory())
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in str(stored.values())
    assert token.digest != raw and len(token.digest) == 64


def test_revoked_token_gets_401_problem(client):
    token, raw = issue_token(UserFactory())
    assert client.get("/api/v1/me/", **bearer(raw)).status_code == 200
    from partnership.services import api_token_revoke

    api_token_revoke(token=token)

    response = client.get("/api/v1/me/", **bearer(raw))
    body = assert_problem(response, 401)
    assert "revoked" in body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_gets_401_problem(client):
    token, raw = issue_token(UserFactory(), days=1)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert_problem(client.get("/api/v1/me/", **bearer(raw)), 401)


def test_token_of_a_deactivated_user_gets_401(client):
    user = UserFactory()
    _, raw = issue_token(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_problem(client.get("/api/v1/me/", **bearer(raw)), 401)


def test_unknown_or_malformed_tokens_get_401(client):
    assert_problem(client.get("/api/v1/me/", **bearer("pp_not-a-real-token")), 401)
    assert_problem(client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer"), 401)
    assert_problem(client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer a b"), 401)


def test_no_credentials_gets_401_problem(client):
    assert_problem(client.get("/api/v1/me/"), 401)


def test_read_only_token_gets_403_on_a_write_and_a_write_token_succeeds(client):
    user = UserFactory()
    notification = NotificationFactory(recipient=user)
    _, read_only = issue_token(user, scope="read")
    _, read_write = issue_token(user, scope="write")
    url = f"/api/v1/notifications/{notification.pk}/read/"

    body = assert_problem(client.post(url, **bearer(read_only)), 403)
    assert "read-only" in body["detail"]
    notification.refresh_from_db()
    assert notification.read_at is None

    response = client.post(url, **bearer(read_write))
    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_bearer_requests_need_no_csrf_token_but_session_writes_do(client):
    from django.test import Client

    user = UserFactory()
    notification = NotificationFactory(recipient=user)
    session_client = Client(enforce_csrf_checks=True)
    session_client.force_login(user)
    response = session_client.post(f"/api/v1/notifications/{notification.pk}/read/")
    assert_problem(response, 403)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_token_use_is_recorded(client):
    token, raw = issue_token(UserFactory())
    assert token.last_used_at is None
    client.get("/api/v1/me/", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at is not None


class TestTokenPages:
    def test_a_user_creates_sees_once_and_revokes_a_token(self, client):
        user = UserFactory()
        client.force_login(user)
        response = client.post(
            "/account/api-tokens/",
            {"name": "Case system", "scope": "write", "days": "30"},
            follow=True,
        )
        # Post/redirect/get: a reload of the page cannot make a second token.
        assert response.redirect_chain == [("/account/api-tokens/", 302)]
        raw = response.context["new_token"]
        assert raw.startswith("pp_") and raw in response.content.decode()
        token = ApiToken.objects.get(user=user)
        assert token.scope == "write"

        # The secret is shown on that one page only.
        listing = client.get("/account/api-tokens/").content.decode()
        assert token.prefix in listing and raw not in listing

        response = client.post(f"/account/api-tokens/{token.pk}/revoke/", follow=True)
        assert "has been revoked" in response.content.decode()
        token.refresh_from_db()
        assert token.revoked_at is not None

    def test_invalid_input_shows_an_error_summary_and_creates_nothing(self, client):
        client.force_login(UserFactory())
        response = client.post(
            "/account/api-tokens/", {"name": "", "scope": "write", "days": "999"}
        )
        page = response.content.decode()
        assert "There is a problem" in page
        assert "Enter a name for the token" in page
        assert "A token can last at most 365 days" in page
        assert not ApiToken.objects.exists()

    def test_another_users_token_cannot_be_revoked(self, client):
        token, _ = issue_token(UserFactory())
        client.force_login(UserFactory())
        assert client.post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None
