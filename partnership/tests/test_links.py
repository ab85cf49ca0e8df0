"""A list's addresses reversed once (`partnership.links.address_maker`) are what reverse()
gives for each row."""

import uuid

import pytest
from django.urls import NoReverseMatch, reverse

from partnership.links import ANY_ID, ANY_PUBLIC_ID, address_maker


@pytest.mark.parametrize(
    ("name", "stand_in", "values"),
    [
        ("referrals:detail", ANY_PUBLIC_ID, [uuid.uuid4() for _ in range(3)]),
        ("capacity:alert", ANY_PUBLIC_ID, [uuid.UUID(int=1), uuid.uuid4()]),
        ("providers:service", ANY_ID, [0, 1, 10, 987654321, 2**40]),
        ("notification-read", ANY_ID, [7, 70, 700]),
    ],
)
def test_each_address_is_the_one_reverse_gives(name, stand_in, values):
    address = address_maker(name, stand_in=stand_in)
    for value in values:
        assert address(value) == reverse(name, args=[value])


def test_a_stand_in_the_route_does_not_take_fails_at_once_not_a_row_later():
    with pytest.raises(NoReverseMatch):
        address_maker("providers:service", stand_in=ANY_PUBLIC_ID)
