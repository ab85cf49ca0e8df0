"""Sessions are dated between the referral's sending and today, and a recorded session can
be corrected with a reason that stays on the referral's timeline."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from notifications.models import Notification
from partnership.models import Role
from partnership.tests.factories import UserFactory
from referrals import services
from referrals.models import Referral, ReferralEvent, Session, Status
from referrals.tests.factories import provider_admin_for, referral_in, sent_on

pytestmark = pytest.mark.django_db


def dated(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def session_data(day, **extra):
    return {
        "kind": "first_contact",
        **dated("held_on", day),
        "mode": "phone",
        "attendance": "attended",
        **extra,
    }


@pytest.fixture
def working():
    """An accepted referral sent a week ago, and a member of the provider's staff."""
    referral = sent_on(referral_in(Status.ACCEPTED), timezone.localdate() - timedelta(days=7))
    return referral, provider_admin_for(referral.service)


def record(referral, staff, day, **extra):
    return services.session_record(
        referral=referral,
        by=staff,
        kind=extra.get("kind", "first_contact"),
        held_on=day,
        mode="phone",
        attendance=extra.get("attendance", "attended"),
    )


class TestTheDateOfASession:
    def test_before_the_referral_was_sent_is_refused_with_govuk_wording_on_the_date(
        self, client, working
    ):
        referral, staff = working
        client.force_login(staff)
        sent = timezone.localdate() - timedelta(days=7)
        page = client.post(
            f"/referrals/{referral.public_id}/sessions/add/",
            session_data(sent - timedelta(days=1)),
        ).content.decode()
        message = (
            f"Date of the session must be the same as or after {sent.day} "
            f"{sent:%B %Y}, when the referral was sent"
        )
        assert f'<a href="#id_held_on_0">{message}</a>' in page
        assert not Session.objects.exists()

    def test_in_the_future_is_refused(self, client, working):
        referral, staff = working
        client.force_login(staff)
        page = client.post(
            f"/referrals/{referral.public_id}/sessions/add/",
            session_data(timezone.localdate() + timedelta(days=1)),
        ).content.decode()
        assert (
            '<a href="#id_held_on_0">Date of the session must be today or in the past</a>' in page
        )
        assert not Session.objects.exists()

    def test_the_day_it_was_sent_and_today_are_both_allowed(self, working):
        referral, staff = working
        record(referral, staff, timezone.localdate() - timedelta(days=7))
        record(referral, staff, timezone.localdate(), kind="session")
        assert Session.objects.count() == 2

    def test_the_service_refuses_it_too(self, working):
        referral, staff = working
        with pytest.raises(ValidationError) as error:
            record(referral, staff, timezone.localdate() - timedelta(days=8))
        assert "held_on" in error.value.message_dict


class TestCorrectingASession:
    def test_the_referral_page_links_each_session_to_its_correction(self, client, working):
        referral, staff = working
        session = record(referral, staff, timezone.localdate() - timedelta(days=2))
        client.force_login(staff)
        page = client.get(f"/referrals/{referral.public_id}/").content.decode()
        assert f"/referrals/{referral.public_id}/sessions/{session.public_id}/change/" in page

    def test_the_form_is_prefilled_and_a_reason_is_required(self, client, working):
        referral, staff = working
        day = timezone.localdate() - timedelta(days=2)
        session = record(referral, staff, day)
        client.force_login(staff)
        url = f"/referrals/{referral.public_id}/sessions/{session.public_id}/change/"
        page = client.get(url).content.decode()
        assert re.search(rf'<input[^>]*name="held_on_0"[^>]*value="{day.day}"', page)
        assert re.search(rf'<input[^>]*name="held_on_2"[^>]*value="{day.year}"', page)
        assert re.search(r'<input[^>]*value="first_contact"[^>]*checked', page)
        assert re.search(r'<input[^>]*value="attended"[^>]*checked', page)
        events = ReferralEvent.objects.count()
        refused = client.post(url, session_data(day, attendance="late", reason="")).content.decode()
        assert '<a href="#id_reason">Say why you are correcting the session</a>' in refused
        session.refresh_from_db()
        assert session.attendance == "attended" and ReferralEvent.objects.count() == events

    def test_a_correction_and_its_reason_go_on_the_timeline(self, client, working):
        referral, staff = working
        day = timezone.localdate() - timedelta(days=2)
        session = record(referral, staff, day)
        client.force_login(staff)
        url = f"/referrals/{referral.public_id}/sessions/{session.public_id}/change/"
        response = client.post(
            url,
            session_data(
                day - timedelta(days=1), attendance="late", reason="Entered on the wrong day"
            ),
        )
        assert response.status_code == 302
        session.refresh_from_db()
        assert (session.held_on, session.attendance) == (day - timedelta(days=1), "late")
        event = ReferralEvent.objects.get(referral=referral, kind="session_corrected")
        assert event.actor == staff
        assert "Attendance: Attended to Late" in event.note
        assert "Reason: Entered on the wrong day" in event.note
        # The practitioner sees the correction on the referral's timeline.
        client.force_login(referral.practitioner)
        timeline = client.get(f"/referrals/{referral.public_id}/").content.decode()
        assert "Session corrected" in timeline and "Entered on the wrong day" in timeline

    def test_a_correction_dated_before_sending_is_refused(self, client, working):
        referral, staff = working
        session = record(referral, staff, timezone.localdate())
        client.force_login(staff)
        url = f"/referrals/{referral.public_id}/sessions/{session.public_id}/change/"
        page = client.post(
            url,
            session_data(timezone.localdate() - timedelta(days=30), reason="Wrong day"),
        ).content.decode()
        assert "when the referral was sent" in page
        session.refresh_from_db()
        assert session.held_on == timezone.localdate()

    def test_a_correction_that_changes_nothing_is_refused(self, client, working):
        referral, staff = working
        day = timezone.localdate()
        session = record(referral, staff, day)
        client.force_login(staff)
        url = f"/referrals/{referral.public_id}/sessions/{session.public_id}/change/"
        page = client.post(url, session_data(day, reason="Checking")).content.decode()
        assert "Change at least one detail of the session" in page
        assert not ReferralEvent.objects.filter(kind="session_corrected").exists()

    def test_correcting_to_did_not_attend_tells_the_practitioner(self, working):
        referral, staff = working
        session = record(referral, staff, timezone.localdate())
        services.session_correct(
            session=session,
            by=staff,
            reason="He did not come",
            kind="first_contact",
            held_on=timezone.localdate(),
            mode="phone",
            attendance="did_not_attend",
        )
        assert Notification.objects.filter(
            recipient=referral.practitioner, kind="session_missed"
        ).exists()

    def test_head_and_get_write_nothing(self, client, working):
        referral, staff = working
        session = record(referral, staff, timezone.localdate())
        client.force_login(staff)
        url = f"/referrals/{referral.public_id}/sessions/{session.public_id}/change/"
        events = ReferralEvent.objects.count()
        assert client.head(url).status_code == 200
        assert client.get(url).status_code == 200
        assert ReferralEvent.objects.count() == events

    def test_out_of_scope_is_404_and_a_closed_referral_409(self, client, working):
        referral, staff = working
        session = record(referral, staff, timezone.localdate())
        url = f"/referrals/{referral.public_id}/sessions/{session.public_id}/change/"
        body = session_data(timezone.localdate(), attendance="late", reason="x")
        for outsider in (
            referral.practitioner,
            UserFactory(role=Role.PROVIDER_ADMIN),
            UserFactory(role=Role.CASEWORKER),
        ):
            client.force_login(outsider)
            assert client.get(url).status_code == 404
            assert client.post(url, body).status_code == 404
        # Another referral's session is not found under this one.
        other = sent_on(
            referral_in(Status.ACCEPTED, service=referral.service),
            timezone.localdate() - timedelta(days=1),
        )
        client.force_login(staff)
        assert (
            client.get(f"/referrals/{other.public_id}/sessions/{session.public_id}/change/")
        ).status_code == 404
        Referral.objects.filter(pk=referral.pk).update(status=Status.COMPLETED)
        assert client.post(url, body).status_code == 409
        session.refresh_from_db()
        assert session.attendance == "attended"
