"""Filling a referral in from the probation case record, against the stand-in over HTTP:
every field with its source, a stale assessment, an unknown CRN, a failing or slow record
(the page still works and says so), by hand with a reason, corrections on the timeline, and
what changed in the record since the draft began."""

import re
import time
from datetime import date, timedelta

import pytest
from django.utils import timezone

from partnership.models import DesiredOutcome, Pdu, Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals import prefill, services
from referrals.models import AccessLog, Referral, ReferralEvent, RiskInformation, Status
from referrals.tests.factories import COMPLETE_PERSON, COMPLETE_RISK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standin")]


@pytest.fixture
def practitioner():
    return UserFactory(role=Role.PRACTITIONER)


@pytest.fixture
def service():
    return make_service(referral_requirements=["date_of_birth", "risk_summary"])


def start(client, practitioner, service, crn):
    client.force_login(practitioner)
    response = client.post(f"/services/{service.pk}/refer/", {"crn": crn})
    referral = Referral.objects.get(crn=crn)
    assert response["Location"] == f"/referrals/{referral.public_id}/tasks/case-record/"
    return referral


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def kinds(referral) -> list[str]:
    return list(ReferralEvent.objects.filter(referral=referral).values_list("kind", flat=True))


def test_the_person_and_their_risk_are_shown_with_their_sources(client, practitioner, service):
    referral = start(client, practitioner, service, "D100030")
    page = client.get(f"/referrals/{referral.public_id}/tasks/case-record/")
    text = page_text(page)
    assert "From the probation case record (nDelius)" in text
    assert "From OASys, through Assess risks and needs: assessment completed" in text
    assessed = timezone.localdate() - timedelta(days=45)
    assert f"assessment completed {assessed:%-d %B %Y}" in text
    for shown in ("Tomasz", "Nowak", "17 August 1992", "Polish", "Hearing impairment", "High"):
        assert shown in text
    assert "Use these details" in text
    # Showing the record's risk is a read of risk, logged.
    assert AccessLog.objects.filter(
        referral=referral, why="checking risk from the probation case record"
    ).exists()


def test_using_the_record_fills_in_every_field(client, practitioner, service):
    referral = start(client, practitioner, service, "D100030")
    response = client.post(f"/referrals/{referral.public_id}/tasks/case-record/")
    assert response["Location"] == f"/referrals/{referral.public_id}/tasks/"
    referral.refresh_from_db()
    risk = RiskInformation.objects.get(referral=referral)
    assert (referral.first_name, referral.last_name) == ("Tomasz", "Nowak")
    assert referral.date_of_birth == date(1992, 8, 17)
    assert referral.sex == "male"
    assert referral.phone == "07700 900030"
    assert referral.address == "30 Example Street\nManchester\nM1 1AA"
    assert referral.interpreter_language == "Polish"
    assert referral.accessibility_needs == (
        "Hearing impairment (recorded since 1 March 2015): Uses a hearing aid; a quiet room helps"
    )
    assert (risk.rosh_children, risk.rosh_public, risk.rosh_known_adult, risk.rosh_staff) == (
        "high",
        "medium",
        "high",
        "low",
    )
    assert risk.summary.startswith("Who is at risk: A former partner of Tomasz")
    assert "Nature of the risk: Violence towards a former partner when drinking." in risk.summary
    assert "Self-harm: yes (previous concerns: Self-harm in custody in 2019; none since.)" in (
        risk.risk_to_self
    )
    assert "Coping in a hostel: don't know" in risk.risk_to_self
    assert risk.last_assessed_on == timezone.localdate() - timedelta(days=45)
    # Where each came from, and when it was assessed, is kept beside it.
    assert referral.prefilled["source"] == "the probation case record (nDelius)"
    assert risk.prefilled["source"] == "OASys, through Assess risks and needs"
    assert risk.prefilled["assessed_at"]
    assert kinds(referral) == ["created", "prefilled", "risk_prefilled"]
    # The task is done.
    tasks = page_text(client.get(f"/referrals/{referral.public_id}/tasks/"))
    assert "Check the probation case record Completed" in tasks
    # The risk page says which answers came from the record.
    risk_page = page_text(client.get(f"/referrals/{referral.public_id}/tasks/risk/"))
    assert "Some answers were filled in from the probation case record" in risk_page
    assert "Risk of serious harm to children : from OASys, through Assess risks and needs" in (
        risk_page
    )


def test_an_unknown_crn_is_said_and_the_referral_goes_on_by_hand(client, practitioner, service):
    referral = start(client, practitioner, service, "X999999")
    text = page_text(client.get(f"/referrals/{referral.public_id}/tasks/case-record/"))
    assert "The probation case record has no person with CRN X999999" in text
    assert "Use these details" not in text
    assert prefill.task_status(referral) == "Not yet started"
    empty = client.post(
        f"/referrals/{referral.public_id}/tasks/case-record/by-hand/", {"reason": ""}
    )
    assert "Say why you are entering the details by hand" in page_text(empty)
    client.post(
        f"/referrals/{referral.public_id}/tasks/case-record/by-hand/",
        {"reason": "New to probation this week: not on the case record yet"},
    )
    referral.refresh_from_db()
    assert referral.entered_by_hand_reason.startswith("New to probation")
    assert prefill.task_status(referral) == "Completed"
    assert ReferralEvent.objects.get(referral=referral, kind="entered_by_hand").note.startswith(
        "New to probation"
    )


def test_no_assessment_in_the_last_year_fills_in_the_person_only(client, practitioner, service):
    referral = start(client, practitioner, service, "D100031")
    text = page_text(client.get(f"/referrals/{referral.public_id}/tasks/case-record/"))
    assert "no risk of serious harm assessment completed in the last year" in text
    client.post(f"/referrals/{referral.public_id}/tasks/case-record/")
    referral.refresh_from_db()
    assert referral.last_name == "Gallagher"
    assert RiskInformation.objects.get(referral=referral).rosh_children == ""
    assert prefill.task_status(referral) == "Incomplete"


def test_an_assessment_more_than_a_year_old_is_not_used(client, practitioner, service, standin):
    # Should the record ever return an old assessment, the portal does not use it.
    standin.within_a_year_only = False
    standin.add_person("D100040", "Lee", "Marsh", date(1990, 1, 1), "male", assessed_days_ago=400)
    referral = start(client, practitioner, service, "D100040")
    text = page_text(client.get(f"/referrals/{referral.public_id}/tasks/case-record/"))
    assessed = timezone.localdate() - timedelta(days=400)
    assert f"was completed on {assessed:%-d %B %Y}, more than a year ago" in text
    client.post(f"/referrals/{referral.public_id}/tasks/case-record/")
    risk = RiskInformation.objects.get(referral=referral)
    assert risk.rosh_public == "" and risk.prefilled == {}
    assert Referral.objects.get(pk=referral.pk).first_name == "Lee"


@pytest.mark.parametrize("kind", ["details", "rosh", "token"])
def test_a_500_upstream_is_told_and_the_page_still_works(
    client, practitioner, service, standin, kind
):
    referral = start(client, practitioner, service, "D100030")
    standin.fail(kind, 500)
    page = client.get(f"/referrals/{referral.public_id}/tasks/case-record/")
    assert page.status_code == 200
    assert "The probation case record cannot be reached at the moment" in page_text(page)
    assert "Enter the details by hand" in page_text(page)


def test_a_slow_upstream_is_told_and_the_page_still_works(client, practitioner, service, standin):
    referral = start(client, practitioner, service, "D100030")
    standin.stall("details", 3)
    standin.stall("rosh", 3)
    started = time.monotonic()
    page = client.get(f"/referrals/{referral.public_id}/tasks/case-record/")
    # Each look-up gives up at the read timeout (0.5 s here): the page is not held for the
    # 3 s the record takes to answer either.
    assert time.monotonic() - started < 3
    assert page.status_code == 200
    assert "The probation case record cannot be reached at the moment" in page_text(page)
    # Nothing was filled in, and the task list still works.
    assert client.get(f"/referrals/{referral.public_id}/tasks/").status_code == 200
    assert Referral.objects.get(pk=referral.pk).first_name == ""


@pytest.mark.parametrize(
    ("crn", "failing", "told"),
    [
        ("X999999", None, "The probation case record has no person with CRN X999999"),
        ("D100031", None, "no risk of serious harm assessment completed in the last year"),
        ("D100030", "all", "The probation case record cannot be reached at the moment"),
        ("D100030", "rosh", "The probation case record cannot be reached at the moment"),
    ],
)
def test_when_the_record_cannot_help_the_referral_is_completed_by_hand_and_sent(
    client, practitioner, service, standin, crn, failing, told
):
    referral = start(client, practitioner, service, crn)
    if failing == "all":
        for kind in ("token", "details", "rosh"):
            standin.fail(kind, 500)
    elif failing:
        standin.fail(failing, 500)
    page = client.get(f"/referrals/{referral.public_id}/tasks/case-record/")
    assert page.status_code == 200
    text = page_text(page)
    assert told in text
    assert f"/referrals/{referral.public_id}/tasks/case-record/by-hand/" in page.content.decode()
    client.post(f"/referrals/{referral.public_id}/tasks/case-record/")
    reason = "Checked with the offender manager by phone"
    client.post(f"/referrals/{referral.public_id}/tasks/case-record/by-hand/", {"reason": reason})
    referral.refresh_from_db()
    assert prefill.task_status(referral) == "Completed"
    # The rest by hand, as with no case record; what the record did give stays.
    by_hand = {k: v for k, v in COMPLETE_PERSON.items() if not getattr(referral, k)}
    services.referral_update(
        referral=referral,
        by=practitioner,
        data=by_hand,
        desired_outcomes=DesiredOutcome.objects.filter(category__in=service.categories.all())[:1],
    )
    services.risk_update(
        referral=referral,
        by=practitioner,
        data={**COMPLETE_RISK, "last_assessed_on": timezone.localdate() - timedelta(days=30)},
    )
    sent = client.post(f"/referrals/{referral.public_id}/check/")
    assert sent["Location"] == f"/referrals/{referral.public_id}/sent/"
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    assert ReferralEvent.objects.get(referral=referral, kind="entered_by_hand").note == reason


def test_a_correction_to_prefilled_risk_is_recorded(client, practitioner, service):
    referral = start(client, practitioner, service, "D100030")
    client.post(f"/referrals/{referral.public_id}/tasks/case-record/")
    services.risk_update(
        referral=referral,
        by=practitioner,
        data={"rosh_staff": "medium", "staff_safety": "Meet in the office."},
    )
    event = ReferralEvent.objects.get(referral=referral, kind="risk_corrected")
    assert (
        event.note == "Risk of serious harm to staff: Low in the case record, corrected to Medium"
    )
    # A risk event: only for those who may read risk.
    assert "risk_corrected" in services.RISK_EVENT_KINDS
    # The same text sent back by a browser, with its CRLF lines, is no correction.
    summary = RiskInformation.objects.get(referral=referral).summary
    services.risk_update(
        referral=referral, by=practitioner, data={"summary": summary.replace("\n", "\r\n")}
    )
    assert ReferralEvent.objects.filter(referral=referral, kind="risk_corrected").count() == 1
    # A second change to a corrected value is not another correction of the record.
    services.risk_update(referral=referral, by=practitioner, data={"rosh_staff": "high"})
    assert ReferralEvent.objects.filter(referral=referral, kind="risk_corrected").count() == 1
    # The risk page says it was corrected, and what the record said.
    risk_page = page_text(client.get(f"/referrals/{referral.public_id}/tasks/risk/"))
    assert "corrected by you (the case record said Low)" in risk_page


def test_a_correction_to_the_prefilled_person_is_recorded(client, practitioner, service):
    referral = start(client, practitioner, service, "D100030")
    client.post(f"/referrals/{referral.public_id}/tasks/case-record/")
    services.referral_update(
        referral=Referral.objects.get(pk=referral.pk), by=practitioner, data={"first_name": "Tom"}
    )
    event = ReferralEvent.objects.get(referral=referral, kind="case_record_corrected")
    assert event.note == "First name: Tomasz in the case record, corrected to Tom"


def test_fetching_again_shows_what_changed_and_keeps_corrections(
    client, practitioner, service, standin
):
    referral = start(client, practitioner, service, "D100030")
    client.post(f"/referrals/{referral.public_id}/tasks/case-record/")
    services.risk_update(referral=referral, by=practitioner, data={"rosh_staff": "medium"})
    # The record changes after the draft began: a new phone number, children now very high.
    standin.details["D100030"]["contactDetails"]["mobileNumber"] = "07700 900999"
    summary = standin.assessments["D100030"]["summary"]
    summary["riskInCommunity"] = {
        "VERY_HIGH": ["Children"],
        "HIGH": ["Known Adult"],
        "MEDIUM": ["Public"],
        "LOW": ["Staff"],
    }
    # Before sending, the check page offers to look at the record again.
    check = client.get(f"/referrals/{referral.public_id}/check/").content.decode()
    refetch = re.search(r'href="([^"]+)" data-testid="refetch"', check)
    assert refetch and refetch.group(1) == f"/referrals/{referral.public_id}/tasks/case-record/"
    page = client.get(refetch.group(1))
    text = page_text(page)
    assert "What has changed since you started" in text
    changes = page.content.decode().split('data-testid="changes"', 1)[1].split("</table>")[0]
    changes = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", changes))
    assert "Phone number 07700 900030 07700 900999" in changes
    assert "Risk of serious harm to children High Very high" in changes
    # Unchanged in the record, staff is not listed, though the practitioner changed it.
    assert "staff" not in changes
    assert "Use the updated details" in text
    client.post(f"/referrals/{referral.public_id}/tasks/case-record/")
    referral.refresh_from_db()
    risk = RiskInformation.objects.get(referral=referral)
    assert referral.phone == "07700 900999"
    assert risk.rosh_children == "very_high"
    # The practitioner's correction of staff stays: the record did not change it.
    assert risk.rosh_staff == "medium"


def test_with_manual_entry_nothing_changes(client, practitioner, service, settings):
    settings.CASE_RECORD_SOURCE = "none"
    client.force_login(practitioner)
    response = client.post(f"/services/{service.pk}/refer/", {"crn": "D100030"})
    referral = Referral.objects.get()
    assert response["Location"] == f"/referrals/{referral.public_id}/tasks/"
    page = page_text(client.get(f"/referrals/{referral.public_id}/tasks/case-record/"))
    assert "The portal is not connected to the probation case record" in page
    assert "Check the probation case record" not in page_text(
        client.get(f"/referrals/{referral.public_id}/tasks/")
    )
    assert prefill.task_status(referral) is None


def test_another_practitioner_cannot_fetch_the_record(client, practitioner, service, standin):
    referral = start(client, practitioner, service, "D100030")
    other_pdu = Pdu.objects.exclude(pk=referral.pdu_id).first()
    client.force_login(UserFactory(role=Role.PRACTITIONER, pdu=other_pdu))
    assert client.get(f"/referrals/{referral.public_id}/tasks/case-record/").status_code == 404
    assert standin.calls["details"] == 0


def test_once_sent_the_record_is_shown_but_fills_nothing(client, practitioner, service):
    referral = start(client, practitioner, service, "D100030")
    services.referral_update(
        referral=Referral.objects.get(pk=referral.pk),
        by=practitioner,
        data={
            "first_name": "Tom",
            "last_name": "Nowak",
            "sex": "male",
            "date_of_birth": date(1992, 8, 17),
            "consent_basis": "consent",
            "reason": "Tomasz needs a settled home before his licence ends next month.",
        },
    )
    services.risk_update(
        referral=referral,
        by=practitioner,
        data={
            "rosh_children": "high",
            "rosh_public": "medium",
            "rosh_known_adult": "high",
            "rosh_staff": "low",
            "summary": "Violence towards a former partner.",
        },
    )
    services.referral_send(referral=referral, by=practitioner)
    page = client.get(f"/referrals/{referral.public_id}/tasks/case-record/")
    assert page.status_code == 200 and "Use these details" not in page_text(page)
    client.post(f"/referrals/{referral.public_id}/tasks/case-record/")
    assert Referral.objects.get(pk=referral.pk).first_name == "Tom"


def test_retention_removes_what_the_record_said(client, practitioner, service):
    from referrals import retention

    referral = start(client, practitioner, service, "D100030")
    client.post(f"/referrals/{referral.public_id}/tasks/case-record/")
    client.post(
        f"/referrals/{referral.public_id}/tasks/case-record/by-hand/",
        {"reason": "Checked the risk with the offender manager"},
    )
    retention._anonymise([(referral.pk, referral.public_id)], now=timezone.now())
    referral.refresh_from_db()
    assert referral.prefilled == {} and referral.entered_by_hand_reason == ""
    assert RiskInformation.objects.get(referral=referral).prefilled == {}
