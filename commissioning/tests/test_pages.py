import pytest

from commissioning.tests.test_rounds import add_lot, apply, new_round, open_round
from partnership.models import Role
from partnership.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_commissioners_see_market_health_and_providers_only_their_own_applications(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    mine, admin = apply(lot, income=50_000)
    theirs, _ = apply(lot, income=60_000)
    client.force_login(commissioner)
    page = client.get(f"/funding-rounds/{funding_round.public_id}/").content.decode()
    assert 'data-testid="market-health"' in page and theirs.organisation.name in page
    client.force_login(admin)
    page = client.get(f"/funding-rounds/{funding_round.public_id}/").content.decode()
    assert mine.organisation.name in page and theirs.organisation.name not in page
    assert 'data-testid="market-health"' not in page


def test_draft_rounds_are_404_to_providers_and_rounds_are_404_to_practitioners(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    client.force_login(UserFactory(role=Role.PROVIDER_ADMIN))
    assert client.get(f"/funding-rounds/{funding_round.public_id}/").status_code == 404
    client.force_login(UserFactory(role=Role.PRACTITIONER))
    assert client.get(f"/funding-rounds/{funding_round.public_id}/").status_code == 404
