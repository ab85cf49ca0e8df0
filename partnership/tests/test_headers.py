"""Response headers: the Content-Security-Policy and its nonces, the other security headers,
no-store on everything that may carry personal data, and the production overlay's HTTPS
rules and `check --deploy`, run the way a container starts."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.urls import Resolver404, resolve

from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token

BASE_DIR = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

EXPECTED_POLICY = {
    "default-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
# Script types a browser never runs (data blocks): they need no nonce.
DATA_BLOCK_TYPES = {"application/json", "application/ld+json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


def nonce_of(response) -> str:
    found = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9+/=]+)'", policy(response)["script-src"])
    assert found, policy(response)["script-src"]
    return found.group(1)


class PageParts(HTMLParser):
    """What a page has that the policy governs, and where its links go."""

    def __init__(self):
        super().__init__()
        self.inline_scripts: list[str | None] = []  # the nonce of each
        self.style_elements: list[str | None] = []
        self.inline_styles: list[str] = []
        self.handlers: list[str] = []
        self.javascript_urls: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        script_type = (attributes.get("type") or "").lower()
        if tag == "script" and not attributes.get("src") and script_type not in DATA_BLOCK_TYPES:
            self.inline_scripts.append(attributes.get("nonce"))
        if tag == "style":
            self.style_elements.append(attributes.get("nonce"))
        for name, value in attrs:
            if name == "style":
                self.inline_styles.append(f"<{tag} style={value!r}>")
            elif name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.javascript_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def assert_page_keeps_the_policy(response, url: str) -> PageParts:
    """Every inline script carries this response's nonce; nothing else is inline."""
    parts = PageParts()
    parts.feed(response.content.decode())
    nonce = nonce_of(response) if parts.inline_scripts else None
    problems = [f"inline script with nonce {n!r}" for n in parts.inline_scripts if n != nonce]
    problems += ["<style> element" for _ in parts.style_elements]
    problems += parts.inline_styles + parts.handlers + parts.javascript_urls
    assert not problems, f"{url}: {problems}"
    assert policy(response)["frame-ancestors"] == "'none'", url
    return parts


def _route(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


# Static files; signing out; the Django admin, whose pages share one set of templates
# (test_the_django_admin_keeps_the_policy opens them).
NOT_CRAWLED = ("/static/", "/sign-out/", "/django-admin/")


def crawl(client, starts: list[str], *, limit: int = 40) -> dict[str, int]:
    """Follow same-site links from `starts`, one page per URL pattern, checking each HTML
    page against the policy. Returns the pages seen by path, with their status."""
    seen_routes: set[str] = set()
    seen: dict[str, int] = {}
    queue = deque(starts)
    while queue and len(seen) < limit:
        url = queue.popleft()
        parsed = urlsplit(url)
        if parsed.netloc not in ("", "testserver"):
            continue
        path = parsed.path
        route = _route(path)
        if route is None or route in seen_routes or path.startswith(NOT_CRAWLED):
            continue
        seen_routes.add(route)
        target = path + (f"?{parsed.query}" if parsed.query else "")
        response = client.get(target, HTTP_ACCEPT="text/html")
        seen[path] = response.status_code
        if not response["Content-Type"].startswith("text/html"):
            continue
        parts = assert_page_keeps_the_policy(response, target)
        queue.extend(link for link in parts.links if not link.startswith("#"))
    return seen


# The policy and its nonces ------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_send_the_policy_with_a_nonce_for_their_inline_scripts(client, practitioner):
    client.force_login(practitioner)
    response = client.get("/")

    directives = policy(response)
    assert {name: directives[name] for name in EXPECTED_POLICY} == EXPECTED_POLICY
    assert set(directives) == set(EXPECTED_POLICY) | {"script-src"}
    nonce = nonce_of(response)
    parts = assert_page_keeps_the_policy(response, "/")
    # The page's own scripts (the js-enabled switch and GOV.UK Frontend's start-up).
    assert parts.inline_scripts == [nonce, nonce]


@pytest.mark.django_db
def test_each_response_gets_its_own_nonce(client, practitioner):
    client.force_login(practitioner)
    first, second = client.get("/"), client.get("/")
    assert nonce_of(first) != nonce_of(second)
    assert f'nonce="{nonce_of(second)}"' in second.content.decode()
    assert nonce_of(first) not in second.content.decode()


@pytest.mark.django_db
def test_a_form_with_errors_keeps_the_policy(client):
    response = client.post("/sign-in/", {"username": "", "password": ""})
    assert "govuk-error-summary" in response.content.decode()
    assert_page_keeps_the_policy(response, "/sign-in/ with errors")


@pytest.mark.django_db
def test_the_api_documentation_loads_its_start_up_script_from_a_url(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    parts = assert_page_keeps_the_policy(page, "/api/v1/docs/")
    assert parts.inline_scripts == []
    assert '<script src="/api/v1/docs/?script="></script>' in page.content.decode()

    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_the_browsable_api_keeps_the_policy(client, practitioner):
    client.force_login(practitioner)
    # A list with filters and a create form, and a resource with a form of its own.
    for url in ("/api/v1/services/", "/api/v1/referrals/", "/api/v1/me/"):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")
        assert_page_keeps_the_policy(response, url)


@pytest.mark.django_db
def test_the_django_admin_keeps_the_policy(client):
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    urls = [
        "/django-admin/",
        "/django-admin/partnership/user/",
        "/django-admin/partnership/user/?q=example",
        f"/django-admin/partnership/user/{admin.pk}/change/",
        "/django-admin/partnership/user/add/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_page_keeps_the_policy(response, url)


@pytest.mark.slow
@pytest.mark.django_db
def test_every_page_each_demo_account_reaches_keeps_the_policy(client):
    """A demo account of each role follows the links it is shown (one page per URL pattern),
    in the portal and in the browsable API: every inline script carries the page's nonce."""
    from partnership.demo import DEMO_ACCOUNTS, load_demo
    from partnership.models import User

    load_demo()
    one_per_role = {account.role: account.email for account in reversed(DEMO_ACCOUNTS)}
    reached: dict[str, int] = {}
    for email in one_per_role.values():
        client.force_login(User.objects.get(email=email))
        starts = ["/", "/api/v1/me/", "/api/v1/referrals/", "/api/v1/services/"]
        reached |= crawl(client, starts)
        client.logout()
    reached |= crawl(client, ["/sign-in/", "/openreferral/", "/api/v1/exports/360giving/"])

    assert not [path for path, status in reached.items() if status >= 500]
    # The crawl reached well into the portal, not just the home pages.
    assert len(reached) > 40, sorted(reached)
    assert any(path.startswith("/referrals/") for path in reached)
    assert any(path.startswith(("/funding-rounds/", "/alerts/")) for path in reached)


# The other security headers -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/sign-in/", "/api/v1/me/", "/openreferral/services", "/no-such-page/"]
)
def test_every_response_forbids_framing_sniffing_referrers_openers_and_devices(
    client, practitioner, url
):
    client.force_login(practitioner)
    response = client.get(url)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    denied = {feature.strip() for feature in response["Permissions-Policy"].split(",") if feature}
    assert {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"} <= denied
    assert all(feature.endswith("=()") for feature in denied)
    assert "Content-Security-Policy" in response


# No-store ------------------------------------------------------------------------------------


def assert_not_stored(response, what: str) -> None:
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control and "private" in cache_control, (what, cache_control)


def assert_may_be_stored(response, what: str) -> None:
    assert "no-store" not in response.get("Cache-Control", ""), what
    assert "private" not in response.get("Cache-Control", ""), what


@pytest.mark.django_db
def test_pages_forms_and_error_pages_are_never_stored(client, practitioner):
    anonymous = {
        "sign-in page (CSRF token)": client.get("/sign-in/"),
        "sign-in with errors": client.post("/sign-in/", {"username": "x@example.org"}),
        "forgotten password page": client.get("/sign-in/forgot-password/"),
        "two-factor step": client.get("/sign-in/two-factor/"),
        "page not found": client.get("/no-such-page/"),
        "redirect to sign-in": client.get("/referrals/"),
    }
    for what, response in anonymous.items():
        assert_not_stored(response, what)
    assert anonymous["forgotten password page"].status_code == 200

    client.force_login(practitioner)
    for what, url in {
        "home": "/",
        "referral list": "/referrals/",
        "API tokens": "/account/api-tokens/",
        "two-factor set-up (the secret)": "/account/two-factor/set-up/",
        "page not found, signed in": "/no-such-page/",
    }.items():
        response = client.get(url)
        assert_not_stored(response, what)
        assert response.status_code == (404 if "not found" in what else 200), what


@pytest.mark.django_db
def test_server_errors_and_refused_requests_are_never_stored(client, practitioner):
    client.force_login(practitioner)
    client.raise_request_exception = False
    with mock.patch(
        "notifications.selectors.notification_list_for", side_effect=RuntimeError("boom")
    ):
        error = client.get("/")
    assert error.status_code == 500
    assert_not_stored(error, "server error page")

    # Refused before any view runs: an unknown host and a missing CSRF token.
    assert_not_stored(client.get("/", HTTP_HOST="attacker.example"), "bad host")
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    refused = strict.post("/sign-in/", {"username": "a@example.org", "password": "x"})
    assert refused.status_code == 403
    assert_not_stored(refused, "CSRF failure page")


@pytest.mark.django_db
def test_risk_documents_csv_exports_and_the_api_are_never_stored(
    client, api_client, settings, tmp_path
):
    from providers.tests.factories import make_service
    from referrals import services as referral_services
    from referrals.tests.factories import referral_in, trained_caseworker_for

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    service = make_service(referral_requirements=["date_of_birth"])
    referral = referral_in("draft", service=service)
    document = referral_services.document_add(
        referral=referral, by=referral.practitioner, name="oasys.pdf", content=PDF
    )
    referral = referral_services.referral_send(referral=referral, by=referral.practitioner)
    caseworker = trained_caseworker_for(service)

    client.force_login(caseworker)
    page_download = client.get(f"/referrals/{referral.public_id}/documents/{document.public_id}/")
    assert page_download.status_code == 200
    assert_not_stored(page_download, "risk document download")

    _, token = issue_token(caseworker)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    api_download = api_client.get(
        f"/api/v1/referrals/{referral.public_id}/documents/{document.public_id}/download/"
    )
    assert api_download.status_code == 200
    assert_not_stored(api_download, "risk document download (API)")
    api_list = api_client.get("/api/v1/referrals/")
    assert api_list.status_code == 200 and api_list.json()["results"]
    assert_not_stored(api_list, "API list")

    commissioner = UserFactory(role=Role.COMMISSIONER)
    client.force_login(commissioner)
    for url in ("/organisations/export.csv", "/demand.csv"):
        export = client.get(url)
        assert export.status_code == 200, url
        assert export["Content-Type"].startswith("text/csv")
        assert_not_stored(export, url)


@pytest.mark.django_db
def test_open_data_and_static_files_may_be_cached(client, practitioner):
    for url in (
        "/openreferral/services",
        "/openreferral/taxonomy_terms",
        "/api/v1/exports/360giving/",
        "/api/v1/exports/360giving.csv",
        "/api/v1/exports/ocds/",
        "/api/v1/exports/ocds.csv",
        "/static/api/browsable-api.css",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_may_be_stored(response, url)

    # The same data as a browsable-API page names the signed-in user and holds a CSRF token.
    client.force_login(practitioner)
    page = client.get("/api/v1/exports/360giving/", HTTP_ACCEPT="text/html")
    assert page["Content-Type"].startswith("text/html")
    assert_not_stored(page, "open data as an HTML page, signed in")


# Production settings, run the way a container starts ---------------------------------------


def production_env(**overrides) -> dict[str, str]:
    """Production settings against this suite's own database and Redis."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "DEMO_", "DEBUG", "SECURE_", "DJANGO_", "TWO_FACTOR"))
    }
    database_url = urlsplit(os.environ["DATABASE_URL"])
    test_database_url = database_url._replace(path=f"/{connection.settings_dict['NAME']}")
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "partnership.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "partnerships.example.org",
        "DATABASE_URL": test_database_url.geturl(),
        "REDIS_URL": os.environ["REDIS_URL"],
        **overrides,
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION_PROBE = """
import json, django
from django.conf import settings
# The suite has no collected static files: name them as written rather than by manifest.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
django.setup()
from django.test import Client

client = Client(HTTP_HOST="partnerships.example.org")
plain = client.get("/sign-in/")
secure = client.get("/sign-in/", secure=True)
csrf = secure.cookies.get("__Host-csrftoken")
from django.conf import settings as s
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "secure": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security"),
    "csp": secure.get("Content-Security-Policy", ""),
    "cache": secure.get("Cache-Control"),
    "csrf_cookie": csrf and {"secure": csrf["secure"], "httponly": csrf["httponly"], "path": csrf["path"]},
    "session_cookie": [s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY],
}))
"""


@pytest.mark.slow
@pytest.mark.django_db
def test_production_redirects_to_https_and_sends_hsts_and_secure_cookies():
    result = run(["-c", PRODUCTION_PROBE], env=production_env())
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["plain"] == [301, "https://partnerships.example.org/sign-in/"]
    assert seen["secure"] == 200
    assert seen["hsts"] == "max-age=63072000; includeSubDomains; preload"
    assert "script-src 'self' 'nonce-" in seen["csp"]
    assert "no-store" in seen["cache"]
    assert seen["csrf_cookie"] == {"secure": True, "httponly": True, "path": "/"}
    assert seen["session_cookie"] == ["__Host-sessionid", True, True]


@pytest.mark.slow
@pytest.mark.django_db
def test_check_deploy_passes_under_production_settings_with_real_servers():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING", "--database", "default"],
        env=production_env(),
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues (0 silenced)" in result.stdout
