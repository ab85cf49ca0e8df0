import pytest

from partnership.models import ComplexityLevel, Pdu, Region, ServiceCategory

pytestmark = pytest.mark.django_db


def test_migrations_load_the_twelve_regions_and_108_pdus():
    assert Region.objects.count() == 12
    assert Pdu.objects.count() == 108
    assert Region.objects.filter(name__in=["Greater Manchester", "Wales"]).count() == 2
    assert Pdu.objects.get(name="Manchester North").region.code == "L"


def test_every_category_has_three_complexity_levels_and_desired_outcomes():
    categories = ServiceCategory.objects.all()
    assert categories.count() == 10
    for category in categories:
        levels = set(category.complexity_levels.values_list("level", flat=True))
        assert levels == set(ComplexityLevel.Level.values)
        assert category.desired_outcomes.exists()
