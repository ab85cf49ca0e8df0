"""Risk documents: type checked by content as well as name, kept in the private storage.

A document is accepted only when its bytes are one kind and nothing else: an office
document's archive is measured from its directory before any member is read, and read
back within those limits; images and PDFs may not also be a web page or carry an archive.

Files are written, read and deleted only through `STORAGES["private"]` (the filesystem
under PRIVATE_MEDIA_ROOT, or a bucket: partnership/settings/private_storage.py), under
`risk-documents/<random name>`; a download is streamed from there and named after the
uploaded file, made safe.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import struct
import unicodedata
import zipfile
import zlib
from contextvars import ContextVar
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.http import FileResponse

if TYPE_CHECKING:
    from referrals.models import RiskDocument

from partnership.errors import InvalidInput

ALLOWED_DESCRIPTION = "PDF, Word (DOCX), OpenDocument text (ODT), JPEG or PNG"
PASSWORD_PROTECTED = (
    "The selected file is password protected: remove the password and upload it again"
)
RESAVE_ADVICE = "save it again from your word processor without macros, or upload it as a PDF"


@dataclass(frozen=True)
class FileKind:
    extensions: tuple[str, ...]
    content_type: str
    label: str = ""


PDF = FileKind((".pdf",), "application/pdf", "PDF")
DOCX = FileKind(
    (".docx",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "Word (DOCX) document",
)
ODT = FileKind((".odt",), "application/vnd.oasis.opendocument.text", "OpenDocument text (ODT)")
JPEG = FileKind((".jpg", ".jpeg"), "image/jpeg", "JPEG")
PNG = FileKind((".png",), "image/png", "PNG")
KINDS = (PDF, DOCX, ODT, JPEG, PNG)

# DOCX and ODT are written with these two methods only; bzip2, LZMA and the rest are refused.
OFFICE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
READ_CHUNK = 64 * 1024
# What is read whole to tell the kind: small files, far below the archive's own limits.
MIMETYPE_MAX_BYTES = 256
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
# A zip's end-of-central-directory record and the span a reader searches for it.
EOCD_SIGNATURE = b"PK\x05\x06"
EOCD_SIZE = 22
EOCD_SEARCH = EOCD_SIZE + 0xFFFF
# Macros in OOXML (vbaProject.bin, its data, .docm/.dotm types) and in ODF (Basic/, Scripts/).
MACRO_MEMBER_NAMES = {"vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin"}
MACRO_MEMBER_PREFIXES = ("basic/", "scripts/")
MACRO_CONTENT_TYPES = (b"macroenabled", b"vbaproject", b"vbadata", b"ms-office.activex")
# What a browser takes as a web page, script or image with script, in a file's first KiB
# (the WHATWG sniffing patterns for HTML, with SVG, embeds and XML stylesheets besides).
SNIFF_WINDOW = 1024
# One- and two-letter tags are left out: random image bytes match them too often.
MARKUP_SIGNATURE = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed|style|title|"
    rb"table|div|font|\?xml-stylesheet)[\s>/]|<!--",
    re.IGNORECASE,
)


class DocumentRejected(InvalidInput):
    """The file is not one the portal accepts; the message says why (on the field `file`)."""

    def __init__(self, message: str = "", **kwargs):
        super().__init__(message, field="file", **kwargs)


def size_label(size: int) -> str:
    """A byte limit as people read it: whole MB, or KB below one MB."""
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MB"
    return f"{size // 1024} KB"


def _stream_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int):
    """A member's bytes in chunks, refused once past `limit` or its declared size (zipfile
    also fails the CRC of a member that expands past what it declares)."""
    allowed = min(limit, info.file_size)
    total = 0
    with archive.open(info) as member:
        while chunk := member.read(READ_CHUNK):
            total += len(chunk)
            if total > allowed:
                raise DocumentRejected(_expands_message())
            yield chunk


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    return b"".join(_stream_capped(archive, info, limit))


def _expands_message() -> str:
    return (
        "The selected file expands to more than "
        f"{size_label(settings.RISK_DOCUMENT_MAX_EXPANDED_BYTES)} when opened, which a Word "
        f"(DOCX) or OpenDocument text (ODT) file does not: {RESAVE_ADVICE}"
    )


def _declared_member_count(content: bytes) -> int | None:
    """The member count an archive's end record declares, read before the directory is."""
    at = content.rfind(EOCD_SIGNATURE, max(0, len(content) - EOCD_SEARCH))
    if at < 0 or at + EOCD_SIZE > len(content):
        return None
    return struct.unpack("<H", content[at + 10 : at + 12])[0]


def _office_kind(content: bytes) -> FileKind | None:
    """DOCX or ODT, measured before anything is read: member count, declared sizes and
    compression methods; then every member is read back within those sizes (so a member
    that expands past what it declares is caught), and macros are refused."""
    max_members = settings.RISK_DOCUMENT_MAX_MEMBERS
    too_many = (
        f"The selected file has more than {max_members} parts, which a Word (DOCX) or "
        f"OpenDocument text (ODT) file does not: {RESAVE_ADVICE}"
    )
    declared = _declared_member_count(content)
    if declared is None:
        return None
    if declared > max_members:
        raise DocumentRejected(too_many)
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            members = archive.infolist()
            if len(members) > max_members:
                raise DocumentRejected(too_many)
            _check_declared(members)
            names = {info.filename for info in members}
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                kind = DOCX
            elif "mimetype" in names and (
                _read_capped(archive, archive.getinfo("mimetype"), MIMETYPE_MAX_BYTES).strip()
                == ODT.content_type.encode()
            ):
                kind = ODT
            else:
                return None
            _check_macros(archive, kind, names)
            # Every member read back within its declared size: a lying header fails here.
            budget = settings.RISK_DOCUMENT_MAX_EXPANDED_BYTES
            for info in members:
                budget -= sum(len(chunk) for chunk in _stream_capped(archive, info, budget))
    except DocumentRejected:
        raise
    except RuntimeError as exc:  # zipfile's word for an encrypted member
        raise DocumentRejected(PASSWORD_PROTECTED) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error) as exc:
        raise DocumentRejected(
            f"The selected file is damaged and cannot be opened: it must be a {ALLOWED_DESCRIPTION}"
        ) from exc
    return kind


def _check_declared(members: list[zipfile.ZipInfo]) -> None:
    """Refuse on the directory alone: unusual compression, encryption or declared sizes."""
    total = 0
    for info in members:
        if info.compress_type not in OFFICE_COMPRESSION:
            raise DocumentRejected(
                "The selected file uses a kind of compression that Word (DOCX) and "
                f"OpenDocument text (ODT) files do not use: {RESAVE_ADVICE}"
            )
        if info.flag_bits & 0x1:
            raise DocumentRejected(PASSWORD_PROTECTED)
        total += info.file_size
        if total > settings.RISK_DOCUMENT_MAX_EXPANDED_BYTES:
            raise DocumentRejected(_expands_message())


def _check_macros(archive: zipfile.ZipFile, kind: FileKind, names: set[str]) -> None:
    macros = (
        "The selected file contains macros, which are not accepted: save it as a Word "
        "(DOCX) or OpenDocument text (ODT) file without macros, or as a PDF"
    )
    for name in names:
        lowered = name.lower()
        if lowered.rsplit("/", 1)[-1] in MACRO_MEMBER_NAMES or (
            kind is ODT and lowered.startswith(MACRO_MEMBER_PREFIXES)
        ):
            raise DocumentRejected(macros)
    if kind is DOCX:
        declared_types = _read_capped(
            archive, archive.getinfo("[Content_Types].xml"), CONTENT_TYPES_MAX_BYTES
        ).lower()
        if any(marker in declared_types for marker in MACRO_CONTENT_TYPES):
            raise DocumentRejected(macros)


def _check_single_kind(kind: FileKind, content: bytes) -> None:
    """A PDF or image that is also a web page, or carries a zip archive, is refused."""
    if MARKUP_SIGNATURE.search(content[:SNIFF_WINDOW]):
        raise DocumentRejected(
            f"The selected file is a {kind.label} that also contains web page code (HTML, "
            f"SVG or script): upload a {ALLOWED_DESCRIPTION} that holds only the document"
        )
    if EOCD_SIGNATURE in content[-EOCD_SEARCH:]:
        raise DocumentRejected(
            f"The selected file is a {kind.label} with a zip archive attached: upload a "
            f"{ALLOWED_DESCRIPTION} that holds only the document"
        )


def detect_kind(content: bytes) -> FileKind | None:
    """What the bytes are, from their signature (and structure, for zipped documents).

    Raises DocumentRejected for an archive that is unsafe to open or carries macros."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"PK\x03\x04"):
        return _office_kind(content)
    return None


def check_document(name: str, content: bytes) -> FileKind:
    """The kind of an acceptable document, or DocumentRejected naming what is allowed."""
    if len(content) == 0:
        raise DocumentRejected("The selected file is empty")
    if len(content) > settings.RISK_DOCUMENT_MAX_BYTES:
        raise DocumentRejected(
            f"The selected file must be smaller than {size_label(settings.RISK_DOCUMENT_MAX_BYTES)}"
        )
    kind = detect_kind(content)
    extension = Path(name).suffix.lower()
    if kind is None or extension not in kind.extensions:
        raise DocumentRejected(f"The selected file must be a {ALLOWED_DESCRIPTION}")
    if kind in (PDF, JPEG, PNG):
        _check_single_kind(kind, content)
    return kind


# The private storage's folder for risk documents; rows keep the name within it.
FOLDER = "risk-documents"
# The files a service wrapped in `files_removed_on_error` has stored so far.
_stored: ContextVar[list[str] | None] = ContextVar("risk_documents_stored", default=None)


def private_storage() -> Storage:
    return storages["private"]


def _key(storage_name: str) -> str:
    return f"{FOLDER}/{storage_name}"


def store(content: bytes) -> tuple[str, str]:
    """Write the bytes to the private storage under a new random name; returns the name
    and their SHA-256."""
    saved = private_storage().save(_key(secrets.token_hex(24)), ContentFile(content))
    storage_name = saved.removeprefix(f"{FOLDER}/")
    stored = _stored.get()
    if stored is not None:
        stored.append(storage_name)
    return storage_name, hashlib.sha256(content).hexdigest()


def files_removed_on_error(service):
    """Wrap a service that calls `store` in its transaction (outside its
    `transaction.atomic`): if the service fails, its transaction has rolled back, and the
    files it stored are deleted before the error goes on.

    Django runs nothing on rollback; this covers the service's own transaction. A file
    whose row is rolled back by an enclosing transaction stays, named by no row."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        stored: list[str] = []
        token = _stored.set(stored)
        try:
            return service(*args, **kwargs)
        except BaseException:
            for storage_name in stored:
                remove(storage_name)
            raise
        finally:
            _stored.reset(token)

    return wrapper


def open_file(storage_name: str) -> File:
    """The stored file, open for reading; FileNotFoundError when it is not there."""
    return private_storage().open(_key(storage_name), "rb")


def exists(storage_name: str) -> bool:
    return private_storage().exists(_key(storage_name))


def remove(storage_name: str) -> None:
    """Delete the stored file; nothing happens when it is already gone."""
    private_storage().delete(_key(storage_name))


# A download's name in UTF-8 bytes at most, extension included: within what any
# filesystem allows (255) once a browser adds " (1)".
DOWNLOAD_NAME_MAX_BYTES = 150
DOWNLOAD_NAME_FALLBACK = "risk-document"
# Dropped from names: control and format characters (NUL, CR, LF, bidirectional overrides
# such as U+202E, zero-width ones), line and paragraph separators, surrogates, private use
# and unassigned code points.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Replaced in names: quotes, and what a filesystem refuses or reads as a path.
RESERVED_CHARACTERS = frozenset('"\\/:*?<>|')
NOT_PLAIN_ASCII = re.compile(r"[^A-Za-z0-9 ._()-]+")


def _clean(text: str) -> str:
    kept = []
    for character in text:
        category = unicodedata.category(character)
        if category in UNSAFE_CATEGORIES:
            continue
        if character in RESERVED_CHARACTERS:
            kept.append("_")
        elif category == "Zs":
            kept.append(" ")
        else:
            kept.append(character)
    return re.sub(r" {2,}", " ", "".join(kept))


def download_name(original_name: str, content_type: str) -> str:
    """The uploaded file's name made safe to offer as a download's: its last path part,
    without control, format or reserved characters, with the extension of the kind its
    content was checked to be, within DOWNLOAD_NAME_MAX_BYTES."""
    name = unicodedata.normalize("NFC", original_name)
    # The last part of a path written either way, before anything else is judged.
    name = _clean(re.split(r"[/\\]", name)[-1])
    kind = next((kind for kind in KINDS if kind.content_type == content_type), None)
    stem, dot, suffix = name.rpartition(".")
    if kind is None:
        extension = ""
    elif dot and f".{suffix.lower()}" in kind.extensions:
        extension, name = f".{suffix.lower()}", stem
    else:
        extension = kind.extensions[0]
    limit = DOWNLOAD_NAME_MAX_BYTES - len(extension.encode())
    # Cut on a character's boundary; leading dots would hide the file or climb a path.
    stem = name.encode()[:limit].decode(errors="ignore").strip(" .")
    return (stem or DOWNLOAD_NAME_FALLBACK) + extension


def _ascii_download_name(name: str) -> str:
    """A plain ASCII version of a safe download name, for clients without `filename*`:
    accents dropped from their letters, anything else outside [A-Za-z0-9 ._()-] an
    underscore."""
    stem, dot, extension = name.rpartition(".")
    if not (dot and extension.isascii() and extension.isalnum()):
        stem, dot, extension = name, "", ""
    decomposed = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    plain = NOT_PLAIN_ASCII.sub("_", decomposed).strip(" ._")
    if not any(character.isalnum() for character in plain):
        plain = DOWNLOAD_NAME_FALLBACK
    return f"{plain}.{extension}" if dot else plain


def content_disposition(original_name: str, content_type: str) -> str:
    """`attachment` with the safe name twice: plain ASCII in `filename`, and in full as
    UTF-8 in `filename*` (RFC 6266), which browsers prefer."""
    name = download_name(original_name, content_type)
    return (
        f'attachment; filename="{_ascii_download_name(name)}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def download_response(document: RiskDocument, file: File) -> FileResponse:
    """The open file of a risk document (its row: name and content type) streamed as an
    attachment that no browser renders or keeps."""
    response = FileResponse(file, content_type=document.content_type)
    response["Content-Disposition"] = content_disposition(
        document.original_name, document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
