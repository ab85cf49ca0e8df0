"""Invitations that parallel requests must not duplicate."""

from django.core.exceptions import ValidationError

from partnership.models import Role, User
from partnership.tests.concurrency import run_together
from partnership.tests.factories import UserFactory
from providers import services
from providers.tests.factories import OrganisationFactory


def test_limit_race_parallel_invitations_of_one_address_make_one_account(committed_db):
    organisation = OrganisationFactory()
    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=organisation)

    def invite(_):
        return services.staff_invite(
            organisation=organisation,
            by=admin,
            email="new.caseworker@example.org",
            full_name="New Caseworker",
            role=Role.CASEWORKER,
        )

    outcomes = run_together(10, invite)

    invited = [o for o in outcomes if isinstance(o, User)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(invited) == 1 and len(refused) == 9, outcomes
    assert all("already one of your staff" in str(exc) for exc in refused)
    assert User.objects.filter(email__iexact="new.caseworker@example.org").count() == 1
