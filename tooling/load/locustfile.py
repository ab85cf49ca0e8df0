"""The load test's journeys, for locust (`tooling.load.runner` starts it).

Practitioners search the directory, open services, list their PDU's referrals and make and
send complete referrals; provider admins read their inbox and accept what arrives. Every
call goes through the API with a Bearer token, as a case system would.

The runner passes, in the environment: `LOAD_ACCOUNTS` (the seeded accounts' JSON),
`LOAD_RECORD` (where to write the referrals sent and accepted), `LOAD_RUN_ID`,
`LOAD_CRN_START` (the first CRN number free for this run) and `LOAD_PROVIDER_USERS`.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from pathlib import Path

from locust import FastHttpUser, between, events, task

from tooling.load.figures import PAST_START_SECONDS, past_start

ACCOUNTS = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text(encoding="utf-8"))
RECORD_PATH = os.environ["LOAD_RECORD"]
RUN_ID = os.environ["LOAD_RUN_ID"]
# CRNs are unique per open referral and service: each run takes numbers never used before.
CRN_NUMBERS = itertools.count(int(os.environ.get("LOAD_CRN_START", "0")))
# Picks journeys and search terms, never secrets.
RANDOM = random.Random()  # noqa: S311
SEARCH_TERMS = [
    "housing",
    "hostel",
    "employment",
    "training",
    "debt",
    "benefits",
    "recovery",
    "wellbeing",
    "family",
    "mentoring",
    "women",
    "support",
]
PERSON = {
    "first_name": "Sam",
    "last_name": "Loadtest",
    "date_of_birth": "1988-03-14",
    "sex": "male",
    "phone": "07700 900456",
    "address": "2 Example Road",
    "consent_basis": "consent",
    "reason": "Needs support to keep a tenancy and to manage money after a recent move.",
}
RISK = {
    "rosh_children": "low",
    "rosh_public": "medium",
    "rosh_known_adult": "low",
    "rosh_staff": "low",
    "summary": "No violence in the last five years.",
    "risk_to_self": "None known.",
    "staff_safety": "Usual lone-working arrangements.",
    "last_assessed_on": "2026-01-15",
}

# What the runner checks against the database afterwards.
sent: list[dict] = []
accepted: list[str] = []
# Each request's start, journey, time (ms) and whether it failed: the figures past the
# start (`tooling.load.figures`).
timings: list[tuple[float, str, float, bool]] = []


def _figures(entry) -> dict:
    """Locust's figures for one journey, or for all of them; latencies in milliseconds."""
    return {
        "name": entry.name,
        "requests": entry.num_requests,
        "errors": entry.num_failures,
        "requests_per_second": round(entry.total_rps, 1),
        "p50_ms": entry.get_response_time_percentile(0.5) if entry.num_requests else None,
        "p95_ms": entry.get_response_time_percentile(0.95) if entry.num_requests else None,
    }


@events.test_stop.add_listener
def write_record(environment, **kwargs):
    """Once every user has finished: the figures, the failures and the referrals seen."""
    stats = environment.stats
    record = {
        "journeys": [_figures(entry) for _, entry in sorted(stats.entries.items())],
        "overall": {**_figures(stats.total), "name": "all journeys"},
        "failures": [error.to_dict() for error in stats.errors.values()],
        "exceptions": sum(e["count"] for e in environment.runner.exceptions.values()),
        "past_start": past_start(timings, PAST_START_SECONDS),
        "sent": sent,
        "accepted": accepted,
    }
    Path(RECORD_PATH).write_text(json.dumps(record), encoding="utf-8")


@events.request.add_listener
def time_request(name, response_time, exception=None, **kwargs):
    timings.append(
        (time.monotonic() - response_time / 1000, name, response_time, exception is not None)
    )


def _headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        # The loopback stands in for the TLS proxy of a real deployment.
        "X-Forwarded-Proto": "https",
    }


def _expect(response, status: int) -> bool:
    """Count anything but the expected status as a failure of the journey."""
    if response.status_code != status:
        response.failure(f"{response.status_code} instead of {status}")
        return False
    return True


class Practitioner(FastHttpUser):
    wait_time = between(0.1, 0.5)
    accounts = itertools.cycle(ACCOUNTS["practitioners"])

    def on_start(self):
        account = next(self.accounts)
        self.headers = _headers(account["token"])
        self.pdu = account["pdu"]
        self.services = account["services"]
        self.found = [service["id"] for service in self.services]
        # Every practitioner sends at least one referral, however short the run.
        self.make_and_send_referral()

    @task(5)
    def search_directory(self):
        params = {"pdu": self.pdu}
        if RANDOM.random() < 0.7:
            params["q"] = RANDOM.choice(SEARCH_TERMS)
        if RANDOM.random() < 0.5:
            params["category"] = RANDOM.choice(ACCOUNTS["categories"])
        with self.client.get(
            "/api/v1/services/",
            params=params,
            headers=self.headers,
            name="search directory",
            catch_response=True,
        ) as response:
            if _expect(response, 200):
                found = [service["id"] for service in response.json()["results"]]
                self.found = found or self.found

    @task(3)
    def open_service(self):
        with self.client.get(
            f"/api/v1/services/{RANDOM.choice(self.found)}/",
            headers=self.headers,
            name="open service",
            catch_response=True,
        ) as response:
            _expect(response, 200)

    @task(2)
    def list_referrals(self):
        with self.client.get(
            "/api/v1/referrals/",
            headers=self.headers,
            name="list referrals",
            catch_response=True,
        ) as response:
            _expect(response, 200)

    @task(1)
    def make_and_send_referral(self):
        service = RANDOM.choice(self.services)
        number = next(CRN_NUMBERS)
        with self.client.post(
            "/api/v1/referrals/",
            json={"service": service["id"], "crn": f"L{number % 1_000_000:06d}"},
            headers={**self.headers, "Idempotency-Key": f"{RUN_ID}-{number}"},
            name="create referral",
            catch_response=True,
        ) as response:
            if not _expect(response, 201):
                return
            referral = response.json()["id"]
        with self.client.patch(
            f"/api/v1/referrals/{referral}/",
            json={**PERSON, "desired_outcomes": service["desired_outcomes"]},
            headers=self.headers,
            name="complete referral",
            catch_response=True,
        ) as response:
            if not _expect(response, 200):
                return
        with self.client.put(
            f"/api/v1/referrals/{referral}/risk/",
            json=RISK,
            headers=self.headers,
            name="add risk information",
            catch_response=True,
        ) as response:
            if not _expect(response, 200):
                return
        with self.client.post(
            f"/api/v1/referrals/{referral}/send/",
            headers=self.headers,
            name="send referral",
            catch_response=True,
        ) as response:
            if not _expect(response, 200):
                return
            body = response.json()
            if body["status"] != "sent":
                response.failure(f"status {body['status']} after sending")
                return
            sent.append({"id": body["id"], "reference": body["reference"]})


class ProviderAdmin(FastHttpUser):
    # One per organisation, so that no two accept the same referral.
    fixed_count = int(os.environ.get("LOAD_PROVIDER_USERS", "1"))
    wait_time = between(0.1, 0.5)
    accounts = iter(ACCOUNTS["providers"])

    def on_start(self):
        account = next(self.accounts)
        self.headers = _headers(account["token"])
        self.inbox: list[str] = []
        self.tried: set[str] = set()

    @task(3)
    def read_inbox(self):
        with self.client.get(
            "/api/v1/referrals/",
            params={"status": "sent"},
            headers=self.headers,
            name="provider inbox",
            catch_response=True,
        ) as response:
            if not _expect(response, 200):
                return
            self.inbox = [
                referral["id"]
                for referral in response.json()["results"]
                if referral["id"] not in self.tried
            ]

    @task(1)
    def accept_referral(self):
        if not self.inbox:
            return
        referral = self.inbox.pop()
        self.tried.add(referral)
        with self.client.post(
            f"/api/v1/referrals/{referral}/accept/",
            headers=self.headers,
            name="accept referral",
            catch_response=True,
        ) as response:
            if not _expect(response, 200):
                return
            if response.json()["status"] != "accepted":
                response.failure(f"status {response.json()['status']} after accepting")
            else:
                accepted.append(referral)
