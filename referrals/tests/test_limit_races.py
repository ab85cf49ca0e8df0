"""Limits that parallel requests must not pass together: risk documents per referral."""

import pytest

from partnership.tests.concurrency import run_together
from referrals import documents, services
from referrals.models import RiskDocument, Status
from referrals.tests.factories import referral_in

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def test_limit_race_parallel_uploads_leave_exactly_the_cap(committed_db, settings, private_files):
    settings.RISK_DOCUMENTS_PER_REFERRAL = 10
    referral = referral_in(Status.DRAFT)

    def upload(index: int):
        return services.document_add(
            referral=referral, by=referral.practitioner, name=f"risk-{index}.pdf", content=PDF
        )

    outcomes = run_together(30, upload)

    added = [o for o in outcomes if isinstance(o, RiskDocument)]
    refused = [o for o in outcomes if isinstance(o, documents.DocumentRejected)]
    assert len(added) == 10 and len(refused) == 20, outcomes
    assert all("at most 10 risk documents" in str(exc) for exc in refused)
    assert RiskDocument.objects.filter(referral=referral).count() == 10
    # Nothing kept on disk for a refused upload.
    assert len([path for path in private_files.rglob("*") if path.is_file()]) == 10
    assert referral.events.filter(kind="document_added").count() == 10
