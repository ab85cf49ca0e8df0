"""Reference data: regions, PDUs and service categories."""

import csv
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent


def load_reference_data(apps) -> None:
    """Create or update the 12 regions, the 108 PDUs and the service categories.

    `apps` is a migration's historical registry, or `django.apps.apps`; running it again
    changes nothing.
    """
    from partnership.reference.categories import CATEGORIES

    Region = apps.get_model("partnership", "Region")
    Pdu = apps.get_model("partnership", "Pdu")
    ServiceCategory = apps.get_model("partnership", "ServiceCategory")
    ComplexityLevel = apps.get_model("partnership", "ComplexityLevel")
    DesiredOutcome = apps.get_model("partnership", "DesiredOutcome")

    with open(REFERENCE_DIR / "probation-regions.csv", newline="") as f:
        regions = {
            row["region_code"]: Region.objects.update_or_create(
                code=row["region_code"], defaults={"name": row["name"]}
            )[0]
            for row in csv.DictReader(f)
        }
    with open(REFERENCE_DIR / "probation-delivery-units.csv", newline="") as f:
        for row in csv.DictReader(f):
            Pdu.objects.update_or_create(
                id=int(row["pdu_id"]),
                defaults={"name": row["name"], "region": regions[row["region_code"]]},
            )
    for category in CATEGORIES:
        record, _ = ServiceCategory.objects.update_or_create(
            slug=category["slug"],
            defaults={
                "name": category["name"],
                "description": category["description"],
                "search_terms": category["search_terms"],
            },
        )
        for level, description in category["complexity"].items():
            ComplexityLevel.objects.update_or_create(
                category=record, level=level, defaults={"description": description}
            )
        for position, description in enumerate(category["outcomes"], start=1):
            DesiredOutcome.objects.update_or_create(
                category=record, description=description, defaults={"position": position}
            )
