"""The practitioner's referrals and the provider's inbox as work lists: a search kept out of
the address, filters, sorts, counts on the tabs, the decision due day with overdue ones
flagged, a fixed number of statements a page; and deleting a draft."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification
from partnership import lists
from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals import selectors, services
from referrals.models import AccessLog, Referral, Status
from referrals.reminders import decision_due_on
from referrals.tests.factories import provider_admin_for, referral_in

pytestmark = pytest.mark.django_db


def named(referral, first, last):
    Referral.objects.filter(pk=referral.pk).update(first_name=first, last_name=last)
    referral.refresh_from_db()
    return referral


def sent_days_ago(referral, days):
    moment = timezone.now() - timedelta(days=days)
    Referral.objects.filter(pk=referral.pk).update(sent_at=moment, created_at=moment)
    referral.refresh_from_db()
    return referral


def references(page: str, referrals) -> list[str]:
    """The references of `referrals` on the page, in the page's order."""
    found = [(page.find(f">{r.reference}<"), r.reference) for r in referrals]
    return [reference for position, reference in sorted(found) if position >= 0]


@pytest.fixture
def world():
    practitioner = UserFactory(role=Role.PRACTITIONER)
    housing = make_service("Housing first steps")
    other = make_service("Wellbeing group", organisation=housing.organisation)
    made = {
        "draft": named(
            referral_in(Status.DRAFT, practitioner=practitioner, service=housing), "Ava", "Stone"
        ),
        "sent": named(
            referral_in(Status.SENT, practitioner=practitioner, service=housing), "Ben", "Morris"
        ),
        "old": named(
            sent_days_ago(referral_in(Status.SENT, practitioner=practitioner, service=other), 20),
            "Cara",
            "Morrison",
        ),
        "accepted": named(
            referral_in(Status.ACCEPTED, practitioner=practitioner, service=other), "Dev", "Patel"
        ),
    }
    colleague = UserFactory(role=Role.PRACTITIONER, pdu=practitioner.pdu)
    made["colleague"] = named(
        referral_in(Status.SENT, practitioner=colleague, service=housing), "Eve", "Stone"
    )
    return {
        "practitioner": practitioner,
        "colleague": colleague,
        "admin": provider_admin_for(housing),
        "housing": housing,
        "other": other,
        "referrals": made,
    }


class TestSearch:
    def test_a_search_is_posted_kept_in_the_session_and_never_in_the_address(self, client, world):
        client.force_login(world["practitioner"])
        target = world["referrals"]["old"]
        response = client.post("/referrals/?tab=mine&status=sent&page=2", {"q": f" {target.crn} "})
        assert response.status_code == 302
        assert target.crn not in response["Location"]
        assert response["Location"] == "/referrals/?tab=mine&status=sent"
        page = client.get(response["Location"]).content.decode()
        assert references(page, world["referrals"].values()) == [target.reference]
        assert f"results for your search ‘{target.crn}’" in page
        # The term stays for the next page of the list, until cleared.
        again = client.get("/referrals/?tab=mine").content.decode()
        assert references(again, world["referrals"].values()) == [target.reference]
        cleared = client.post("/referrals/?tab=mine", {"clear": "1"})
        assert cleared.status_code == 302
        page = client.get(cleared["Location"]).content.decode()
        assert target.crn not in client.session.get("referrals:search:practitioner", "")
        assert len(references(page, world["referrals"].values())) == 4

    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("stone", ["draft"]),  # names start with the word; the colleague's is not "mine"
            ("Morris", ["old", "sent"]),
            ("cara morr", ["old"]),
            ("nobody", []),
        ],
    )
    def test_a_search_by_name(self, client, world, term, expected):
        client.force_login(world["practitioner"])
        client.post("/referrals/", {"q": term})
        page = client.get("/referrals/?tab=mine&sort=oldest").content.decode()
        wanted = [world["referrals"][key] for key in expected]
        assert sorted(references(page, world["referrals"].values())) == sorted(
            r.reference for r in wanted
        )
        if not expected:
            assert "No referrals match your search or filters" in page

    def test_a_search_by_reference_in_any_case_and_in_the_inbox(self, client, world):
        target = world["referrals"]["colleague"]
        client.force_login(world["admin"])
        client.post("/referrals/inbox/?tab=open", {"q": target.reference.lower()})
        page = client.get("/referrals/inbox/?tab=open").content.decode()
        assert references(page, world["referrals"].values()) == [target.reference]

    def test_a_search_too_long_is_an_error_and_changes_nothing(self, client, world):
        client.force_login(world["practitioner"])
        client.post("/referrals/", {"q": "Morris"})
        response = client.post("/referrals/", {"q": "x" * 101})
        assert response.status_code == 200
        page = response.content.decode()
        assert "govuk-error-summary" in page and "100 characters or fewer" in page
        assert page.startswith("<!DOCTYPE html>") or "<title>Error: " in page
        assert client.session["referrals:search:practitioner"] == "Morris"


class TestFiltersSortsAndCounts:
    def test_status_and_service_filter_and_the_tabs_count_under_them(self, client, world):
        client.force_login(world["practitioner"])
        made = world["referrals"]
        page = client.get("/referrals/?tab=mine&status=sent").content.decode()
        assert sorted(references(page, made.values())) == sorted(
            [made["sent"].reference, made["old"].reference]
        )
        assert 'data-testid="tab-mine"' in page
        assert 'My referrals <span class="govuk-!-font-weight-regular">(2)</span>' in page
        assert (
            'My PDU&#x27;s referrals <span class="govuk-!-font-weight-regular">(3)</span>' in page
        )
        page = client.get(
            f"/referrals/?tab=pdu&status=sent&service={world['housing'].pk}"
        ).content.decode()
        assert sorted(references(page, made.values())) == sorted(
            [made["sent"].reference, made["colleague"].reference]
        )

    def test_a_filter_not_offered_is_an_error_and_not_applied(self, client, world):
        client.force_login(world["practitioner"])
        page = client.get("/referrals/?status=lost&service=999999").content.decode()
        assert "Select a status from the list" in page
        assert "Select a service from the list" in page
        assert len(references(page, world["referrals"].values())) == 4

    def test_the_inbox_never_offers_drafts(self, client, world):
        client.force_login(world["admin"])
        page = client.get("/referrals/inbox/?tab=open&status=draft").content.decode()
        assert "Select a status from the list" in page
        assert world["referrals"]["draft"].reference not in page

    def test_sorts(self, client, world):
        client.force_login(world["practitioner"])
        made = world["referrals"]
        newest = references(client.get("/referrals/").content.decode(), made.values())
        assert newest[0] == made["accepted"].reference and newest[-1] == made["old"].reference
        oldest = references(client.get("/referrals/?sort=oldest").content.decode(), made.values())
        assert oldest == list(reversed(newest))
        due = references(
            client.get("/referrals/?sort=decision_due").content.decode(), made.values()
        )
        # Awaiting a decision first, the longest waiting first.
        assert due[:2] == [made["old"].reference, made["sent"].reference]

    def test_the_inbox_tabs_count_and_new_is_the_default(self, client, world):
        client.force_login(world["admin"])
        page = client.get("/referrals/inbox/").content.decode()
        for label, count in (("New", 3), ("Unassigned", 1), ("All open", 4), ("Closed", 0)):
            assert f'{label} <span class="govuk-!-font-weight-regular">({count})</span>' in page
        assert 'aria-current="page" href="?tab=new"' in page


class TestDecisionDue:
    def test_the_column_shows_decision_due_on_and_flags_the_overdue(self, client, world):
        client.force_login(world["admin"])
        old, fresh = world["referrals"]["old"], world["referrals"]["sent"]
        page = client.get("/referrals/inbox/?sort=decision_due").content.decode()
        assert f"{decision_due_on(old):%-d %b %Y}" in page
        assert f"{decision_due_on(fresh):%-d %b %Y}" in page
        rows = page.split("<tr ")
        old_row = next(row for row in rows if old.reference in row)
        fresh_row = next(row for row in rows if fresh.reference in row)
        assert "Overdue" in old_row and "Overdue" not in fresh_row
        assert (
            'data-testid="overdue"' in page and "1 referral is past its decision due date" in page
        )

    def test_the_overdue_cut_off_agrees_with_decision_due_on_every_day(self):
        """The SQL cut-off finds exactly the referrals `decision_due_on` says are overdue,
        for sending days across a year's weekends and bank holidays."""
        zone = timezone.get_current_timezone()
        for today in (date(2026, 12, 29), date(2026, 4, 7), date(2026, 8, 31), date(2027, 1, 4)):
            cut_off = selectors.decision_overdue_sent_before(today=today)
            for back in range(0, 30):
                for hour in (0, 9, 23):
                    sent = datetime.combine(today - timedelta(days=back), datetime.min.time(), zone)
                    sent = sent.replace(hour=hour, minute=30)
                    referral = Referral(sent_at=sent)
                    assert (sent < cut_off) is (decision_due_on(referral) < today), (today, sent)


class TestCountingLimit:
    """Tabs are counted to a limit, so a busy list's counts cost the same at any scale; past
    it the list says "more than" and pages as far as the limit."""

    def test_counts_stop_past_the_limit_and_the_page_says_so(self, client, world, monkeypatch):
        monkeypatch.setattr(lists, "COUNT_LIMIT", 2)
        client.force_login(world["admin"])
        page = client.get("/referrals/inbox/?tab=open").content.decode()
        # Open: 4 (more than 2); unassigned: 1 (counted exactly); new: 3 (more than 2).
        assert 'All open <span class="govuk-!-font-weight-regular">(more than 2)</span>' in page
        assert 'Unassigned <span class="govuk-!-font-weight-regular">(1)</span>' in page
        assert 'New <span class="govuk-!-font-weight-regular">(more than 2)</span>' in page
        assert "Search or filter to see beyond the first 2" in page
        # The overdue warning counts to the limit too; one is overdue.
        assert "1 referral is past its decision due date" in page

    def test_a_count_is_written_with_thousands_separated(self):
        list_count = lists.shown_count

        assert list_count(999) == "999"
        assert list_count(lists.COUNT_LIMIT) == f"{lists.COUNT_LIMIT:,}"
        assert list_count(lists.COUNT_LIMIT + 1) == f"more than {lists.COUNT_LIMIT:,}"
        assert "," in list_count(lists.COUNT_LIMIT + 1)

    def test_the_counts_below_the_limit_are_exact(self, world):
        counts = selectors.referral_work_list_counts(
            user=world["admin"],
            tabs=["new", "unassigned", "open", "closed"],
            filters=selectors.WorkListFilters(),
        )
        assert counts == {"new": 3, "unassigned": 1, "open": 4, "closed": 0, "overdue": 1}

    def test_a_count_at_the_limit_is_exact_and_one_past_is_more(self, world, monkeypatch):
        for limit, shown in ((4, 4), (3, 4)):
            monkeypatch.setattr(lists, "COUNT_LIMIT", limit)
            counts = selectors.referral_work_list_counts(
                user=world["admin"], tabs=["open"], filters=selectors.WorkListFilters()
            )
            assert counts["open"] == shown
            assert (counts["open"] > limit) is (limit == 3)


def page_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


class TestQueryCounts:
    """A page of a list is a fixed number of statements, however many referrals it shows."""

    @pytest.mark.parametrize(
        ("who", "path"),
        [
            ("practitioner", "/referrals/?tab=pdu&sort=decision_due"),
            ("practitioner", "/referrals/?tab=mine&status=sent"),
            ("admin", "/referrals/inbox/?tab=open"),
            ("admin", "/referrals/inbox/?tab=new&sort=oldest"),
        ],
    )
    def test_a_page_is_constant_in_its_rows(self, client, world, who, path):
        client.force_login(world[who])
        client.post(path, {"q": "Mo"})
        before = page_queries(client, path)
        for _ in range(4):
            referral_in(Status.SENT, practitioner=world["practitioner"], service=world["other"])
        Referral.objects.update(first_name="Moses")
        after = page_queries(client, path)
        assert after == before
        assert before <= 12


class TestDraftDeletion:
    def test_the_owner_confirms_then_it_is_gone_and_the_list_says_so(self, client, world):
        draft = world["referrals"]["draft"]
        Notification.objects.create(
            recipient=world["practitioner"],
            kind="draft_expiry",
            title=f"Draft referral {draft.reference} for Ava Stone",
            link=draft.portal_path,
        )
        client.force_login(world["practitioner"])
        page = client.get(f"/referrals/{draft.public_id}/delete/").content.decode()
        assert "Are you sure you want to delete this draft?" in page
        assert client.head(f"/referrals/{draft.public_id}/delete/").status_code == 200
        assert Referral.objects.filter(pk=draft.pk).exists()

        response = client.post(f"/referrals/{draft.public_id}/delete/", follow=True)
        assert response.redirect_chain[-1][0] == "/referrals/"
        assert f"Draft referral {draft.reference} has been deleted" in response.content.decode()
        assert not Referral.objects.filter(pk=draft.pk).exists()
        notice = Notification.objects.get(recipient=world["practitioner"], kind="draft_expiry")
        assert notice.link == "" and "Ava" not in notice.title

    def test_the_list_offers_deletion_only_of_ones_own_drafts(self, client, world):
        draft = world["referrals"]["draft"]
        client.force_login(world["practitioner"])
        assert (
            f"/referrals/{draft.public_id}/delete/"
            in client.get("/referrals/?tab=pdu").content.decode()
        )
        client.force_login(world["colleague"])
        assert (
            f"/referrals/{draft.public_id}/delete/"
            not in client.get("/referrals/?tab=pdu").content.decode()
        )

    @pytest.mark.parametrize("who", ["colleague", "other_pdu", "admin"])
    def test_anyone_else_gets_404_and_nothing_changes(self, client, world, who):
        draft = world["referrals"]["draft"]
        user = world.get(who) or UserFactory(
            role=Role.PRACTITIONER,
            pdu=Pdu.objects.exclude(pk=world["practitioner"].pdu_id).first(),
        )
        client.force_login(user)
        assert client.get(f"/referrals/{draft.public_id}/delete/").status_code == 404
        assert client.post(f"/referrals/{draft.public_id}/delete/").status_code == 404
        assert Referral.objects.filter(pk=draft.pk).exists()

    def test_a_sent_referral_cannot_be_deleted(self, client, world):
        sent = world["referrals"]["sent"]
        client.force_login(world["practitioner"])
        assert client.get(f"/referrals/{sent.public_id}/delete/").status_code == 404
        assert client.post(f"/referrals/{sent.public_id}/delete/").status_code == 404
        assert Referral.objects.get(pk=sent.pk).status == Status.SENT

    def test_a_draft_whose_risk_was_read_keeps_an_empty_row_no_list_shows(self, client, world):
        draft = world["referrals"]["draft"]
        services.risk_read(referral=draft, by=world["practitioner"], channel="page", why="test")
        assert AccessLog.objects.filter(referral=draft).exists()
        client.force_login(world["practitioner"])
        client.post(f"/referrals/{draft.public_id}/delete/", follow=True)
        row = Referral.objects.get(pk=draft.pk)
        assert row.anonymised_at is not None and row.first_name == ""
        assert draft.reference not in client.get("/referrals/?tab=pdu").content.decode()


class TestMarkRead:
    def test_opening_a_referral_marks_its_notifications_read_for_that_user(self, client, world):
        sent, other = world["referrals"]["sent"], world["referrals"]["old"]
        mine = Notification.objects.create(
            recipient=world["practitioner"], kind="concern", title="A", link=sent.portal_path
        )
        elsewhere = Notification.objects.create(
            recipient=world["practitioner"], kind="concern", title="B", link=other.portal_path
        )
        colleagues = Notification.objects.create(
            recipient=world["colleague"], kind="concern", title="C", link=sent.portal_path
        )
        client.force_login(world["practitioner"])
        assert client.head(f"/referrals/{sent.public_id}/").status_code == 200
        mine.refresh_from_db()
        assert mine.read_at is None  # HEAD never writes
        assert client.get(f"/referrals/{sent.public_id}/").status_code == 200
        for notification in (mine, elsewhere, colleagues):
            notification.refresh_from_db()
        assert mine.read_at is not None
        assert elsewhere.read_at is None and colleagues.read_at is None


def test_a_new_report_is_new_on_the_home_page_until_the_referral_is_opened(client, world):
    referral = world["referrals"]["accepted"]
    admin = world["admin"]
    services.session_record(
        referral=referral,
        by=admin,
        kind="first_contact",
        held_on=timezone.localdate(),
        mode="phone",
        attendance="attended",
    )
    services.report_send(
        referral=referral,
        by=admin,
        closing_reason="completed",
        summary="Housed.",
        outcomes={o.pk: ("achieved", "") for o in referral.desired_outcomes.all()},
    )
    client.force_login(world["practitioner"])
    link = f"New end-of-service report for referral {referral.reference}"
    home = client.get("/").content.decode()
    assert link in home
    assert "New end-of-service reports (1)" in home
    client.get(f"/referrals/{referral.public_id}/")
    home = client.get("/").content.decode()
    assert link not in home
    assert "New end-of-service reports (0)" in home
