"""Risk documents: type checked by content as well as name, stored outside the web root."""

from __future__ import annotations

import hashlib
import secrets
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.conf import settings

ALLOWED_DESCRIPTION = "PDF, Word (DOCX), OpenDocument text (ODT), JPEG or PNG"


@dataclass(frozen=True)
class FileKind:
    extensions: tuple[str, ...]
    content_type: str


PDF = FileKind((".pdf",), "application/pdf")
DOCX = FileKind(
    (".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
ODT = FileKind((".odt",), "application/vnd.oasis.opendocument.text")
JPEG = FileKind((".jpg", ".jpeg"), "image/jpeg")
PNG = FileKind((".png",), "image/png")


class DocumentRejected(Exception):
    """The file is not one the portal accepts; the message says why."""


def _zip_kind(content: bytes) -> FileKind | None:
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return DOCX
            if (
                "mimetype" in names
                and archive.read("mimetype").strip() == ODT.content_type.encode()
            ):
                return ODT
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    return None


def detect_kind(content: bytes) -> FileKind | None:
    """What the bytes are, from their signature (and structure, for zipped documents)."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    return None


def check_document(name: str, content: bytes) -> FileKind:
    """The kind of an acceptable document, or DocumentRejected naming what is allowed."""
    if len(content) == 0:
        raise DocumentRejected("The selected file is empty")
    if len(content) > settings.RISK_DOCUMENT_MAX_BYTES:
        raise DocumentRejected(
            f"The selected file must be smaller than {settings.RISK_DOCUMENT_MAX_BYTES // (1024 * 1024)} MB"
        )
    kind = detect_kind(content)
    extension = Path(name).suffix.lower()
    if kind is None or extension not in kind.extensions:
        raise DocumentRejected(f"The selected file must be a {ALLOWED_DESCRIPTION}")
    return kind


def store(content: bytes) -> tuple[str, str]:
    """Write the bytes under a random name; returns the name and their SHA-256."""
    root = Path(settings.PRIVATE_MEDIA_ROOT) / "risk-documents"
    root.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(24)
    (root / name).write_bytes(content)
    return name, hashlib.sha256(content).hexdigest()


def path_of(storage_name: str) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "risk-documents" / storage_name


def remove(storage_name: str) -> None:
    path_of(storage_name).unlink(missing_ok=True)


def download_suffix(name: str) -> str:
    """The file's extension for a download name, when it is a plain short one."""
    suffix = Path(name).suffix.lower()
    return suffix if suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 6 else ""
