"""A page of ids counted in the statement that reads it (`partnership.lists.page_of_ids`)."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnership import lists
from partnership.lists import page_of_ids
from partnership.models import Pdu

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdus():
    queryset = Pdu.objects.order_by("name", "pk")
    assert queryset.count() > 7
    return queryset


@pytest.mark.parametrize("number", [1, 2, 3, "2", "", None, "x", -4, 0, 999, 10**30])
def test_a_page_is_the_one_pagers_get_page_gives(pdus, number):
    expected = Paginator(pdus.values_list("pk", flat=True), 3).get_page(number)
    page = page_of_ids(pdus, per_page=3, number=number)
    assert list(page) == list(expected)
    assert page.number == expected.number
    assert page.paginator.count == expected.paginator.count
    assert (page.has_next(), page.has_previous()) == (expected.has_next(), expected.has_previous())


def test_a_page_within_the_list_is_one_statement(pdus):
    with CaptureQueriesContext(connection) as queries:
        page = page_of_ids(pdus, per_page=3, number=2)
        assert page.paginator.num_pages > 2 and len(page) == 3
    assert len(queries) == 1


def test_an_empty_list_is_one_empty_first_page():
    page = page_of_ids(Pdu.objects.none(), per_page=3, number=1)
    assert list(page) == [] and page.number == 1 and page.paginator.count == 0


def test_counts_together_are_each_capped_count_in_one_statement(pdus, monkeypatch):
    monkeypatch.setattr(lists, "COUNT_LIMIT", 4)
    querysets = {
        "all": Pdu.objects.all(),
        "few": Pdu.objects.filter(pk__in=list(pdus.values_list("pk", flat=True)[:2])),
        "named": Pdu.objects.filter(name__startswith="Manchester"),
        "none": Pdu.objects.none(),
        "nothing": Pdu.objects.filter(pk__in=[]),
    }
    expected = {key: lists.capped_count(queryset) for key, queryset in querysets.items()}

    with CaptureQueriesContext(connection) as queries:
        counts = lists.capped_counts(querysets)

    assert counts == expected
    assert counts["all"] == 5 and counts["few"] == 2 and counts["none"] == 0
    assert len(queries) == 1
    assert lists.capped_counts({}) == {}
    whole = lists.capped_counts(querysets, capped=False)
    assert whole["all"] == Pdu.objects.count() > 5
    assert whole["few"] == 2 and whole["none"] == 0 and whole["nothing"] == 0
