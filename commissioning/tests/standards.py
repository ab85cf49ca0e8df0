"""The open-data standards' schemas (360Giving, OCDS 1.1), as validators for the exports."""

import json
from pathlib import Path

from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

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
