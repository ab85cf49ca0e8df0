"""Who hears about it: the recipient queries every app asks, active users only."""

import pytest

from notifications.selectors import (
    commissioners_for_regions,
    commissioners_of_body,
    staff_of_organisation,
)
from partnership.models import Region, Role
from partnership.tests.factories import CommissioningBodyFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_recipients_the_staff_of_an_organisation_are_its_active_admins_and_caseworkers():
    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    caseworker = UserFactory(role=Role.CASEWORKER, organisation=admin.organisation)
    UserFactory(role=Role.CASEWORKER, organisation=admin.organisation, is_active=False)
    UserFactory(role=Role.PROVIDER_ADMIN)  # another organisation's
    UserFactory(role=Role.PRACTITIONER)

    assert set(staff_of_organisation(admin.organisation_id)) == {admin, caseworker}
    assert list(staff_of_organisation(admin.organisation_id, admins_only=True)) == [admin]


def test_recipients_the_commissioners_of_a_body_are_its_active_commissioners_only():
    body = CommissioningBodyFactory()
    commissioner = UserFactory(role=Role.COMMISSIONER, commissioning_body=body)
    UserFactory(role=Role.ASSESSOR, commissioning_body=body)
    UserFactory(role=Role.COMMISSIONER, commissioning_body=body, is_active=False)
    UserFactory(role=Role.COMMISSIONER)  # another body's

    assert list(commissioners_of_body(body.pk)) == [commissioner]


def test_recipients_commissioners_for_regions_come_once_and_combine_with_the_others():
    north, south, elsewhere = Region.objects.order_by("code")[:3]
    both = CommissioningBodyFactory(regions=[north, south])
    covering_both = UserFactory(role=Role.COMMISSIONER, commissioning_body=both)
    covering_south = UserFactory(
        role=Role.COMMISSIONER, commissioning_body=CommissioningBodyFactory(regions=[south])
    )
    UserFactory(
        role=Role.COMMISSIONER, commissioning_body=CommissioningBodyFactory(regions=[elsewhere])
    )
    UserFactory(role=Role.ASSESSOR, commissioning_body=both)

    found = commissioners_for_regions([north.pk, south.pk])
    assert sorted(user.pk for user in found) == sorted([covering_both.pk, covering_south.pk])
    assert list(commissioners_for_regions(Region.objects.filter(pk=north.pk).values("pk"))) == [
        covering_both
    ]

    # As an alert's recipients: the region's commissioners and a provider's admins, each once.
    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    hears = commissioners_for_regions([north.pk, south.pk]) | staff_of_organisation(
        admin.organisation_id, admins_only=True
    )
    assert sorted(hears.values_list("pk", flat=True)) == sorted(
        [covering_both.pk, covering_south.pk, admin.pk]
    )
