"""Risk documents in the private storage: written, read and deleted only through
`STORAGES["private"]`, never left behind by a failed upload, streamed to whoever may read
them, and downloaded under a safe version of the name they were uploaded with."""

import hashlib
import logging
import os
import re
import stat
from urllib.parse import unquote

import pytest
from django.core.files.storage import storages
from django.http import FileResponse
from django.test import Client
from django.utils.http import parse_header_parameters

from partnership.tests.factories import issue_token
from referrals import documents, services
from referrals.models import AccessLog, RiskDocument, Status
from referrals.tests.factories import referral_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<</Type /Catalog /Pages 2 0 R>>\nendobj\n%%EOF\n"
# Larger than a FileResponse's block, so that it comes in more than one.
BIG_PDF = PDF + b"%" + b"0" * (256 * 1024) + b"\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def in_memory(settings):
    """The private storage in memory: anything written elsewhere would not be found."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return storages["private"]


@pytest.fixture
def draft():
    return referral_in(Status.DRAFT)


def add(referral, name="risk.pdf", content=PDF) -> RiskDocument:
    return services.document_add(
        referral=referral, by=referral.practitioner, name=name, content=content
    )


def stored(storage) -> list[str]:
    if not storage.exists(documents.FOLDER):
        return []
    return storage.listdir(documents.FOLDER)[1]


def page_download(document: RiskDocument):
    client = Client()
    client.force_login(document.referral.practitioner)
    return client.get(f"/referrals/{document.referral.public_id}/documents/{document.public_id}/")


def api_download(document: RiskDocument):
    _, raw = issue_token(document.referral.practitioner)
    return Client().get(
        f"/api/v1/referrals/{document.referral.public_id}/documents/{document.public_id}/download/",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


def test_a_document_is_written_read_and_deleted_through_the_private_storage(
    in_memory, draft, private_files, django_capture_on_commit_callbacks
):
    document = add(draft)

    assert stored(in_memory) == [document.storage_name]
    with in_memory.open(f"{documents.FOLDER}/{document.storage_name}") as file:
        assert file.read() == PDF
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert not any(private_files.iterdir())  # nothing beside the storage, on the disk
    assert page_download(document).getvalue() == PDF

    with django_capture_on_commit_callbacks(execute=True):
        services.document_remove(document=document, by=draft.practitioner)
    assert stored(in_memory) == []


def test_document_files_on_the_filesystem_are_the_portal_users_alone_and_have_no_url(
    draft, private_files
):
    document = add(draft)

    path = private_files / documents.FOLDER / document.storage_name
    assert path.read_bytes() == PDF
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    with pytest.raises(ValueError, match="no URL"):
        storages["private"].url(f"{documents.FOLDER}/{document.storage_name}")


def test_a_document_upload_that_fails_after_its_file_is_written_leaves_no_file(
    in_memory, draft, monkeypatch
):
    def event_fails(*args, **kwargs):
        raise RuntimeError("the timeline could not be written")

    # The file and the row are written; the event after them fails, and all rolls back.
    monkeypatch.setattr(services, "_event", event_fails)
    with pytest.raises(RuntimeError):
        add(draft)

    assert not RiskDocument.objects.filter(referral=draft).exists()
    assert stored(in_memory) == []


def test_a_document_upload_that_succeeds_keeps_its_row_and_its_file(in_memory, draft):
    document = add(draft, content=BIG_PDF)

    row = RiskDocument.objects.get(referral=draft)
    assert row.pk == document.pk and row.size == len(BIG_PDF)
    assert stored(in_memory) == [row.storage_name]
    assert documents.exists(row.storage_name)


def test_a_document_upload_refused_at_the_referrals_limit_leaves_no_file(
    in_memory, draft, settings
):
    settings.RISK_DOCUMENTS_PER_REFERRAL = 1
    kept = add(draft)

    with pytest.raises(documents.DocumentRejected):
        add(draft, name="second.pdf")

    assert stored(in_memory) == [kept.storage_name]


def test_a_removed_documents_file_goes_on_commit_and_a_storage_failure_is_only_logged(
    draft, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    document = add(draft)

    def delete_fails(name):
        raise OSError("the bucket cannot be reached")

    monkeypatch.setattr(storages["private"], "delete", delete_fails)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        services.document_remove(document=document, by=draft.practitioner)

    assert not RiskDocument.objects.filter(pk=document.pk).exists()
    assert "on_commit" in caplog.text
    monkeypatch.undo()
    assert documents.exists(document.storage_name)


@pytest.mark.parametrize("download", [page_download, api_download], ids=["page", "api"])
def test_a_document_download_is_streamed_from_the_storage_and_its_read_logged(
    draft, download, monkeypatch
):
    document = add(draft, content=BIG_PDF)
    opened = []

    def open_file(storage_name):
        opened.append(documents.private_storage().open(f"{documents.FOLDER}/{storage_name}"))
        return opened[-1]

    monkeypatch.setattr(documents, "open_file", open_file)
    response = download(document)

    assert response.status_code == 200
    assert isinstance(response, FileResponse) and response.streaming
    assert len(opened) == 1 and not opened[0].closed
    chunks = list(response.streaming_content)
    assert len(chunks) > 1 and b"".join(chunks) == BIG_PDF
    assert opened[0].closed  # once sent
    assert response["Content-Length"] == str(len(BIG_PDF))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert AccessLog.objects.filter(
        referral=draft, what=f"risk_document:{document.public_id}"
    ).exists()


@pytest.mark.parametrize(
    "original, content_type, expected",
    [
        ("Risk assessment (March).pdf", "application/pdf", "Risk assessment (March).pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("..\\..\\Windows\\system.ini.docx", documents.DOCX.content_type, "system.ini.docx"),
        ('"; filename=evil.exe', "application/pdf", "_; filename=evil.exe.pdf"),
        ("risk\x00.pdf", "application/pdf", "risk.pdf"),
        ("risk\r\nSet-Cookie: a=b.pdf", "application/pdf", "riskSet-Cookie_ a=b.pdf"),
        ("summary\u202efdp.exe.pdf", "application/pdf", "summaryfdp.exe.pdf"),
        ("zero\u200bwidth.pdf", "application/pdf", "zerowidth.pdf"),
        ("photo.JPEG", "image/jpeg", "photo.jpeg"),
        ("report.exe", "application/pdf", "report.exe.pdf"),
        ("...hidden.png", "image/png", "hidden.png"),
        ("..", "application/pdf", "risk-document.pdf"),
        ("\x00\x07\x1b", "application/pdf", "risk-document.pdf"),
        ("Оценка риска.odt", documents.ODT.content_type, "Оценка риска.odt"),
    ],
)
def test_a_document_download_name_is_the_original_made_safe(original, content_type, expected):
    assert documents.download_name(original, content_type) == expected


@pytest.mark.parametrize(
    "original",
    [
        "a" * 300 + ".pdf",
        "я" * 300 + ".pdf",
        "风险评估" * 80 + ".pdf",
        "x" * 145 + "é" + ".pdf",
    ],
)
def test_a_long_document_name_is_cut_whole_characters_keeping_its_extension(original):
    name = documents.download_name(original, "application/pdf")

    assert name.endswith(".pdf") and original.startswith(name[:-4])
    assert len(name.encode()) <= documents.DOWNLOAD_NAME_MAX_BYTES


@pytest.mark.parametrize(
    "original, ascii_name",
    [
        ('../x/"; filename=evil.exe\r\n.pdf', "filename_evil.exe.pdf"),
        ("Café déjà vu.pdf", "Cafe deja vu.pdf"),
        ("Оценка риска.pdf", "risk-document.pdf"),
        ("\u202eevil\x00.pdf", "evil.pdf"),
        ("Risk assessment (March).pdf", "Risk assessment (March).pdf"),
    ],
)
def test_a_document_content_disposition_names_the_file_twice_and_safely(original, ascii_name):
    header = documents.content_disposition(original, "application/pdf")
    kind, parameters = parse_header_parameters(header)

    # One quoted plain name and one percent-encoded full name: nothing in the name can
    # end the quotes, add a parameter or a header line.
    shape = re.fullmatch(
        r"""attachment; filename="([A-Za-z0-9 ._()-]+)"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)""",
        header,
    )
    assert shape is not None, header
    assert shape[1] == ascii_name
    assert unquote(shape[2]) == documents.download_name(original, "application/pdf")
    # As a parser reads it: attachment, and the full name (filename* wins).
    assert kind == "attachment"
    assert parameters["filename"] == documents.download_name(original, "application/pdf")


@pytest.mark.parametrize("download", [page_download, api_download], ids=["page", "api"])
def test_a_document_download_is_named_after_the_uploaded_file_not_its_id(draft, download):
    document = add(draft, name='..\\Оценка "риска"\r\n\u202e.pdf')

    header = download(document)["Content-Disposition"]

    assert str(document.public_id) not in header
    assert header == (
        "attachment; filename=\"risk-document.pdf\"; filename*=UTF-8''"
        "%D0%9E%D1%86%D0%B5%D0%BD%D0%BA%D0%B0%20_%D1%80%D0%B8%D1%81%D0%BA%D0%B0_.pdf"
    )


def test_a_document_of_no_known_kind_keeps_its_name_and_a_plain_ascii_fallback():
    header = documents.content_disposition("rapport.été", "application/octet-stream")

    assert header == "attachment; filename=\"rapport.ete\"; filename*=UTF-8''rapport.%C3%A9t%C3%A9"
