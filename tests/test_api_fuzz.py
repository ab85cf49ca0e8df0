"""The whole API schema fuzzed with schemathesis, as each role and as an anonymous caller.

Every operation of `/api/v1/schema/` gets the schema's examples and a bounded number of
generated requests, valid and invalid, sent in-process with the role's write-scoped bearer
token. Ids in paths and bodies are often those of a small world of real objects
(`tests/fuzz/world.py`), so found objects are exercised as well as 404s and 400s. Each
response must not be a server error, must have a documented status code and content type,
and its body must conform to the schema. Each request runs in a savepoint that is rolled
back, so every example starts from the same world and a failure replays the same way.
"""

import os

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings

from tests.fuzz.schema import KnownIds, load
from tests.fuzz.world import ROLES, build_world

# Generated requests per operation and role, on top of the schema's examples: with 8 roles
# and about 80 operations the file takes about a minute. FUZZ_EXAMPLES=100 fuzzes deeper.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 3))

known = KnownIds()
schema = load(known, max_examples=MAX_EXAMPLES)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for the whole module, built once and rolled back at its end."""
    media = override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private"))
    with django_db_blocker.unblock(), media:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
            known.ids, known.references = built.ids, built.references
            yield built
        finally:
            known.ids, known.references = {}, {}
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@schema.parametrize()
@pytest.mark.parametrize("role", ROLES)
@settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_no_server_error_and_responses_match_the_schema(case, role, world):
    with transaction.atomic():
        try:
            case.call_and_validate(headers=world.headers[role])
        finally:
            transaction.set_rollback(True)
