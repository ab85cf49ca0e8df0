"""The probation case record through the HMPPS APIs (`reference/hmpps-case-apis.md`):

- HMPPS Auth, client credentials: `POST {HMPPS_AUTH_URL}/auth/oauth/token?grant_type=
  client_credentials` with HTTP Basic; the token is kept in Django's cache until shortly
  before it expires, shared by every process.
- Assess risks and needs: `GET {HMPPS_ARN_URL}/risks/rosh/{crn}` (role ROLE_ARNS__RISKS__RO).
- The Delius integration for referrals: `GET {HMPPS_DELIUS_URL}/probation-case/{crn}/details`
  (role ROLE_CRS_REFERRAL).

Every call has a connect and a read timeout and the whole of one look-up a deadline; a
transient failure (no connection, 500, 502, 503, 504) is tried again after a doubling
pause while the deadline allows; a read timeout is not, since a slow upstream would only
hold the request longer. Each upstream has a circuit breaker (`caserecord.breaker`). Each
call is logged by upstream, path pattern, status and time: never a CRN or anything returned.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from caserecord.breaker import CircuitBreaker
from caserecord.records import (
    CaseNotFound,
    CasePerson,
    CaseRecordUnavailable,
    Disability,
    RiskToSelfAnswer,
    RoshAssessment,
)

logger = logging.getLogger(__name__)

TOKEN_PATH = "/auth/oauth/token"
ROSH_PATH = "/risks/rosh/{crn}"
DETAILS_PATH = "/probation-case/{crn}/details"
ARN_ROLE = "ROLE_ARNS__RISKS__RO"
DELIUS_ROLE = "ROLE_CRS_REFERRAL"
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
UNAVAILABLE = "The probation case record cannot be reached at the moment"


@dataclass(frozen=True)
class HmppsSettings:
    auth_url: str
    arn_url: str
    delius_url: str
    client_id: str
    client_secret: str
    connect_timeout: float
    read_timeout: float
    deadline: float
    retries: int
    backoff: float
    breaker_failures: int
    breaker_open_seconds: float


class HmppsCaseRecord:
    enabled = True
    person_source = "the probation case record (nDelius)"
    risk_source = "OASys, through Assess risks and needs"

    def __init__(self, config: HmppsSettings, *, session: requests.Session | None = None):
        self.config = config
        self.session = session or requests.Session()
        self.breakers = {
            name: CircuitBreaker(
                name,
                failures=config.breaker_failures,
                open_seconds=config.breaker_open_seconds,
            )
            for name in ("auth", "arn", "delius")
        }
        digest = hashlib.sha256(f"{config.auth_url} {config.client_id}".encode()).hexdigest()
        self._token_key = f"caserecord:token:{digest[:16]}"

    @classmethod
    def from_settings(cls) -> HmppsCaseRecord:
        return cls(
            HmppsSettings(
                auth_url=settings.HMPPS_AUTH_URL.rstrip("/"),
                arn_url=settings.HMPPS_ARN_URL.rstrip("/"),
                delius_url=settings.HMPPS_DELIUS_URL.rstrip("/"),
                client_id=settings.HMPPS_CLIENT_ID,
                client_secret=settings.HMPPS_CLIENT_SECRET,
                connect_timeout=settings.CASE_RECORD_CONNECT_TIMEOUT_SECONDS,
                read_timeout=settings.CASE_RECORD_READ_TIMEOUT_SECONDS,
                deadline=settings.CASE_RECORD_DEADLINE_SECONDS,
                retries=settings.CASE_RECORD_RETRIES,
                backoff=settings.CASE_RECORD_BACKOFF_SECONDS,
                breaker_failures=settings.CASE_RECORD_BREAKER_FAILURES,
                breaker_open_seconds=settings.CASE_RECORD_BREAKER_OPEN_SECONDS,
            )
        )

    # The two look-ups ---------------------------------------------------------------------

    def person(self, crn: str) -> CasePerson:
        body = self._get("delius", self.config.delius_url, DETAILS_PATH, crn)
        if body is None:
            raise CaseNotFound(f"The probation case record has no person with CRN {crn}")
        return _read("delius", DETAILS_PATH, person_from_details, body)

    def rosh(self, crn: str) -> RoshAssessment:
        body = self._get("arn", self.config.arn_url, ROSH_PATH, crn)
        if body is None:
            raise CaseNotFound(
                "There is no risk of serious harm assessment completed in the last year"
            )
        return _read("arn", ROSH_PATH, lambda answer: rosh_from_arn(crn, answer), body)

    # Tokens -------------------------------------------------------------------------------

    def token(self, *, fresh: bool = False) -> str:
        """The client's access token, from the cache unless `fresh` or expired."""
        if not fresh:
            cached = cache.get(self._token_key)
            if cached:
                return cached
        breaker = self.breakers["auth"]
        if breaker.is_open():
            logger.info("Case record auth: circuit open, not called")
            raise CaseRecordUnavailable(UNAVAILABLE)
        started = time.monotonic()
        try:
            response = self.session.post(
                f"{self.config.auth_url}{TOKEN_PATH}",
                params={"grant_type": "client_credentials"},
                auth=(self.config.client_id, self.config.client_secret),
                headers={"Accept": "application/json"},
                timeout=(self.config.connect_timeout, self.config.read_timeout),
            )
        except requests.RequestException as exc:
            self._log("auth", "POST", TOKEN_PATH, type(exc).__name__, started, 1)
            breaker.failed()
            raise CaseRecordUnavailable(UNAVAILABLE) from exc
        self._log("auth", "POST", TOKEN_PATH, response.status_code, started, 1)
        if response.status_code != 200:
            if response.status_code in TRANSIENT_STATUSES:
                breaker.failed()
            else:
                logger.error("Case record auth refused the portal's client credentials")
            raise CaseRecordUnavailable(UNAVAILABLE)
        breaker.succeeded()
        try:
            body = response.json()
            token, expires_in = body["access_token"], int(body.get("expires_in", 0))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            logger.error("Case record auth: a token response not in the published shape")
            raise CaseRecordUnavailable(UNAVAILABLE) from exc
        # Dropped a minute before it expires (half its life if that is shorter), so a token
        # never runs out between the cache and the API.
        keep = expires_in - min(60, expires_in // 2)
        if keep > 0:
            cache.set(self._token_key, token, timeout=keep)
        return token

    # One GET, tried again while it may help -----------------------------------------------

    def _get(self, upstream: str, base_url: str, path: str, crn: str) -> dict | None:
        """The JSON body, or None for a 404; raises CaseRecordUnavailable otherwise."""
        breaker = self.breakers[upstream]
        if breaker.is_open():
            logger.info("Case record %s: circuit open, not called", upstream)
            raise CaseRecordUnavailable(UNAVAILABLE)
        url = base_url + path.format(crn=quote(crn, safe=""))
        deadline = time.monotonic() + self.config.deadline
        token = self.token()
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            # Never past the deadline: the last try gets what is left of it.
            read_timeout = max(0.1, min(self.config.read_timeout, deadline - started))
            transient = False
            try:
                response = self.session.get(
                    url,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    timeout=(self.config.connect_timeout, read_timeout),
                )
            except requests.ConnectTimeout as exc:
                self._log(upstream, "GET", path, "ConnectTimeout", started, attempt)
                transient, failure = True, exc
            except requests.Timeout as exc:
                # Slow, not down: trying again would hold the request for as long again.
                self._log(upstream, "GET", path, "ReadTimeout", started, attempt)
                breaker.failed()
                raise CaseRecordUnavailable(UNAVAILABLE) from exc
            except requests.RequestException as exc:
                self._log(upstream, "GET", path, type(exc).__name__, started, attempt)
                transient, failure = True, exc
            else:
                status = response.status_code
                self._log(upstream, "GET", path, status, started, attempt)
                if status == 200:
                    breaker.succeeded()
                    return _read(upstream, path, lambda answer: answer, response)
                if status == 404:
                    breaker.succeeded()
                    return None
                if status == 401 and not refreshed:
                    # Revoked or expired early: one new token, then the same call again.
                    token, refreshed = self.token(fresh=True), True
                    attempt -= 1
                    continue
                if status in (401, 403):
                    role = ARN_ROLE if upstream == "arn" else DELIUS_ROLE
                    logger.error(
                        "Case record %s refused the portal's client (%s): does it have %s?",
                        upstream,
                        status,
                        role,
                    )
                    raise CaseRecordUnavailable(UNAVAILABLE)
                transient = status in TRANSIENT_STATUSES
                failure = None
            pause = self.config.backoff * 2 ** (attempt - 1)
            if (
                not transient
                or attempt > self.config.retries
                or time.monotonic() + pause >= deadline
            ):
                breaker.failed()
                raise CaseRecordUnavailable(UNAVAILABLE) from failure
            time.sleep(pause)

    @staticmethod
    def _log(upstream: str, method: str, path: str, outcome, started: float, attempt: int):
        # The path pattern, never the CRN in it.
        logger.info(
            "Case record %s: %s %s -> %s in %d ms (attempt %d)",
            upstream,
            method,
            path,
            outcome,
            (time.monotonic() - started) * 1000,
            attempt,
        )


# The published shapes, read into the portal's records ------------------------------------


def _read(upstream: str, path: str, reader, answer):
    """`reader(answer)` (a response is read as JSON first); an answer not in the published
    shape is the record being unavailable, logged without its content."""
    try:
        if isinstance(answer, requests.Response):
            answer = answer.json()
            if not isinstance(answer, dict):
                raise TypeError("not a JSON object")
            return answer
        return reader(answer)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.error("Case record %s: %s answered in a shape not published", upstream, path)
        raise CaseRecordUnavailable(UNAVAILABLE) from exc


def _text(value) -> str:
    return str(value).strip() if value not in (None, "") else ""


def _date(value) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _datetime(value) -> datetime | None:
    """ARN's `assessedOn` is a local date-time (Europe/London), offset or none."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _address(contact: dict) -> str:
    if contact.get("noFixedAbode"):
        return "No fixed abode"
    main = contact.get("mainAddress") or {}
    street = " ".join(
        part for part in (_text(main.get("buildingNumber")), _text(main.get("streetName"))) if part
    )
    lines = [
        _text(main.get("buildingName")),
        street,
        _text(main.get("district")),
        _text(main.get("town")),
        _text(main.get("county")),
        _text(main.get("postcode")),
    ]
    return "\n".join(line for line in lines if line)


def person_from_details(body: dict) -> CasePerson:
    """A `CaseDetail` of the Delius integration (crn, name, dateOfBirth, gender, profile,
    contactDetails)."""
    name = body.get("name") or {}
    profile = body.get("profile") or {}
    contact = body.get("contactDetails") or {}
    return CasePerson(
        crn=body["crn"],
        first_name=_text(name.get("forename")),
        last_name=_text(name.get("surname")),
        date_of_birth=_date(body.get("dateOfBirth")),
        gender=_text(body.get("gender")),
        primary_language=_text(profile.get("primaryLanguage")),
        disabilities=tuple(
            Disability(
                kind=_text(item.get("type")),
                start_date=_date(item.get("startDate") or item.get("start")),
                notes=_text(item.get("notes")),
            )
            for item in profile.get("disabilities") or []
            # One that has ended is no longer an access need.
            if not (item.get("endDate") or item.get("end"))
        ),
        no_fixed_abode=bool(contact.get("noFixedAbode")),
        address=_address(contact),
        email=_text(contact.get("emailAddress")),
        telephone=_text(contact.get("telephoneNumber")),
        mobile=_text(contact.get("mobileNumber")),
    )


def _answer(value) -> RiskToSelfAnswer:
    value = value or {}
    return RiskToSelfAnswer(
        risk=_text(value.get("risk")),
        current=_text(value.get("current")),
        current_concerns=_text(value.get("currentConcernsText")),
        previous=_text(value.get("previous")),
        previous_concerns=_text(value.get("previousConcernsText")),
    )


def rosh_from_arn(crn: str, body: dict) -> RoshAssessment:
    """An `AllRoshRiskDto` of Assess risks and needs (summary, riskToSelf, otherRisks,
    assessedOn)."""
    summary = body.get("summary") or {}
    to_self = body.get("riskToSelf") or {}
    levels: dict[str, str] = {}
    for level, groups in (summary.get("riskInCommunity") or {}).items():
        for group in groups or []:
            levels[_text(group)] = _text(level).upper()
    return RoshAssessment(
        crn=crn,
        assessed_on=_datetime(body.get("assessedOn") or summary.get("assessedOn")),
        community_levels=levels,
        overall_level=_text(summary.get("overallRiskLevel")).upper(),
        who_is_at_risk=_text(summary.get("whoIsAtRisk")),
        nature_of_risk=_text(summary.get("natureOfRisk")),
        risk_imminence=_text(summary.get("riskImminence")),
        risk_increase_factors=_text(summary.get("riskIncreaseFactors")),
        risk_mitigation_factors=_text(summary.get("riskMitigationFactors")),
        analysis_of_risk_factors=_text(summary.get("analysisOfRiskFactors")),
        risk_to_self={
            name: _answer(to_self.get(name))
            for name in ("suicide", "selfHarm", "custody", "hostelSetting", "vulnerability")
            if to_self.get(name)
        },
        risk_to_self_assessed_on=_datetime(to_self.get("assessedOn")),
        summary_assessed_on=_datetime(summary.get("assessedOn")),
    )
