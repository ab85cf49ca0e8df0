"""The HMPPS case-record client against the stand-in, over HTTP: tokens cached and renewed,
the published shapes read into the portal's records, and an upstream that is unknown,
failing, slow or down told apart and never let hold a request."""

import logging
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from caserecord import hmpps
from caserecord.hmpps import HmppsCaseRecord
from caserecord.records import CaseNotFound, CaseRecordUnavailable
from caserecord.sources import NoCaseRecord, case_record_source

pytestmark = pytest.mark.usefixtures("standin")


def client() -> HmppsCaseRecord:
    source = case_record_source()
    assert isinstance(source, HmppsCaseRecord)
    return source


def test_manual_entry_is_the_default_and_fetches_nothing(settings, standin):
    settings.CASE_RECORD_SOURCE = "none"
    source = case_record_source()
    assert isinstance(source, NoCaseRecord) and not source.enabled
    with pytest.raises(CaseRecordUnavailable):
        source.person("D100001")
    assert sum(standin.calls.values()) == 0


def test_with_nothing_set_the_settings_choose_manual_entry():
    base_dir = Path(__file__).resolve().parents[2]
    dotenv = base_dir / ".env"
    if dotenv.exists() and "CASE_RECORD_SOURCE" in dotenv.read_text():
        pytest.skip("this checkout's .env chooses a case record")
    environment = {k: v for k, v in os.environ.items() if k != "CASE_RECORD_SOURCE"}
    environment["DJANGO_SETTINGS_MODULE"] = "partnership.settings.base"
    shown = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from caserecord.sources import case_record_source; "
            "print(type(case_record_source()).__name__)",
        ],
        cwd=base_dir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "NoCaseRecord"


def test_the_token_is_fetched_once_and_reused(standin):
    client().person("D100001")
    client().rosh("D100001")
    client().person("D100002")
    assert standin.calls["token"] == 1
    assert standin.calls["details"] == 2 and standin.calls["rosh"] == 1


def test_a_revoked_token_is_replaced_and_the_call_made_again(standin):
    client().person("D100001")
    standin.revoke_tokens()
    person = client().person("D100001")
    assert person.first_name == "Kyle"
    assert standin.calls["token"] == 2


def test_a_token_is_renewed_before_it_expires(standin):
    client().person("D100001")
    # A minute before its 1199 seconds are up, the cached token is dropped.
    with time_machine.travel(timezone.now() + timedelta(seconds=1199 - 59)):
        client().person("D100001")
    assert standin.calls["token"] == 2


def test_the_person_is_read_from_the_published_case_details():
    person = client().person("D100030")
    assert (person.crn, person.first_name, person.last_name) == ("D100030", "Tomasz", "Nowak")
    assert person.date_of_birth == date(1992, 8, 17)
    assert person.gender == "Male"
    assert person.primary_language == "Polish"
    assert [(d.kind, d.start_date, d.notes) for d in person.disabilities] == [
        ("Hearing impairment", date(2015, 3, 1), "Uses a hearing aid; a quiet room helps")
    ]
    assert person.address == "30 Example Street\nManchester\nM1 1AA"
    assert (person.mobile, person.telephone) == ("07700 900030", "0161 496 0030")


def test_the_rosh_is_read_from_the_published_assessment():
    rosh = client().rosh("D100030")
    assert rosh.community_levels == {
        "Children": "HIGH",
        "Known Adult": "HIGH",
        "Public": "MEDIUM",
        "Staff": "LOW",
    }
    assert rosh.overall_level == "HIGH"
    assert rosh.who_is_at_risk.startswith("A former partner")
    assert rosh.risk_to_self["selfHarm"].risk == "YES"
    assert rosh.risk_to_self["selfHarm"].previous_concerns.startswith("Self-harm in custody")
    assert rosh.risk_to_self["hostelSetting"].risk == "DON'T KNOW"
    assert timezone.is_aware(rosh.assessed_on)
    assert (timezone.localdate() - timezone.localdate(rosh.assessed_on)).days == 45


def test_an_unknown_crn_is_not_found():
    with pytest.raises(CaseNotFound):
        client().person("X999999")
    with pytest.raises(CaseNotFound):
        client().rosh("X999999")


def test_an_assessment_older_than_a_year_is_not_returned():
    # As Assess risks and needs does: only assessments of the last year.
    with pytest.raises(CaseNotFound):
        client().rosh("D100031")
    assert client().person("D100031").last_name == "Gallagher"


def test_a_500_is_tried_again_then_reported_unavailable(standin, settings):
    settings.CASE_RECORD_RETRIES = 2
    standin.fail("details", 500)
    with pytest.raises(CaseRecordUnavailable):
        client().person("D100001")
    assert standin.calls["details"] == 3


def test_a_transient_failure_that_clears_is_not_seen(standin):
    standin.fail("rosh", 503, times=1)
    assert client().rosh("D100001").overall_level == "MEDIUM"
    assert standin.calls["rosh"] == 2


def test_transient_failures_are_tried_again_after_a_doubling_pause(standin, settings, monkeypatch):
    settings.CASE_RECORD_RETRIES = 2
    settings.CASE_RECORD_BACKOFF_SECONDS = 0.1
    pauses = []
    monkeypatch.setattr(hmpps.time, "sleep", pauses.append)
    standin.fail("details", 503, times=2)
    assert client().person("D100001").first_name == "Kyle"
    assert standin.calls["details"] == 3
    assert pauses == [0.1, 0.2]


def test_no_pause_is_taken_that_would_pass_the_deadline(standin, settings, monkeypatch):
    settings.CASE_RECORD_RETRIES = 2
    settings.CASE_RECORD_DEADLINE_SECONDS = 1
    settings.CASE_RECORD_BACKOFF_SECONDS = 5
    pauses = []
    monkeypatch.setattr(hmpps.time, "sleep", pauses.append)
    standin.fail("details", 503)
    with pytest.raises(CaseRecordUnavailable):
        client().person("D100001")
    assert standin.calls["details"] == 1 and pauses == []


def test_a_timeout_is_not_tried_again(standin):
    standin.stall("rosh", 3)
    started = time.monotonic()
    with pytest.raises(CaseRecordUnavailable):
        client().rosh("D100001")
    # Given up at the read timeout (0.5 s here), not held for the upstream's 3 s.
    assert time.monotonic() - started < 2
    assert standin.calls["rosh"] == 1


def test_the_circuit_opens_after_repeated_failures(standin, settings):
    settings.CASE_RECORD_RETRIES = 0
    settings.CASE_RECORD_BREAKER_FAILURES = 3
    standin.fail("details", 502)
    for _ in range(3):
        with pytest.raises(CaseRecordUnavailable):
            client().person("D100001")
    standin.failures.clear()
    # Open: the upstream is not called at all, however healthy it is now.
    with pytest.raises(CaseRecordUnavailable):
        client().person("D100001")
    assert standin.calls["details"] == 3
    # The other upstream has a circuit of its own.
    assert client().rosh("D100001").overall_level == "MEDIUM"


def test_bad_credentials_are_reported_unavailable(settings):
    settings.HMPPS_CLIENT_SECRET = "wrong"
    with pytest.raises(CaseRecordUnavailable):
        client().person("D100001")


def test_calls_are_logged_without_the_crn_or_what_came_back(standin, caplog):
    with caplog.at_level(logging.INFO, logger="caserecord"):
        client().person("D100030")
        client().rosh("D100030")
        with pytest.raises(CaseNotFound):
            client().person("X999999")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /probation-case/{crn}/details -> 200" in logged
    assert "GET /risks/rosh/{crn} -> 200" in logged
    assert "POST /auth/oauth/token -> 200" in logged
    for secret in ("D100030", "X999999", "Nowak", "Tomasz", "Polish", "former partner"):
        assert secret not in logged


def test_an_answer_not_in_the_published_shape_is_unavailable(standin):
    standin.details["D100001"] = {"name": "not an object"}
    with pytest.raises(CaseRecordUnavailable):
        client().person("D100001")
    assessed = standin.assessments["D100001"]["assessedOn"]
    standin.assessments["D100001"] = {"assessedOn": assessed, "summary": "not an object"}
    with pytest.raises(CaseRecordUnavailable):
        client().rosh("D100001")
    # Answered, not failed: nothing was tried again.
    assert standin.calls["details"] == 1 and standin.calls["rosh"] == 1
