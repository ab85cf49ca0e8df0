"""Fixtures for the whole suite."""

import pytest
from rest_framework.test import APIClient

from partnership.models import Role
from partnership.tests.factories import UserFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def practitioner(db):
    return UserFactory(role=Role.PRACTITIONER)


@pytest.fixture
def caseworker(db):
    return UserFactory(role=Role.CASEWORKER)


@pytest.fixture
def commissioner(db):
    return UserFactory(role=Role.COMMISSIONER)
