"""What each score from 0 to 5 means, said once (SCORE_DESCRIPTORS) and shown to assessors
beside the radios they score with."""

import html
import re

import pytest

from commissioning import services
from commissioning.forms import SCORE_DESCRIPTORS, ScoresForm
from commissioning.models import AssessorAssignment
from commissioning.tests.factories import add_lot, apply, new_round, open_round
from partnership.models import Role
from partnership.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_there_is_one_descriptor_for_each_score_from_0_to_5():
    assert [score for score, _, _ in SCORE_DESCRIPTORS] == [0, 1, 2, 3, 4, 5]
    assert SCORE_DESCRIPTORS[0][1] == "No evidence" and SCORE_DESCRIPTORS[5][1] == "Excellent"
    assert all(name and meaning for _, name, meaning in SCORE_DESCRIPTORS)


def test_the_scores_form_labels_each_option_with_its_descriptor():
    criterion = type("Criterion", (), {"pk": 7, "name": "Quality", "weight": 60})()
    form = ScoresForm(criteria=[criterion], existing={})
    choices = form.fields["score_7"].choices
    assert [value for value, _ in choices] == ["0", "1", "2", "3", "4", "5"]
    assert [label for _, label in choices] == [f"{s} – {n}" for s, n, _ in SCORE_DESCRIPTORS]
    assert form.score_descriptors is SCORE_DESCRIPTORS
    # The stored value is still the bare number.
    form = ScoresForm({"score_7": "3"}, criteria=[criterion], existing={})
    assert form.is_valid(), form.errors
    assert form.scores() == {7: (3, "")}


def test_the_scoring_page_says_what_each_score_means(client):
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
    services.assessor_assign(application=application, by=commissioner, assessor=assessor)
    assignment = AssessorAssignment.objects.get(application=application, assessor=assessor)
    services.conflict_declare(assignment=assignment, by=assessor, has_conflict=False)
    client.force_login(assessor)

    page = html.unescape(client.get(f"/assessments/{assignment.pk}/").content.decode())

    table = re.search(r'<table[^>]*data-testid="score-descriptors".*?</table>', page, re.S).group(0)
    for score, name, meaning in SCORE_DESCRIPTORS:
        assert f"{score} – {name}" in table
        assert meaning in table
    criterion = funding_round.criteria.order_by("id").first()
    for score, name, _ in SCORE_DESCRIPTORS:
        label = re.search(
            rf'<label[^>]*for="id_score_{criterion.pk}_{score}">([^<]*)</label>', page
        )
        assert label.group(1) == f"{score} – {name}"
