"""Sessions, concerns and the end-of-service report flow back to the practitioner."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from partnership.errors import NotPermitted, StateConflict
from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals import selectors, services
from referrals.models import Status
from referrals.tests.factories import provider_admin_for, referral_in, sent_on

pytestmark = pytest.mark.django_db


def run_to_completion(referral, *, attendance="attended", result="achieved"):
    staff = provider_admin_for(referral.service)
    today = timezone.localdate()
    referral = sent_on(referral, today - timedelta(days=7))
    services.session_record(
        referral=referral,
        by=staff,
        kind="first_contact",
        held_on=today - timedelta(days=2),
        mode="in_person",
        attendance=attendance,
    )
    outcomes = {o.pk: (result, "") for o in referral.desired_outcomes.all()}
    return services.report_send(
        referral=referral,
        by=staff,
        closing_reason="completed",
        summary="Went well.",
        outcomes=outcomes,
    )


def test_a_referral_goes_through_sessions_a_concern_and_the_report():
    referral = referral_in(Status.ACCEPTED)
    staff = provider_admin_for(referral.service)
    practitioner = referral.practitioner
    today = timezone.localdate()

    services.session_record(
        referral=referral,
        by=staff,
        kind="first_contact",
        held_on=today,
        mode="phone",
        attendance="attended",
    )
    referral.refresh_from_db()
    assert referral.status == Status.IN_PROGRESS
    services.session_record(
        referral=referral,
        by=staff,
        kind="session",
        held_on=today,
        mode="in_person",
        attendance="did_not_attend",
    )
    concern = services.concern_raise(
        referral=referral,
        by=staff,
        urgency="urgent",
        what_happened="Said he would harm his former partner.",
    )
    services.concern_acknowledge(concern=concern, by=practitioner)
    services.concern_acknowledge(concern=concern, by=practitioner)
    outcomes = {
        o.pk: ("partially_achieved", "Nearly there") for o in referral.desired_outcomes.all()
    }
    services.report_send(
        referral=referral,
        by=staff,
        closing_reason="completed",
        summary="Housed.",
        outcomes=outcomes,
    )

    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED
    for kind in ["session_missed", "concern_urgent", "end_of_service_report"]:
        assert Notification.objects.filter(recipient=practitioner, kind=kind).count() == 1, kind
    assert referral.events.filter(kind="concern_acknowledged").count() == 1
    assert {"session", "concern", "complete"} <= set(referral.events.values_list("kind", flat=True))


def test_a_report_cannot_be_sent_twice_or_before_acceptance():
    referral = referral_in(Status.ACCEPTED)
    run_to_completion(referral)
    with pytest.raises(StateConflict):
        run_to_completion(referral)
    sent_only = referral_in(Status.SENT)
    with pytest.raises(StateConflict):
        services.report_send(
            referral=sent_only,
            by=provider_admin_for(sent_only.service),
            closing_reason="completed",
            summary="x",
            outcomes={},
        )


def test_every_desired_outcome_must_be_judged():
    from django.core.exceptions import ValidationError

    referral = referral_in(Status.ACCEPTED)
    with pytest.raises(ValidationError) as error:
        services.report_send(
            referral=referral,
            by=provider_admin_for(referral.service),
            closing_reason="completed",
            summary="Done",
            outcomes={},
        )
    assert "outcomes" in error.value.message_dict
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


def test_only_the_providers_staff_record_the_work():
    referral = referral_in(Status.ACCEPTED)
    for outsider in (referral.practitioner, UserFactory(role=Role.CASEWORKER)):
        with pytest.raises(NotPermitted):
            services.session_record(
                referral=referral,
                by=outsider,
                kind="session",
                held_on=timezone.localdate(),
                mode="phone",
                attendance="attended",
            )


def test_the_track_record_is_suppressed_under_five_referrals_and_counts_correctly():
    service = make_service(referral_requirements=[])
    referrals = [referral_in(Status.ACCEPTED, service=service) for _ in range(4)]
    record = selectors.service_track_record(service=service)
    assert (
        record["received"] == 4
        and record["suppressed"] is True
        and record["completion_rate"] is None
    )

    referrals.append(referral_in(Status.DECLINED, service=service))
    record = selectors.service_track_record(service=service)
    assert (record["received"], record["accepted"], record["completion_rate"]) == (5, 4, 0)

    run_to_completion(referrals[0], result="achieved")
    run_to_completion(referrals[1], result="not_achieved")
    record = selectors.service_track_record(service=service)
    assert record["completion_rate"] == 50
    assert record["outcomes_met_share"] == 50
    assert record["reports_on_time_share"] == 100
    assert record["median_days_to_decision"] == 0
