"""HEAD is a read: on every URL pattern, as every role, a HEAD request carrying a body that
would be a valid write changes nothing, whether it comes with a read-only token or with a
session that has no CSRF token.

Writes are watched at the database: any INSERT, UPDATE or DELETE a request runs, other than
the bookkeeping every read does (the risk access log, sessions, a token's last use), fails.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from partnership.models import ApiToken
from partnership.tests.factories import issue_token
from tests.access.visits import is_api, url_for
from tests.access.world import ANONYMOUS, ANY, IN, ROLES, SCOPED_KINDS
from tests.test_access_matrix import PATTERNS, ROWS, db, matrix, undone  # noqa: F401

# What a read may write: the record of the read itself and the session that made it.
BOOKKEEPING_TABLES = frozenset(
    {
        "referrals_accesslog",
        "django_session",
        "partnership_usersession",
        "partnership_apitoken",
        # The two-factor set-up page makes an unconfirmed device to show its QR code.
        "otp_totp_totpdevice",
    }
)
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)

# One body that would be a valid write to any of the nested resources: risk, sessions,
# concerns, the end-of-service report, decisions and edits.
JSON_BODY = {
    "summary": "Changed by a HEAD request",
    "rosh_public": "very_high",
    "amendment_reason": "HEAD request",
    "kind": "session",
    "held_on": "2026-01-05",
    "mode": "in_person",
    "attendance": "attended",
    "engagement_notes": "HEAD request",
    "urgency": "urgent",
    "what_happened": "HEAD request",
    "actions_taken": "None",
    "closing_reason": "completed",
    "outcomes": [],
    "reason": "HEAD request",
    "reason_code": "other",
    "name": "HEAD",
}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@contextmanager
def writes_watched(also_ignored: frozenset[str] = frozenset()):
    """The tables written to while the block runs, bookkeeping (and `also_ignored`) left
    out."""
    written: list[str] = []
    ignored = BOOKKEEPING_TABLES | also_ignored

    def watch(execute, sql, params, many, context):
        match = WRITE.match(sql)
        if match and match.group(1) not in ignored:
            written.append(f"{match.group(1)}: {sql[:80]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield written


def _url(row, world, role) -> str:
    scope = IN if row.kind in SCOPED_KINDS else ANY
    return url_for(row, world, role, scope, PATTERNS[row.pattern].kwargs)


def _head_with_body(client: Client, url: str, **headers):
    """HEAD carrying a body: JSON for the API, a form with a file for pages and uploads."""
    if is_api(url) and not url.rstrip("/").endswith("documents"):
        return client.generic(
            "HEAD", url, json.dumps(JSON_BODY), content_type="application/json", **headers
        )
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import MULTIPART_CONTENT, encode_multipart

    form = {
        **{k: v for k, v in JSON_BODY.items() if not isinstance(v, list)},
        "file": SimpleUploadedFile("risk.pdf", PDF, content_type="application/pdf"),
    }
    boundary = "HeadBoundary"
    return client.generic(
        "HEAD",
        url,
        encode_multipart(boundary, form),
        content_type=MULTIPART_CONTENT.replace("BoUnDaRyStRiNg", boundary),
        **headers,
    )


def _routes():
    for row in ROWS:
        for role in ROLES:
            if role != ANONYMOUS:
                yield pytest.param(row, role, id=f"{row.pattern}/{role.replace(' ', '-')}")


@pytest.fixture(scope="module")
def read_tokens(matrix):  # noqa: F811
    world, _ = matrix
    return {
        role: issue_token(user, scope=ApiToken.Scope.READ)[1] for role, user in world.users.items()
    }


@pytest.fixture(scope="module")
def csrf_clients(matrix):  # noqa: F811
    world, _ = matrix
    clients = {}
    for role, user in world.users.items():
        clients[role] = Client(enforce_csrf_checks=True)
        clients[role].force_login(user)
    return clients


@pytest.mark.parametrize(("row", "role"), list(_routes()))
def test_head_write_changes_nothing(matrix, read_tokens, csrf_clients, row, role):  # noqa: F811
    world, _ = matrix
    url = _url(row, world, role)
    attempts = [("a session without a CSRF token", csrf_clients[role], {})]
    if is_api(url):
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {read_tokens[role]}"}
        attempts.append(("a read-only token", Client(), bearer))
    for how, client, headers in attempts:
        with undone(), writes_watched() as written:
            response = _head_with_body(client, url, **headers)
        assert response.status_code < 500, f"HEAD {url} with {how}: {response.status_code}"
        assert not written, f"HEAD {url} with {how} as {role} wrote: {written}"


def test_head_write_routes_include_every_nested_write():
    """The walk covers the nested resources that once wrote on HEAD."""
    walked = {row.pattern for row in ROWS}
    for name in (
        "api:referral-risk",
        "api:referral-documents",
        "api:referral-sessions",
        "api:referral-concerns",
        "api:referral-end-of-service-report",
    ):
        assert name in walked


def test_head_write_no_view_decides_write_from_not_get():
    """Writes dispatch on their own method: no view branches on "is it a GET", and no API
    action serves a read and a write from one handler (HEAD would take the write branch)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    branch_on_get = re.compile(r"""request\.method\s*(==|!=)\s*["']GET["']\s*:""")
    read_and_write = re.compile(r"""methods=\[[^\]]*["']get["'][^\]]*["'](post|put|patch|delete)""")
    offenders = []
    for path in sorted(root.glob("*/**/*.py")):
        if ".venv" in path.parts or "tests" in path.parts or "node_modules" in path.parts:
            continue
        text = path.read_text()
        for pattern in (branch_on_get, read_and_write):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(root)}:{line}: {match.group(0)}")
    assert not offenders, "Views that treat 'not GET' as a write:\n" + "\n".join(offenders)
