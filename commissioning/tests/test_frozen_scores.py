"""Once an application is decided, its assessors' declarations and scores are the record the
decision rests on: they cannot change, in pages or the API, and every change before that is
kept in their history."""

import pytest

from commissioning import services
from commissioning.models import AssessorAssignmentHistory, Score, ScoreHistory
from commissioning.tests.factories import add_lot, apply, auth, new_round, open_round
from partnership.errors import StateConflict
from partnership.models import Role
from partnership.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored():
    """An application scored 3 on every criterion by an assessor with no conflict."""
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    application, _ = apply(lot, income=50_000)
    services.round_transition(
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=commissioner.commissioning_body)
    assignment = services.assessor_assign(
        application=application, by=commissioner, assessor=assessor
    )
    services.conflict_declare(assignment=assignment, by=assessor, has_conflict=False)
    criteria = list(funding_round.criteria.all())
    services.scores_record(
        assignment=assignment, by=assessor, scores={c.pk: (3, "") for c in criteria}
    )
    return commissioner, application, assignment, assessor, criteria


def _decide(commissioner, application):
    services.application_decide(
        application=application, by=commissioner, successful=True, feedback="Strong local bid."
    )


def test_frozen_score_scores_can_change_until_the_decision(scored):
    _, _, assignment, assessor, criteria = scored
    services.scores_record(
        assignment=assignment, by=assessor, scores={c.pk: (4, "") for c in criteria}
    )
    assert set(Score.objects.filter(assignment=assignment).values_list("score", flat=True)) == {4}


def test_frozen_score_service_refuses_declaration_and_scores_after_decision(scored):
    commissioner, application, assignment, assessor, criteria = scored
    _decide(commissioner, application)
    with pytest.raises(StateConflict):
        services.conflict_declare(
            assignment=assignment, by=assessor, has_conflict=True, details="My sister works there"
        )
    with pytest.raises(StateConflict):
        services.scores_record(
            assignment=assignment, by=assessor, scores={c.pk: (0, "") for c in criteria}
        )
    assignment.refresh_from_db()
    assert assignment.has_conflict is False
    assert set(Score.objects.filter(assignment=assignment).values_list("score", flat=True)) == {3}


def test_frozen_score_api_answers_409_and_changes_nothing(client, scored):
    commissioner, application, assignment, assessor, criteria = scored
    _decide(commissioner, application)
    headers = auth(assessor)
    declared = client.post(
        f"/api/v1/assessments/{assignment.pk}/declare/",
        {"has_conflict": True, "details": "Withdrawn after the award"},
        content_type="application/json",
        **headers,
    )
    assert declared.status_code == 409
    assert declared["Content-Type"] == "application/problem+json"
    rescored = client.post(
        f"/api/v1/assessments/{assignment.pk}/score/",
        {"scores": [{"criterion": c.pk, "score": 5} for c in criteria]},
        content_type="application/json",
        **headers,
    )
    assert rescored.status_code == 409
    assert set(Score.objects.filter(assignment=assignment).values_list("score", flat=True)) == {3}


def test_frozen_score_page_shows_scores_read_only_and_refuses_a_post(client, scored):
    commissioner, application, assignment, assessor, criteria = scored
    _decide(commissioner, application)
    client.force_login(assessor)
    page = client.get(f"/assessments/{assignment.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="assessment-closed"' in html
    assert "Save scores" not in html
    posted = client.post(
        f"/assessments/{assignment.pk}/",
        {f"score_{c.pk}": "0" for c in criteria},
    )
    assert posted.status_code == 200
    assert set(Score.objects.filter(assignment=assignment).values_list("score", flat=True)) == {3}


def test_frozen_score_history_keeps_every_declaration_and_score(scored):
    _, _, assignment, assessor, criteria = scored
    services.scores_record(
        assignment=assignment, by=assessor, scores={c.pk: (5, "Revised") for c in criteria}
    )
    history = ScoreHistory.objects.filter(assignment=assignment).order_by("pgh_id")
    assert [event.score for event in history] == [3] * len(criteria) + [5] * len(criteria)
    declarations = AssessorAssignmentHistory.objects.filter(pgh_obj=assignment)
    assert declarations.filter(conflict_declared_at__isnull=False).exists()
