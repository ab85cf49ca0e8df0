"""Referrals: completeness at send, one referral however often sent, decisions, access to risk."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from notifications.models import Notification
from partnership.errors import NotPermitted, StateConflict
from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals import rules, services
from referrals.models import AccessLog, Referral, Status
from referrals.tests.factories import (
    COMPLETE_RISK,
    provider_admin_for,
    referral_in,
    trained_caseworker_for,
)

pytestmark = pytest.mark.django_db


def test_a_draft_gets_a_reference_with_region_and_category_and_no_crn():
    referral = referral_in(Status.DRAFT)
    assert referral.reference.startswith("GM-ACC-")
    assert referral.crn not in referral.reference


def test_a_crn_must_look_like_one():
    with pytest.raises(ValidationError) as error:
        services.referral_start(
            practitioner=UserFactory(role=Role.PRACTITIONER), service=make_service(), crn="12345"
        )
    assert "crn" in error.value.message_dict
    assert not Referral.objects.exists()


def test_an_incomplete_referral_cannot_be_sent_and_says_what_is_missing():
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service(referral_requirements=["date_of_birth", "risk_documents", "sentence"])
    referral, _ = services.referral_start(practitioner=practitioner, service=service, crn="X123456")
    with pytest.raises(services.ReferralIncomplete) as error:
        services.referral_send(referral=referral, by=practitioner)
    missing = error.value.missing
    assert "Enter the person's first and last names" in missing["person"]
    assert any("date of birth" in m for m in missing["person"])
    assert any("risk of serious harm level" in m for m in missing["risk"])
    assert any("Attach a risk document" in m for m in missing["documents"])
    assert any("sentence type" in m for m in missing["sentence"])
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT


def test_eligibility_is_checked_against_the_service():
    service = make_service(eligible_sex="female", maximum_age=25)
    with pytest.raises(services.ReferralIncomplete) as error:
        referral_in(Status.SENT, service=service)
    messages = error.value.missing["eligibility"]
    assert any("women only" in m for m in messages)
    assert any("aged 18 to 25" in m for m in messages)


def test_sending_tells_the_providers_staff_once_however_often_it_is_sent():
    service = make_service()
    admin = provider_admin_for(service)
    caseworker = UserFactory(role=Role.CASEWORKER, organisation=service.organisation)
    referral = referral_in(Status.SENT, service=service)
    again = services.referral_send(referral=referral, by=referral.practitioner)
    assert again.status == Status.SENT
    assert Referral.objects.count() == 1
    for person in (admin, caseworker):
        assert Notification.objects.filter(recipient=person, kind="referral_sent").count() == 1
    assert referral.events.filter(kind="send").count() == 1


def test_one_open_referral_per_person_and_service():
    first = referral_in(Status.SENT, crn="X111111")
    second = referral_in(Status.DRAFT, service=first.service, crn="X111111")
    with pytest.raises(StateConflict, match="already has an open referral"):
        services.referral_send(referral=second, by=second.practitioner)
    second.refresh_from_db()
    assert second.status == Status.DRAFT


def test_the_idempotency_key_returns_the_first_draft():
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service()
    one, created = services.referral_start(
        practitioner=practitioner, service=service, crn="X222222", idempotency_key="k-1"
    )
    two, created_again = services.referral_start(
        practitioner=practitioner, service=service, crn="X222222", idempotency_key="k-1"
    )
    assert (one.pk, created, created_again) == (two.pk, True, False)


def test_returned_referrals_are_amended_and_resent():
    referral = referral_in(Status.RETURNED)
    assert referral.return_reason == "Please add the sentence details."
    practitioner = referral.practitioner
    assert Notification.objects.filter(recipient=practitioner, kind="referral_returned").exists()
    services.referral_update(
        referral=referral,
        by=practitioner,
        data={"sentence_type": "Community order", "sentence_end_date": date(2027, 6, 1)},
    )
    resent = services.referral_send(referral=referral, by=practitioner)
    assert resent.status == Status.SENT
    assert [e.kind for e in resent.events.order_by("at", "id")][-3:] == ["send", "return", "send"]


def test_changing_a_sent_referral_needs_a_reason_and_is_on_the_timeline():
    referral = referral_in(Status.ACCEPTED)
    with pytest.raises(ValidationError):
        services.referral_update(
            referral=referral, by=referral.practitioner, data={"phone": "0161 000 0000"}
        )
    services.referral_update(
        referral=referral,
        by=referral.practitioner,
        data={"phone": "0161 000 0000"},
        amendment_reason="New phone",
    )
    assert referral.events.filter(kind="amended", note="New phone").exists()


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.RETURNED, "accept"),
        (Status.ACCEPTED, "decline"),
        (Status.DECLINED, "withdraw"),
        (Status.WITHDRAWN, "send"),
    ],
)
def test_invalid_transitions_are_refused(status, action):
    referral = referral_in(status)
    by = (
        referral.practitioner
        if action in ("send", "withdraw")
        else provider_admin_for(referral.service)
    )
    with pytest.raises(StateConflict, match=f"that is {referral.get_status_display().lower()}"):
        rules.require(by, action, referral)


def test_a_closed_referral_cannot_be_changed_and_nothing_is_saved():
    referral = referral_in(Status.WITHDRAWN)
    with pytest.raises(StateConflict, match="withdrawn cannot be changed"):
        services.referral_update(
            referral=referral,
            by=referral.practitioner,
            data={"phone": "0161 000 0000"},
            amendment_reason="New phone",
        )
    referral.refresh_from_db()
    assert referral.phone != "0161 000 0000"


def test_the_provider_never_acts_on_a_draft_and_another_pdu_never_sends():
    draft = referral_in(Status.DRAFT)
    with pytest.raises(NotPermitted):
        services.referral_accept(referral=draft, by=provider_admin_for(draft.service))
    other_pdu = UserFactory(
        role=Role.PRACTITIONER, pdu=draft.pdu.region.pdus.exclude(pk=draft.pdu_id).first()
    )
    with pytest.raises(NotPermitted):
        services.referral_send(referral=draft, by=other_pdu)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_declines_and_withdrawals_need_a_coded_reason():
    referral = referral_in(Status.SENT)
    admin = provider_admin_for(referral.service)
    with pytest.raises(ValidationError):
        services.referral_decline(referral=referral, by=admin, reason="because")
    with pytest.raises(ValidationError):
        services.referral_decline(referral=referral, by=admin, reason="other")
    declined = services.referral_decline(
        referral=referral, by=admin, reason="other", note="Outside our area"
    )
    assert declined.status == Status.DECLINED and declined.decline_reason == "other"


def test_assigning_to_someone_outside_the_organisation_is_refused():
    referral = referral_in(Status.ACCEPTED)
    admin = provider_admin_for(referral.service)
    with pytest.raises(ValidationError):
        services.referral_assign(
            referral=referral, by=admin, caseworker=UserFactory(role=Role.CASEWORKER)
        )
    caseworker = UserFactory(role=Role.CASEWORKER, organisation=referral.service.organisation)
    assert (
        services.referral_assign(referral=referral, by=admin, caseworker=caseworker).assigned_to
        == caseworker
    )


class TestRiskAccess:
    def test_the_referring_pdu_reads_risk_and_it_is_logged(self):
        referral = referral_in(Status.SENT)
        risk = services.risk_read(
            referral=referral, by=referral.practitioner, channel="page", why="viewed the referral"
        )
        assert risk.summary == COMPLETE_RISK["summary"]
        entry = AccessLog.objects.get()
        assert (entry.crn, entry.outcome, entry.what, entry.channel) == (
            referral.crn,
            "granted",
            "risk_information",
            "page",
        )

    def test_trained_provider_staff_read_risk_only_while_the_agreement_is_signed(self):
        referral = referral_in(Status.SENT)
        trained = trained_caseworker_for(referral.service)
        services.risk_read(referral=referral, by=trained, channel="api", why="deciding")
        from providers.services import agreement_publish

        agreement_publish(version="9.0", title="New agreement", body="New terms")
        with pytest.raises(NotPermitted):
            services.risk_read(referral=referral, by=trained, channel="api", why="deciding")
        assert list(AccessLog.objects.order_by("id").values_list("outcome", flat=True)) == [
            "granted",
            "denied",
        ]

    def test_untrained_staff_and_other_roles_are_refused_and_the_refusal_logged(self):
        referral = referral_in(Status.SENT)
        trained_caseworker_for(referral.service)  # signs the agreement
        untrained = UserFactory(role=Role.CASEWORKER, organisation=referral.service.organisation)
        other_pdu = UserFactory(
            role=Role.PRACTITIONER, pdu=referral.pdu.region.pdus.exclude(pk=referral.pdu_id).first()
        )
        for person in (
            untrained,
            other_pdu,
            UserFactory(role=Role.COMMISSIONER),
            UserFactory(role=Role.CASEWORKER),
        ):
            with pytest.raises(NotPermitted):
                services.risk_read(referral=referral, by=person, channel="page", why="viewed")
        assert AccessLog.objects.filter(outcome="denied").count() == 4
        assert not AccessLog.objects.filter(outcome="granted").exists()

    def test_the_access_log_refuses_update_and_delete_in_the_database(self):
        referral = referral_in(Status.SENT)
        services.risk_read(
            referral=referral, by=referral.practitioner, channel="page", why="viewed"
        )
        for statement in (
            "UPDATE referrals_accesslog SET why = 'changed'",
            "DELETE FROM referrals_accesslog",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
        assert AccessLog.objects.get().why == "viewed"


class TestVisibility:
    def test_lists_follow_the_access_rules(self):
        from referrals.selectors import referral_list_visible_to

        referral = referral_in(Status.SENT)
        draft = referral_in(Status.DRAFT, service=referral.service)
        same_pdu = UserFactory(role=Role.PRACTITIONER, pdu=referral.pdu)
        staff = UserFactory(role=Role.CASEWORKER, organisation=referral.service.organisation)
        assert set(referral_list_visible_to(user=same_pdu)) == {referral, draft}
        assert list(referral_list_visible_to(user=staff)) == [referral]  # never drafts
        for outsider in (
            UserFactory(role=Role.CASEWORKER),
            UserFactory(role=Role.COMMISSIONER),
            UserFactory(role=Role.ASSESSOR),
            UserFactory(role=Role.ADMIN),
        ):
            assert not referral_list_visible_to(user=outsider).exists()


def test_the_rules_are_asked_about_the_referral_as_it_is_not_the_callers_copy():
    draft = referral_in(Status.DRAFT)
    stale = Referral.objects.get(pk=draft.pk)  # a copy read while it was a draft
    services.referral_send(referral=draft, by=draft.practitioner)
    admin = provider_admin_for(draft.service)
    returned = services.referral_return(referral=stale, by=admin, reason="Add the sentence")
    assert returned.status == Status.RETURNED
    accepted = referral_in(Status.SENT)
    stale = Referral.objects.get(pk=accepted.pk)
    services.referral_accept(referral=accepted, by=provider_admin_for(accepted.service))
    services.session_record(
        referral=stale,
        by=provider_admin_for(accepted.service),
        kind="first_contact",
        held_on=timezone.localdate(),
        mode="phone",
        attendance="attended",
    )
    accepted.refresh_from_db()
    assert accepted.status == Status.IN_PROGRESS
