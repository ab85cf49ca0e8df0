"""The open-data standards' schemas and tools (360Giving, OCDS 1.1 and its Data Review Tool's
library), offline, for the exports' tests."""

import io
import json
import tempfile
import zipfile
from pathlib import Path
from unittest import mock

import requests
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012
from requests.adapters import BaseAdapter
from requests.models import Response

STANDARDS = Path(__file__).resolve().parents[2] / "tests" / "standards"


def giving_validator():
    grant = json.loads((STANDARDS / "360giving/360-giving-schema.json").read_text())
    package = json.loads((STANDARDS / "360giving/360-giving-package-schema.json").read_text())
    resource = Resource.from_contents(grant, default_specification=DRAFT202012)
    registry = Registry().with_resources(
        [
            (grant["$id"], resource),
            (
                "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
                resource,
            ),
        ]
    )
    return Draft202012Validator(package, registry=registry, format_checker=FormatChecker())


def ocds_validator():
    release = json.loads((STANDARDS / "ocds-1.1/release-schema.json").read_text())
    package = json.loads((STANDARDS / "ocds-1.1/release-package-schema.json").read_text())
    registry = Registry().with_resource(
        release["id"], Resource.from_contents(release, default_specification=DRAFT4)
    )
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


def assert_valid(validator, document):
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


# OCDS's own checks (libcoveocds, the library behind the OCDS Data Review Tool), offline: the
# standard from its archive under tests/standards/, and each extension the exports declare
# from its copy there. Any other address the checks would fetch fails the test.

OCDS_STANDARD_ZIP = STANDARDS / "ocds-1.1" / "standard-1__1__5.zip"
# Each declared extension's archive (ocdsextensionregistry reads an extension hosted on GitHub
# from its archive at the tag) and the folder holding its copy.
OCDS_EXTENSION_COPIES = {
    "https://github.com/open-contracting-extensions/ocds_lots_extension/archive/v1.1.5.zip": (
        STANDARDS / "ocds-1.1" / "ocds_lots_extension"
    ),
}


def _archive(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{folder.name}/", b"")  # as GitHub's: the folder first
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder)}")
    return buffer.getvalue()


OCDS_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/"


class _Offline(BaseAdapter):
    """Answers the declared extensions' archives and the standard's own schema addresses
    (the record package schema refers to one) from the copies here; refuses the rest."""

    def send(self, request, **kwargs):
        if folder := OCDS_EXTENSION_COPIES.get(request.url):
            content = _archive(folder)
        elif request.url.startswith(OCDS_SCHEMA_URL):
            name = request.url[len(OCDS_SCHEMA_URL) :]
            with zipfile.ZipFile(OCDS_STANDARD_ZIP) as standard:
                content = standard.read(f"standard-1__1__5/schema/{name}")
        else:
            raise requests.ConnectionError(f"offline: {request.url} is not a local copy")
        response = Response()
        response.url = request.url
        response.request = request
        response.status_code = 200
        response.reason = "OK"
        response._content = content
        return response

    def close(self):
        pass


def cove_ocds(package: dict) -> dict:
    """libcoveocds's results for a release or record package, computed offline."""
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig
    from ocdsextensionregistry import util

    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = f"file://{OCDS_STANDARD_ZIP}"
    offline = _Offline()
    with (
        mock.patch.object(requests.Session, "get_adapter", lambda self, url: offline),
        util.session.cache_disabled(),
        tempfile.TemporaryDirectory() as folder,
    ):
        path = Path(folder) / "package.json"
        path.write_text(json.dumps(package))
        return ocds_json_output(
            folder, str(path), None, convert=False, json_data=package, lib_cove_ocds_config=config
        )


def assert_cove_ocds_clean(package: dict) -> dict:
    """No validation error, no undeclared field, every extension loaded, no failed check."""
    results = cove_ocds(package)
    problems = {
        "validation_errors": results.get("validation_errors"),
        "additional_fields": results.get("additional_fields"),
        "additional_closed_codelist_values": results.get("additional_closed_codelist_values"),
        "invalid_extension": (results.get("extensions") or {}).get("invalid_extension"),
        "additional_checks": results.get("additional_checks"),
    }
    assert not any(problems.values()), json.dumps(problems, indent=2, default=str)[:4000]
    return results
