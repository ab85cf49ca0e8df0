"""A stand-in for the probation case record, for `make run` and the tests: a small HTTP
server that answers the published paths in the published shapes of the HMPPS APIs
(`reference/hmpps-case-apis.md`), seeded with the demo's people, so that prefilling a
referral can be walked on a fresh checkout. The portal reaches it over HTTP through the
same client as production (`caserecord.hmpps`); none of this is the portal's code path.

    POST /auth/oauth/token?grant_type=client_credentials   HTTP Basic client id and secret
    GET  /risks/rosh/{crn}                                  role ROLE_ARNS__RISKS__RO
    GET  /probation-case/{crn}/details                      role ROLE_CRS_REFERRAL
    GET  /probation-case/{crn}/responsible-officer          role ROLE_CRS_REFERRAL

As Assess risks and needs does, it answers 404 for an assessment older than a year. Tests
can make a path fail (`fail`) or stall (`stall`), revoke tokens, and count the calls.

    python -m tooling.caserecord_standin [--host 127.0.0.1] [--port 8090]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import re
import secrets
import threading
import time
from collections import Counter
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CLIENT_ID = "probation-partnerships"
CLIENT_SECRET = "stand-in-secret"
CLIENT_ROLES = ("ROLE_ARNS__RISKS__RO", "ROLE_CRS_REFERRAL")
TOKEN_SECONDS = 1199

# People the stand-in knows besides the demo's referrals: one to refer afresh, one whose
# only assessment is more than a year old, one never assessed.
EXTRA_PEOPLE = [
    ("D100030", "Tomasz", "Nowak", date(1992, 8, 17), "male"),
    ("D100031", "Reece", "Gallagher", date(1984, 1, 9), "male"),
    ("D100032", "Dean", "Ashworth", date(1997, 12, 2), "male"),
]
STALE = {"D100031": 430}
NEVER_ASSESSED = {"D100032"}


def _demo_people() -> list[tuple[str, str, str, date, str]]:
    """(CRN, first, last, born, sex) of every person in the demo's referrals, then the extras."""
    from referrals import demo

    people = [(crn, first, last, born, sex) for _, crn, first, last, born, sex, _ in demo.PEOPLE]
    people += [(crn, first, last, born, "male") for crn, first, last, born, _ in demo.HISTORY]
    people += [(crn, first, last, born, "male") for crn, first, last, born, _ in demo.QUEUES]
    return people + EXTRA_PEOPLE


def case_details(crn: str, first: str, last: str, born: date, sex: str) -> dict:
    """A Delius integration `CaseDetail`."""
    number = int(crn[-3:])
    polish = crn == "D100030"
    return {
        "crn": crn,
        "name": {"forename": first, "surname": last},
        "dateOfBirth": born.isoformat(),
        "gender": sex.capitalize(),
        "profile": {
            "primaryLanguage": "Polish" if polish else "English",
            "ethnicity": None,
            "religion": None,
            "disabilities": (
                [
                    {
                        "type": "Hearing impairment",
                        "startDate": "2015-03-01",
                        "notes": "Uses a hearing aid; a quiet room helps",
                    }
                ]
                if polish
                else []
            ),
        },
        "contactDetails": {
            "noFixedAbode": number % 7 == 3,
            "mainAddress": {
                "buildingName": None,
                "buildingNumber": str(number),
                "streetName": "Example Street",
                "district": None,
                "town": "Manchester",
                "county": None,
                "postcode": "M1 1AA",
            },
            "emailAddress": None,
            "telephoneNumber": f"0161 496 0{number:03d}",
            "mobileNumber": f"07700 900{number:03d}",
        },
    }


def _risk(answer: str = "NO", current: str = "", previous: str = "") -> dict:
    return {
        "risk": answer,
        "previous": "YES" if previous else "NO",
        "previousConcernsText": previous or None,
        "current": "YES" if current else "NO",
        "currentConcernsText": current or None,
    }


def rosh(crn: str, first: str, assessed_on: datetime) -> dict:
    """An Assess risks and needs `AllRoshRiskDto`."""
    stamp = assessed_on.replace(microsecond=0).isoformat()
    if crn == "D100030":
        community = {"HIGH": ["Children", "Known Adult"], "MEDIUM": ["Public"], "LOW": ["Staff"]}
        overall = "HIGH"
    else:
        community = {"MEDIUM": ["Public", "Known Adult"], "LOW": ["Children", "Staff"]}
        overall = "MEDIUM"
    return {
        "summary": {
            "whoIsAtRisk": f"A former partner of {first}, and her children.",
            "natureOfRisk": "Violence towards a former partner when drinking.",
            "riskImminence": "Greatest after a relationship ends or on release.",
            "riskIncreaseFactors": "Alcohol; contact with the former partner.",
            "riskMitigationFactors": "Stable housing; engagement with alcohol services.",
            "analysisOfRiskFactors": None,
            "riskInCommunity": community,
            "riskInCustody": {"LOW": ["Prisoners", "Staff"]},
            "overallRiskLevel": overall,
            "assessedOn": stamp,
        },
        "riskToSelf": {
            "suicide": _risk("NO"),
            "selfHarm": _risk("YES", previous="Self-harm in custody in 2019; none since."),
            "custody": _risk("NO"),
            "hostelSetting": _risk("DON'T KNOW"),
            "vulnerability": _risk("YES", current="Vulnerable to exploitation when drinking."),
            "assessedOn": stamp,
        },
        "otherRisks": {
            "escapeOrAbscond": "NO",
            "controlIssuesDisruptiveBehaviour": "NO",
            "breachOfTrust": "N/A",
            "riskToOtherPrisoners": "NO",
            "assessedOn": stamp,
        },
        "assessedOn": stamp,
    }


def responsible_officer(crn: str) -> dict:
    return {
        "communityManager": {
            "code": "N07P001",
            "name": {"forename": "Demo", "surname": "Practitioner"},
            "username": "DEMO-PRACTITIONER",
            "email": "practitioner@demo.example",
            "responsibleOfficer": True,
        },
        "prisonManager": None,
    }


class CaseRecordStandIn:
    """The stand-in's data and behaviour; `serve()` puts it on a port."""

    def __init__(self, people=None, *, now=None):
        self._now = now or datetime.now
        self.details: dict[str, dict] = {}
        self.assessments: dict[str, dict] = {}
        self.within_a_year_only = True
        self.tokens: dict[str, tuple[str, float]] = {}
        self.token_seconds = TOKEN_SECONDS
        self.calls: Counter[str] = Counter()
        # Path kind ("token", "rosh", "details") -> (HTTP status to answer instead, how many
        # more times or None for all), or seconds to stall.
        self.failures: dict[str, tuple[int, int | None]] = {}
        self.stalls: dict[str, float] = {}
        self.lock = threading.Lock()
        for crn, first, last, born, sex in people if people is not None else _demo_people():
            self.add_person(crn, first, last, born, sex)

    def add_person(self, crn, first, last, born, sex, *, assessed_days_ago: int | None = None):
        self.details[crn] = case_details(crn, first, last, born, sex)
        if crn in NEVER_ASSESSED:
            return
        days = assessed_days_ago if assessed_days_ago is not None else STALE.get(crn, 45)
        assessed = self._now().replace(hour=10, minute=15, second=0) - timedelta(days=days)
        self.assessments[crn] = rosh(crn, first, assessed)

    def fail(self, kind: str, status: int = 500, *, times: int | None = None) -> None:
        """Answer `status` to calls of this kind: every one, or the next `times`."""
        self.failures[kind] = (status, times)

    def stall(self, kind: str, seconds: float) -> None:
        self.stalls[kind] = seconds

    def revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def issue_token(self, client_id: str) -> dict:
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = (client_id, time.monotonic() + self.token_seconds)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.token_seconds,
            "scope": "read",
            "sub": client_id,
            "auth_source": "none",
            "jti": secrets.token_hex(8),
            "iss": "http://stand-in/auth/issuer",
        }

    def token_roles(self, authorization: str) -> tuple[str, ...] | None:
        if not authorization.lower().startswith("bearer "):
            return None
        with self.lock:
            held = self.tokens.get(authorization[7:].strip())
        if held is None or held[1] < time.monotonic():
            return None
        return CLIENT_ROLES if held[0] == CLIENT_ID else ()

    def is_current(self, assessment: dict) -> bool:
        assessed = datetime.fromisoformat(assessment["assessedOn"])
        return not self.within_a_year_only or assessed >= self._now() - timedelta(days=365)


ROUTES = [
    (re.compile(r"^/risks/rosh/([A-Z][0-9]{6})$"), "rosh", "ROLE_ARNS__RISKS__RO"),
    (re.compile(r"^/probation-case/([A-Z][0-9]{6})/details$"), "details", "ROLE_CRS_REFERRAL"),
    (
        re.compile(r"^/probation-case/([A-Z][0-9]{6})/responsible-officer$"),
        "responsible-officer",
        "ROLE_CRS_REFERRAL",
    ),
]


def _handler(record: CaseRecordStandIn):
    class Handler(BaseHTTPRequestHandler):
        server_version = "CaseRecordStandIn/1"

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass  # quiet: the paths carry CRNs

        def _send(self, status: int, body: dict | None = None) -> None:
            payload = json.dumps(body if body is not None else {"status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _interfere(self, kind: str) -> bool:
            """A stall or failure a test asked for; True if the answer has been sent."""
            with record.lock:
                record.calls[kind] += 1
            if kind in record.stalls:
                time.sleep(record.stalls[kind])
            with record.lock:
                status, times = record.failures.get(kind, (None, None))
                if status is not None and times is not None:
                    if times > 1:
                        record.failures[kind] = (status, times - 1)
                    else:
                        del record.failures[kind]
            if status is None:
                return False
            self._send(status, {"status": status, "userMessage": "Stand-in failure"})
            return True

        def do_POST(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if url.path != "/auth/oauth/token":
                return self._send(404)
            if self._interfere("token"):
                return None
            if parse_qs(url.query).get("grant_type") != ["client_credentials"]:
                return self._send(400, {"error": "unsupported_grant_type"})
            basic = self.headers.get("Authorization", "")
            try:
                client_id, _, secret = (
                    base64.b64decode(basic.removeprefix("Basic ")).decode().partition(":")
                )
            except ValueError:
                client_id, secret = "", ""
            if not basic.startswith("Basic ") or (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
                return self._send(
                    401, {"error": "unauthorized", "error_description": "Bad credentials"}
                )
            return self._send(200, record.issue_token(client_id))

        def do_GET(self):
            path = urlsplit(self.path).path
            found = next(
                (
                    (pattern.match(path), kind, role)
                    for pattern, kind, role in ROUTES
                    if pattern.match(path)
                ),
                None,
            )
            if found is None:
                return self._send(404, {"status": 404, "userMessage": "No such path"})
            match, kind, role = found
            roles = record.token_roles(self.headers.get("Authorization", ""))
            if roles is None:
                return self._send(401, {"status": 401, "userMessage": "Unauthorised"})
            if role not in roles:
                return self._send(403, {"status": 403, "userMessage": "Forbidden"})
            if self._interfere(kind):
                return None
            crn = match.group(1)
            if kind == "rosh":
                assessment = record.assessments.get(crn)
                if assessment is None or not record.is_current(assessment):
                    return self._send(404, {"status": 404, "userMessage": "Not found"})
                return self._send(200, assessment)
            if crn not in record.details:
                return self._send(404, {"status": 404, "userMessage": "Not found"})
            if kind == "details":
                return self._send(200, record.details[crn])
            return self._send(200, responsible_officer(crn))

    return Handler


def serve(record: CaseRecordStandIn, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """The stand-in on `host:port` (0: any free port), answering on a thread of its own."""
    server = ThreadingHTTPServer((host, port), _handler(record))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="caserecord-standin", daemon=True).start()
    return server


def environ(url: str) -> dict[str, str]:
    """The settings that point the portal at a stand-in on `url`."""
    return {
        "CASE_RECORD_SOURCE": "hmpps",
        "HMPPS_AUTH_URL": url,
        "HMPPS_ARN_URL": url,
        "HMPPS_DELIUS_URL": url,
        "HMPPS_CLIENT_ID": CLIENT_ID,
        "HMPPS_CLIENT_SECRET": CLIENT_SECRET,
    }


def main(argv: list[str] | None = None) -> int:
    import django

    parser = argparse.ArgumentParser(description="The probation case record stand-in")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    django.setup()
    server = ThreadingHTTPServer((args.host, args.port), _handler(CaseRecordStandIn()))
    server.daemon_threads = True
    print(f"[caserecord] stand-in serving on http://{args.host}:{args.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
