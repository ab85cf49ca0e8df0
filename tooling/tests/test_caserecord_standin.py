"""The stand-in case record as `make run` starts it: its own process, seeded with the demo's
people, answering the published paths to the portal's HMPPS client."""

import os
import time

import pytest
import requests

from tooling.launcher import case_record_children

START_WITHIN_SECONDS = 60


def test_run_starts_the_stand_in_and_points_the_portal_at_it():
    env = {**os.environ}
    env.pop("CASE_RECORD_SOURCE", None)
    children = case_record_children(env)
    assert [child.name for child in children] == ["caserecord"]
    assert env["CASE_RECORD_SOURCE"] == "hmpps"
    base = env["HMPPS_ARN_URL"]
    assert env["HMPPS_DELIUS_URL"] == env["HMPPS_AUTH_URL"] == base
    child = children[0]
    child.start()
    try:
        # Waits for the process to listen; the test asserts what it answers, not how fast.
        deadline = time.monotonic() + START_WITHIN_SECONDS
        while True:
            try:
                token = requests.post(
                    f"{base}/auth/oauth/token",
                    params={"grant_type": "client_credentials"},
                    auth=(env["HMPPS_CLIENT_ID"], env["HMPPS_CLIENT_SECRET"]),
                    timeout=2,
                ).json()
                break
            except requests.ConnectionError:
                assert child.exit_status() is None, child.exit_status()
                if time.monotonic() > deadline:
                    pytest.fail("the stand-in never listened")
                time.sleep(0.2)
        assert token["token_type"] == "bearer" and token["expires_in"] > 0
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        details = requests.get(f"{base}/probation-case/D100001/details", headers=headers, timeout=5)
        assert details.json()["name"] == {"forename": "Kyle", "surname": "Brennan"}
        rosh = requests.get(f"{base}/risks/rosh/D100001", headers=headers, timeout=5).json()
        assert set(rosh) == {"summary", "riskToSelf", "otherRisks", "assessedOn"}
        assert requests.get(f"{base}/risks/rosh/D100001", timeout=5).status_code == 401
    finally:
        child.terminate()
        child.wait(10)


def test_a_configured_case_record_starts_no_stand_in():
    env = {"CASE_RECORD_SOURCE": "none"}
    assert case_record_children(env) == []
    assert env == {"CASE_RECORD_SOURCE": "none"}
