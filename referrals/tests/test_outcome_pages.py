"""Outcome feedback in the pages: recording work, concerns reaching the practitioner, the report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partnership.models import Role
from partnership.tests.factories import UserFactory
from referrals.models import Concern, Status
from referrals.tests.factories import provider_admin_for, referral_in, sent_on

pytestmark = pytest.mark.django_db


def dated(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_caseworker_records_a_session_raises_an_urgent_concern_and_sends_the_report(client):
    referral = sent_on(referral_in(Status.ACCEPTED), timezone.localdate() - timedelta(days=7))
    caseworker = UserFactory(role=Role.CASEWORKER, organisation=referral.service.organisation)
    client.force_login(caseworker)
    base = f"/referrals/{referral.public_id}"
    assert (
        client.post(
            f"{base}/sessions/add/",
            {
                "kind": "first_contact",
                **dated("held_on", timezone.localdate() - timedelta(days=1)),
                "mode": "phone",
                "attendance": "attended",
            },
        ).status_code
        == 302
    )
    client.post(
        f"{base}/concerns/add/", {"urgency": "urgent", "what_happened": "Threatened a neighbour."}
    )

    client.force_login(referral.practitioner)
    home = client.get("/").content.decode()
    assert "Urgent concern on referral" in home
    concern = Concern.objects.get()
    client.post(f"{base}/concerns/{concern.public_id}/acknowledge/")
    assert "Urgent concern on referral" not in client.get("/").content.decode()

    client.force_login(caseworker)
    outcome = referral.desired_outcomes.first()
    missing = client.post(
        f"{base}/end-of-service-report/", {"closing_reason": "completed", "summary": "Done"}
    )
    assert f"Say whether ‘{outcome.description}’ was achieved" in missing.content.decode()
    client.post(
        f"{base}/end-of-service-report/",
        {
            f"outcome_{outcome.pk}": "achieved",
            "closing_reason": "completed",
            "summary": "Settled in a flat.",
        },
    )
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED
    client.force_login(referral.practitioner)
    assert (
        f"New end-of-service report for referral {referral.reference}"
        in client.get("/").content.decode()
    )
    client.force_login(caseworker)
    response = client.get(base + "/")
    page = response.content.decode()
    assert response.status_code == 200, page[:500]
    assert "Settled in a flat." in page, page[page.find("main-content") :][:3000]
    assert "Achieved" in page


def test_only_the_providers_staff_reach_the_recording_pages(client):
    referral = referral_in(Status.ACCEPTED)
    base = f"/referrals/{referral.public_id}"
    for outsider in (
        referral.practitioner,
        UserFactory(role=Role.CASEWORKER),
        UserFactory(role=Role.COMMISSIONER),
    ):
        client.force_login(outsider)
        for path in ("/sessions/add/", "/concerns/add/", "/end-of-service-report/"):
            assert client.get(base + path).status_code == 404, (outsider.role, path)


def test_a_report_for_a_referral_never_accepted_is_refused(client):
    referral = referral_in(Status.SENT)
    client.force_login(provider_admin_for(referral.service))
    outcome = referral.desired_outcomes.first()
    path = f"/referrals/{referral.public_id}/end-of-service-report/"
    # No form that would fail on submit: the page says why it cannot be done now.
    shown = client.get(path)
    assert shown.status_code == 409
    assert "This cannot be done now" in shown.content.decode()
    assert "this one is sent" in shown.content.decode()
    assert 'name="summary"' not in shown.content.decode()
    posted = client.post(
        path,
        {
            f"outcome_{outcome.pk}": "achieved",
            "closing_reason": "completed",
            "summary": "x",
        },
    )
    assert posted.status_code == 409
    referral.refresh_from_db()
    assert referral.status == Status.SENT


@pytest.mark.parametrize("path", ["/sessions/add/", "/concerns/add/", "/end-of-service-report/"])
def test_the_work_forms_of_a_closed_referral_say_it_cannot_be_done_now(client, path):
    referral = referral_in(Status.DECLINED)
    client.force_login(provider_admin_for(referral.service))
    response = client.get(f"/referrals/{referral.public_id}{path}")
    assert response.status_code == 409
    page = response.content.decode()
    assert "This cannot be done now" in page and "declined" in page
    assert "<form" not in page.split('id="main-content"')[-1].split("</main>")[0]


def test_the_service_page_shows_the_track_record_or_why_not(client):
    referral = referral_in(Status.SENT)
    client.force_login(referral.practitioner)
    page = client.get(f"/services/{referral.service_id}/").content.decode()
    assert 'data-testid="track-record-suppressed"' in page and "has had 1 referral" in page


def test_the_track_record_is_counted_once_and_kept_for_a_quarter_of_an_hour(client):
    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from referrals.templatetags.referral_figures import TRACK_RECORD_SECONDS

    referral = referral_in(Status.SENT)
    client.force_login(referral.practitioner)
    path = f"/services/{referral.service_id}/"

    def counted(page_queries) -> bool:
        return any("referrals_session" in query["sql"] for query in page_queries)

    with time_machine.travel(timezone.now(), tick=False) as clock:
        with CaptureQueriesContext(connection) as first:
            assert "has had 1 referral" in client.get(path).content.decode()
        assert counted(first.captured_queries)
        referral_in(Status.SENT, service=referral.service)
        with CaptureQueriesContext(connection) as kept:
            assert "has had 1 referral" in client.get(path).content.decode()
        assert not counted(kept.captured_queries)
        clock.shift(TRACK_RECORD_SECONDS + 1)
        with CaptureQueriesContext(connection) as again:
            assert "has had 2 referrals" in client.get(path).content.decode()
        assert counted(again.captured_queries)
