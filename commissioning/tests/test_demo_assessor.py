"""A fresh demo, loaded on any day of the month, gives the demo assessor applications to
declare on and score in the open round, through a lot of a round their body co-funds."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from commissioning import rules, selectors, services
from commissioning.demo import OPEN
from commissioning.models import LotAssessor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", [1, 15, 28, 31])
def test_the_demo_assessor_can_declare_and_score_in_the_open_round(day):
    from partnership.demo import load_demo
    from partnership.models import User

    at = datetime(2026, 12, day, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(at, tick=False):
        load_demo()
        assessor = User.objects.get(email="assessor@demo.example")
        lot_assessor = LotAssessor.objects.select_related("lot__funding_round").get(
            assessor=assessor
        )
        funding_round = lot_assessor.lot.funding_round
        assert funding_round.title == OPEN and funding_round.status == "open"
        assert rules.may_assess_round(assessor, funding_round)
        work = selectors.assessor_work(user=assessor)
        assert len(work["to_declare"]) >= 1 and work["to_score"] == []
        assignment = work["to_declare"][0]
        services.conflict_declare(assignment=assignment, by=assessor, has_conflict=False)
        services.scores_record(
            assignment=assignment,
            by=assessor,
            scores={c.pk: (4, "") for c in funding_round.criteria.all()},
        )
        assignment.refresh_from_db()
        assert assignment.completed_at is not None
        # The demo provider's own admin can still apply to every lot of the open round.
        admin = User.objects.get(email="provider-admin@demo.example")
        assert (
            not selectors.application_list_own(user=admin)
            .filter(lot__funding_round=funding_round)
            .exists()
        )
