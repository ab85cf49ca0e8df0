"""The stand-in case record on a free port, with the portal's settings pointing at it."""

import pytest
from django.core.cache import cache

from tooling.caserecord_standin import CaseRecordStandIn, environ, serve


@pytest.fixture(name="standin")
def standin_fixture(settings):
    """A stand-in seeded with the demo's people; the portal's case record is it, over HTTP."""
    record = CaseRecordStandIn()
    server = serve(record)
    for key, value in environ(f"http://127.0.0.1:{server.server_address[1]}").items():
        setattr(settings, key, value)
    settings.CASE_RECORD_READ_TIMEOUT_SECONDS = 0.5
    settings.CASE_RECORD_BACKOFF_SECONDS = 0
    # No token or open circuit from another test.
    cache.clear()
    yield record
    server.shutdown()
    server.server_close()
    cache.clear()
