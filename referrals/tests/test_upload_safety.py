"""Risk document uploads that are unsafe to open: archive bombs, macros, polyglots, and
bodies larger than the portal takes, refused through the service, the API and the page."""

import io
import struct
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from partnership.tests.factories import issue_token
from referrals import documents, services
from referrals.models import RiskDocument, Status
from referrals.tests.factories import referral_in

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<</Type /Catalog /Pages 2 0 R>>\nendobj\n%%EOF\n"
# A JPEG whose first KiB carries XMP metadata, as cameras and scanners write it.
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    b"\xff\xe1\x01\x00http://ns.adobe.com/xap/1.0/\x00<?xpacket begin='' id='W5M0'?>"
    b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><rdf:Description/></rdf:RDF></x:xmpmeta>"
    + bytes(range(256)) * 8
    + b"\xff\xd9"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
DOCX_TYPES = (
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCM_TYPES = DOCX_TYPES.replace(
    b"vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    b"vnd.ms-word.document.macroEnabled.main+xml",
)


def archive(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as zipped:
        for name, content in members.items():
            zipped.writestr(name, content)
    return buffer.getvalue()


def docx(extra: dict[str, bytes] | None = None, *, types: bytes = DOCX_TYPES, **kwargs) -> bytes:
    members = {"[Content_Types].xml": types, "word/document.xml": b"<w:document/>"}
    return archive({**members, **(extra or {})}, **kwargs)


def odt(extra: dict[str, bytes] | None = None, **kwargs) -> bytes:
    members = {
        "mimetype": documents.ODT.content_type.encode(),
        "content.xml": b"<office:document-content/>",
        "META-INF/manifest.xml": b"<manifest:manifest/>",
    }
    return archive({**members, **(extra or {})}, **kwargs)


def with_declared_size(content: bytes, name: str, size: int) -> bytes:
    """The archive with `name`'s uncompressed size rewritten (local header and directory),
    as a bomb's maker would: the bytes stay, only the claim changes."""
    data = bytearray(content)
    encoded = name.encode()
    at = 0
    while (at := data.find(b"PK\x03\x04", at)) >= 0:
        if data[at + 30 : at + 30 + len(encoded)] == encoded:
            struct.pack_into("<I", data, at + 22, size)
        at += 4
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        if data[at + 46 : at + 46 + len(encoded)] == encoded:
            struct.pack_into("<I", data, at + 24, size)
        at += 4
    return bytes(data)


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def draft():
    return referral_in(Status.DRAFT)


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def upload_by_service(referral, name, content) -> str | None:
    try:
        services.document_add(
            referral=referral, by=referral.practitioner, name=name, content=content
        )
    except documents.DocumentRejected as exc:
        return str(exc)
    return None


def upload_by_api(referral, name, content) -> str | None:
    _, raw = issue_token(referral.practitioner, scope="write")
    response = Client().post(
        f"/api/v1/referrals/{referral.public_id}/documents/",
        {"file": SimpleUploadedFile(name, content)},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    if response.status_code == 201:
        return None
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()["errors"]["file"][0]


def upload_by_page(referral, name, content) -> str | None:
    client = Client()
    client.force_login(referral.practitioner)
    response = client.post(
        f"/referrals/{referral.public_id}/tasks/documents/",
        {"file": SimpleUploadedFile(name, content)},
    )
    if response.status_code == 302:
        return None
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    return page


CHANNELS = {"service": upload_by_service, "api": upload_by_api, "page": upload_by_page}


def assert_refused(channel, referral, root, name, content, expected: str) -> None:
    message = CHANNELS[channel](referral, name, content)
    assert message is not None, f"{name} was accepted"
    assert expected in message, message
    assert not RiskDocument.objects.exists()
    assert not stored_files(root)


# Decompression bombs ---------------------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_upload_safety_refuses_compression_office_files_do_not_use_unread(
    channel, method, draft, private_files, monkeypatch
):
    # The shape of the reported bomb: an ODT's mimetype member, tiny, expanding hugely.
    bomb = archive(
        {"mimetype": documents.ODT.content_type.encode() + b" " * (8 * MIB)}, method=method
    )
    assert len(bomb) < 64 * 1024
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kw: opened.append(args))
    assert_refused(
        channel,
        draft,
        private_files,
        "plan.odt",
        bomb,
        "uses a kind of compression that Word (DOCX) and OpenDocument text (ODT) files do not use",
    )
    assert opened == [], "a member was read before the archive was refused"


@pytest.mark.parametrize("channel", CHANNELS)
def test_upload_safety_refuses_a_member_declaring_more_than_the_cap_unread(
    channel, draft, private_files, settings, monkeypatch
):
    settings.RISK_DOCUMENT_MAX_EXPANDED_BYTES = MIB
    bomb = odt({"content.xml": b"\x00" * (4 * MIB)})
    assert len(bomb) < 64 * 1024
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kw: opened.append(args))
    assert_refused(
        channel, draft, private_files, "plan.odt", bomb, "expands to more than 1 MB when opened"
    )
    assert opened == []


def test_upload_safety_a_member_expanding_past_its_declared_size_is_refused_within_it(
    draft, private_files
):
    # Declares 1 KiB, holds 64 MiB of zeros: reading stops at the declared size.
    bomb = with_declared_size(
        docx({"word/media/fill.bin": b"\x00" * (64 * MIB)}), "word/media/fill.bin", 1024
    )
    assert len(bomb) < 128 * 1024
    tracemalloc.start()
    try:
        message = upload_by_service(draft, "plan.docx", bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message is not None and "damaged" in message
    assert peak < 4 * MIB, f"checking the file took {peak} bytes"
    assert not RiskDocument.objects.exists() and not stored_files(private_files)


@pytest.mark.parametrize("channel", CHANNELS)
def test_upload_safety_refuses_too_many_members(channel, draft, private_files, settings):
    settings.RISK_DOCUMENT_MAX_MEMBERS = 50
    crowded = docx({f"word/media/{n}.xml": b"" for n in range(60)})
    assert_refused(channel, draft, private_files, "plan.docx", crowded, "more than 50 parts")


def test_upload_safety_an_ordinary_docx_and_odt_are_still_accepted(draft, private_files):
    assert (
        upload_by_service(draft, "plan.docx", docx({"word/styles.xml": b"<w:styles/>" * 500}))
        is None
    )
    assert upload_by_service(draft, "plan.odt", odt(method=zipfile.ZIP_STORED)) is None
    assert upload_by_service(draft, "scan.jpg", JPEG) is None
    assert upload_by_service(draft, "scan.png", PNG) is None
    assert upload_by_service(draft, "oasys.pdf", PDF) is None
    assert RiskDocument.objects.count() == 5


# Macros ------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plan.docx", docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macros"})),
        ("plan.docx", docx(types=DOCM_TYPES)),
        ("plan.odt", odt({"Basic/Standard/Module1.xml": b"<script:module/>"})),
        ("plan.odt", odt({"Scripts/python/run.py": b"import os"})),
    ],
    ids=["docx-vba-project", "docm-content-type", "odt-basic", "odt-scripts"],
)
def test_upload_safety_refuses_office_files_with_macros(
    channel, name, content, draft, private_files
):
    assert_refused(channel, draft, private_files, name, content, "contains macros")


# Polyglots ---------------------------------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "oasys.pdf",
            b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"
            + PDF[9:],
            "is a PDF that also contains web page code",
        ),
        (
            "scan.jpg",
            b"\xff\xd8\xff\xfe\x00\x30<svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>"
            + JPEG[2:],
            "is a JPEG that also contains web page code",
        ),
        (
            "scan.png",
            PNG + b"\x00\x00\x00\x20tEXt<!DOCTYPE html><p>hi</p>",
            "is a PNG that also contains web page code",
        ),
        ("scan.jpg", JPEG + docx(), "is a JPEG with a zip archive attached"),
        (
            "oasys.pdf",
            PDF + archive({"run.html": b"<html/>"}),
            "is a PDF with a zip archive attached",
        ),
    ],
    ids=["pdf-html", "jpeg-svg", "png-html", "jpeg-zip", "pdf-zip"],
)
def test_upload_safety_refuses_polyglots(channel, name, content, expected, draft, private_files):
    assert_refused(channel, draft, private_files, name, content, expected)


# Bodies larger than the portal takes ------------------------------------------------------


class UnreadableBody:
    """A request body that fails the test if more than its first bytes are read."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        self.read_bytes += max(size, 0)
        raise AssertionError("the request body was read")

    readline = read


def post_huge(client: Client, path: str, **extra):
    body = UnreadableBody()
    response = client.post(
        path,
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(60 * MIB),
        **{"wsgi.input": body},
        **extra,
    )
    return response, body


def test_upload_safety_page_refuses_a_huge_body_from_its_length_unread(draft):
    # With CSRF checks on, as in production: the check reads the form before any view.
    client = Client(enforce_csrf_checks=True)
    client.force_login(draft.practitioner)
    response, body = post_huge(client, f"/referrals/{draft.public_id}/tasks/documents/")
    assert response.status_code == 413
    page = response.content.decode()
    assert "The file is too large" in page and "must be smaller than 10 MB" in page
    assert "govuk-heading-l" in page
    assert body.read_bytes == 0
    assert not RiskDocument.objects.exists()


def test_upload_safety_api_refuses_a_huge_body_from_its_length_unread(draft):
    # A browser session on the API: DRF's CSRF check would read the body during sign-in.
    client = Client(enforce_csrf_checks=True)
    client.force_login(draft.practitioner)
    response, body = post_huge(client, f"/api/v1/referrals/{draft.public_id}/documents/")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert "smaller than 10 MB" in response.json()["detail"]
    _, raw = issue_token(draft.practitioner, scope="write")
    response, body = post_huge(
        Client(),
        f"/api/v1/referrals/{draft.public_id}/documents/",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert not RiskDocument.objects.exists()


def test_upload_safety_a_body_within_the_limit_still_reaches_the_page(draft, settings):
    settings.REQUEST_BODY_MAX_BYTES = 64 * 1024
    settings.RISK_DOCUMENT_MAX_BYTES = 32 * 1024
    client = Client()
    client.force_login(draft.practitioner)
    path = f"/referrals/{draft.public_id}/tasks/documents/"
    accepted = client.post(path, {"file": SimpleUploadedFile("oasys.pdf", PDF)})
    assert accepted.status_code == 302
    # Over the file limit but within the body limit: the form's own GOV.UK error.
    page = client.post(
        path, {"file": SimpleUploadedFile("big.pdf", PDF + b"0" * 40 * 1024)}
    ).content.decode()
    assert "There is a problem" in page and "The selected file must be smaller than 32 KB" in page
    assert RiskDocument.objects.count() == 1
