"""Demo data for the provider registry: about 40 organisations of every size band across
the regions, about 120 services, and staff with and without current risk training.

Generated from a fixed seed so every run produces the same records; running again
updates them instead of adding more.
"""

from __future__ import annotations

import random
from datetime import time, timedelta

from django.utils import timezone
from django.utils.text import slugify

from partnership.models import Pdu, Region, Role, ServiceCategory, User
from providers.models import (
    Organisation,
    Population,
    Service,
    ServiceContact,
    ServiceLocation,
    ServiceSchedule,
    TrainingRecord,
)
from providers.selectors import agreement_current
from providers.services import service_search_refresh

SEED = 2026

# The two organisations the demo accounts belong to, described in full.
NAMED_ORGANISATIONS = {
    "Northern Roots Recovery Trust": {
        "org_id": "GB-CHC-1187654",
        "charity_number": "1187654",
        "legal_form": Organisation.LegalForm.CIO,
        "description": (
            "A Greater Manchester charity founded by people with lived experience of the justice "
            "system. We help people leaving prison and on probation find a home, recover from "
            "addiction and build a life away from offending."
        ),
        "website": "https://northern-roots.example.org",
        "email": "referrals@northern-roots.example.org",
        "phone": "0161 496 0000",
        "annual_income": 420_000,
        "region": "L",
        "reach": Organisation.Reach.REGIONAL,
        "populations_served": [
            Population.SUBSTANCE_USE,
            Population.YOUNG_ADULTS,
            Population.VETERANS,
        ],
        "lived_experience_led": True,
        "verification_status": Organisation.Verification.VERIFIED,
    },
    "Thames Women's Centre": {
        # A charitable company: registered with the Charity Commission and Companies House,
        # and known by its charity number.
        "org_id": "GB-CHC-1098765",
        "charity_number": "1098765",
        "company_number": "05123456",
        "legal_form": Organisation.LegalForm.CHARITABLE_COMPANY,
        "description": (
            "A women-only centre in south London offering trauma-informed support to women in "
            "contact with the justice system and their children."
        ),
        "website": "https://thames-women.example.org",
        "email": "hello@thames-women.example.org",
        "phone": "020 7946 0000",
        "annual_income": 1_800_000,
        "region": "J",
        "reach": Organisation.Reach.LOCAL,
        "populations_served": [
            Population.WOMEN,
            Population.FAMILIES,
            Population.RACIALLY_MINORITISED,
        ],
        "lived_experience_led": False,
        "verification_status": Organisation.Verification.VERIFIED,
    },
}

# Services of the named organisations, so the demo journeys have something to find.
NAMED_SERVICES = {
    "Northern Roots Recovery Trust": [
        (
            "Housing first steps",
            ["accommodation"],
            "Help to find and keep a home on release or when housing is at risk: "
            "tenancy applications, landlord liaison and support in the first months.",
            ["community", "through_the_gate"],
            ["Manchester North", "Manchester South", "Salford", "Bolton"],
            12,
            9,
        ),
        (
            "Recovery together",
            ["dependency-recovery", "mentoring"],
            "Peer-led recovery support for people whose use "
            "of drugs or alcohol is linked to their offending, alongside treatment.",
            ["community"],
            ["Manchester North", "Manchester South", "Bury and Rochdale"],
            20,
            4,
        ),
        (
            "Gate to home mentoring",
            ["mentoring", "accommodation"],
            "Mentors with lived experience meet people at the "
            "gate and stay with them through the first twelve weeks.",
            ["custody", "through_the_gate"],
            ["Manchester North", "Salford", "Oldham", "Tameside"],
            8,
            21,
        ),
        (
            "Women's space",
            ["womens-services"],
            "A women-only drop-in with key workers, for women on probation who need help "
            "with safety, housing, money and their children.",
            ["community"],
            ["Manchester North", "Manchester South"],
            6,
            10,
        ),
        (
            "Walk and talk wellbeing",
            ["emotional-wellbeing"],
            "Weekly walking groups and one-to-one support for low mood and anxiety, with a "
            "route into talking therapies.",
            ["community"],
            ["Manchester North", "Manchester South", "Salford"],
            20,
            0,
        ),
    ],
    "Thames Women's Centre": [
        (
            "Women's centre support",
            ["womens-services", "emotional-wellbeing"],
            "One-to-one key work and groups for "
            "women, covering wellbeing, relationships, housing and money, in a women-only space.",
            ["community"],
            ["Lambeth", "Southwark", "Croydon"],
            25,
            7,
        ),
        (
            "Safe homes for women",
            ["accommodation", "womens-services"],
            "Support for women to find safe accommodation, including after domestic abuse.",
            ["community", "through_the_gate"],
            ["Lambeth", "Southwark", "Lewisham and Bromley"],
            10,
            35,
        ),
    ],
}

_PLACES = [
    "Pennine",
    "Riverside",
    "Harbour",
    "Moorland",
    "Valley",
    "Castle",
    "Forest",
    "Bridge",
    "Meadow",
    "Northgate",
    "Southside",
    "Eastfield",
    "Westbrook",
    "Hillcrest",
    "Dale",
    "Marsh",
    "Quayside",
]
_NOUNS = [
    "Futures",
    "Pathways",
    "New Start",
    "Open Door",
    "Second Chance",
    "Compass",
    "Anchor",
    "Lighthouse",
    "Stepping Stones",
    "Roots",
    "Horizons",
    "Turning Point",
    "Foundations",
    "Bridges",
    "Lantern",
]
_CIC = "Community Interest Company"
_SUFFIXES = [
    "Trust",
    "Project",
    "Network",
    "Community Interest Company",
    "Foundation",
    "Collective",
    "Alliance",
]
# The legal forms an organisation of each name may have when registered (two of each, so
# every name draws the same from the seed).
_LEGAL_FORMS = {
    "Trust": [Organisation.LegalForm.CIO, Organisation.LegalForm.CHARITABLE_TRUST],
    "Foundation": [Organisation.LegalForm.CIO, Organisation.LegalForm.CHARITABLE_COMPANY],
    "Project": [Organisation.LegalForm.CIO, Organisation.LegalForm.CHARITABLE_COMPANY],
    "Collective": [Organisation.LegalForm.CIO, Organisation.LegalForm.COMPANY_BY_GUARANTEE],
    "Network": [
        Organisation.LegalForm.CHARITABLE_COMPANY,
        Organisation.LegalForm.COMPANY_BY_GUARANTEE,
    ],
    "Alliance": [Organisation.LegalForm.CIO, Organisation.LegalForm.COMPANY_BY_GUARANTEE],
    _CIC: [Organisation.LegalForm.CIC, Organisation.LegalForm.CIC],
}
# Registered charities are known by their Charity Commission number (GB-CHC), companies
# that are not charities, community interest companies among them, by their Companies
# House number (GB-COH); a charitable company has both and is known by its charity number.
_CHARITIES = {
    Organisation.LegalForm.CIO,
    Organisation.LegalForm.CHARITABLE_TRUST,
    Organisation.LegalForm.CHARITABLE_COMPANY,
}
_COMPANIES = {
    Organisation.LegalForm.CHARITABLE_COMPANY,
    Organisation.LegalForm.CIC,
    Organisation.LegalForm.COMPANY_BY_GUARANTEE,
}


def _registration(legal_form: str, number: int, registered: bool) -> dict[str, str]:
    """The org-id and register numbers that go with an organisation's legal form."""
    charity = str(1_100_000 + number * 137) if registered and legal_form in _CHARITIES else ""
    company = f"{9_100_000 + number * 4_111:08d}" if legal_form in _COMPANIES else ""
    org_id = f"GB-CHC-{charity}" if charity else f"GB-COH-{company}" if company else ""
    return {"org_id": org_id, "charity_number": charity, "company_number": company}


# Income by size band, and how many generated organisations have each (a few large ones).
_BANDS = [(4_000, 5), (45_000, 9), (350_000, 11), (3_200_000, 7), (24_000_000, 4), (180_000_000, 2)]
_SERVICE_WORDS = {
    "accommodation": "Housing support",
    "education-training-employment": "Work and skills",
    "finance-benefit-debt": "Money advice",
    "dependency-recovery": "Recovery support",
    "emotional-wellbeing": "Wellbeing service",
    "family-significant-others": "Family links",
    "lifestyle-associates": "Positive lifestyles",
    "social-inclusion": "Community connections",
    "mentoring": "Peer mentoring",
    "womens-services": "Women's support",
}
# Busy categories appear more often, as they do in the field.
_CATEGORY_WEIGHTS = {
    "accommodation": 5,
    "dependency-recovery": 4,
    "education-training-employment": 4,
    "mentoring": 3,
    "finance-benefit-debt": 3,
    "emotional-wellbeing": 2,
    "womens-services": 2,
    "family-significant-others": 2,
    "lifestyle-associates": 1,
    "social-inclusion": 1,
}


def _places(names: list[str]) -> str:
    """Places as a list in words: "Salford", "Salford and Bolton", "Salford, Bolton and Bury"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _organisation_defaults(record: dict, regions: dict[str, Region]) -> dict:
    defaults = {k: v for k, v in record.items() if k != "region"}
    defaults["head_office_region"] = regions[record["region"]]
    return defaults


def ensure_demo_organisations(*, names: list[str], progress) -> dict[str, Organisation]:
    """The organisations the demo accounts belong to, created or updated."""
    regions = {r.code: r for r in Region.objects.all()}
    organisations = {}
    for name in names:
        organisations[name], _ = Organisation.objects.update_or_create(
            name=name, defaults=_organisation_defaults(NAMED_ORGANISATIONS[name], regions)
        )
    progress(f"named organisations: {len(organisations)}")
    return organisations


def _generated_organisations(rng: random.Random, regions: list[Region]) -> list[dict]:
    records = []
    used = set(NAMED_ORGANISATIONS)
    number = 0
    for income, count in _BANDS:
        for _ in range(count):
            number += 1
            while True:
                name = f"{rng.choice(_PLACES)} {rng.choice(_NOUNS)} {rng.choice(_SUFFIXES)}"
                if name not in used:
                    used.add(name)
                    break
            region = regions[number % len(regions)]
            reach = (
                Organisation.Reach.NATIONAL
                if income >= 10_000_000
                else Organisation.Reach.REGIONAL
                if income >= 1_000_000
                else Organisation.Reach.LOCAL
            )
            registered = income >= 10_000
            suffix = name.rsplit(" ", 1)[-1] if not name.endswith(_CIC) else _CIC
            if registered:
                legal_form = rng.choice(_LEGAL_FORMS[suffix])
            else:
                # A community interest company is a company whatever its size; a small
                # trust is an unregistered charity; anything else small is a community group.
                legal_form = {
                    _CIC: Organisation.LegalForm.CIC,
                    "Trust": Organisation.LegalForm.CHARITABLE_TRUST,
                }.get(suffix, Organisation.LegalForm.UNINCORPORATED)
            records.append(
                {
                    "name": name,
                    **_registration(legal_form, number, registered),
                    "legal_form": legal_form,
                    "description": f"A {reach.label.lower()} organisation in {region.name} working with people "
                    "on probation and their families.",
                    "annual_income": int(income * rng.uniform(0.6, 1.6))
                    if income < 100_000_000
                    else income,
                    "region": region,
                    "reach": reach,
                    "populations_served": rng.sample(list(Population.values), k=rng.randint(0, 3)),
                    "lived_experience_led": rng.random() < 0.3,
                    "verification_status": rng.choice(list(Organisation.Verification.values[:2])),
                }
            )
    return records


LISTED_YEARS_AGO = 3


def load(*, users: dict[str, User], progress) -> dict[str, int]:
    """Organisations, services, staff training and the agreement signature of the demo."""
    rng = random.Random(SEED)
    regions = list(Region.objects.order_by("code"))
    pdus_by_region = {}
    for pdu in Pdu.objects.select_related("region").order_by("id"):
        pdus_by_region.setdefault(pdu.region_id, []).append(pdu)
    pdus_by_name = {pdu.name: pdu for pdus in pdus_by_region.values() for pdu in pdus}
    categories = {c.slug: c for c in ServiceCategory.objects.all()}
    weighted_slugs = [slug for slug, weight in _CATEGORY_WEIGHTS.items() for _ in range(weight)]

    # Named organisations and their services.
    plan = []  # (organisation, name, [slugs], description, settings, [pdus], capacity, wait)
    for org_name, services in NAMED_SERVICES.items():
        organisation = Organisation.objects.get(name=org_name)
        for name, slugs, description, settings, pdu_names, capacity, wait in services:
            plan.append(
                (
                    organisation,
                    name,
                    slugs,
                    description,
                    settings,
                    [pdus_by_name[n] for n in pdu_names],
                    capacity,
                    wait,
                )
            )

    generated = _generated_organisations(rng, regions)
    for index, record in enumerate(generated, start=1):
        region = record.pop("region")
        organisation, _ = Organisation.objects.update_or_create(
            name=record["name"], defaults={**record, "head_office_region": region}
        )
        region_pdus = pdus_by_region[region.pk]
        income = organisation.annual_income or 0
        for _ in range(4 if income >= 1_000_000 else 3 if income >= 100_000 else 2):
            slug = rng.choice(weighted_slugs)
            # A service is named after the places it covers: whole regions, or its PDUs.
            if organisation.reach == Organisation.Reach.NATIONAL:
                covered = sorted(rng.sample(regions, 3), key=lambda r: r.code)
                pdus = [p for r in covered for p in pdus_by_region[r.pk]]
                place = _places([r.name for r in covered])
            elif organisation.reach == Organisation.Reach.REGIONAL:
                pdus = region_pdus
                place = region.name
            else:
                pdus = rng.sample(region_pdus, k=min(len(region_pdus), rng.randint(1, 3)))
                place = _places([p.name for p in pdus])
            settings = rng.choice(
                [["community"], ["community", "through_the_gate"], ["custody", "through_the_gate"]]
            )
            plan.append(
                (
                    organisation,
                    f"{_SERVICE_WORDS[slug]} – {place}",
                    [slug],
                    f"{_SERVICE_WORDS[slug]} from {organisation.name} for people on probation in {place}.",
                    settings,
                    pdus,
                    rng.choice([5, 8, 10, 15, 20, 30]),
                    rng.choice([0, 3, 7, 14, 21, 35, 42]),
                )
            )
        progress(
            f"organisations: {index + len(NAMED_SERVICES)}/{len(generated) + len(NAMED_SERVICES)}"
        )

    # The demo's services were listed long before the history the demo tells (a year of
    # referrals, the months the demand view and the partnership report read): a service
    # counts capacity only from the month it was listed in, so one listed today would give
    # every earlier month none.
    listed_since = timezone.now() - timedelta(days=LISTED_YEARS_AGO * 365)
    service_ids = []
    for number, (
        organisation,
        name,
        slugs,
        description,
        settings,
        pdus,
        capacity,
        wait,
    ) in enumerate(plan, 1):
        women_only = "womens-services" in slugs
        service, _ = Service.objects.update_or_create(
            organisation=organisation,
            name=name,
            defaults={
                "description": description,
                "delivery_settings": settings,
                "delivery_modes": ["in_person", "phone"] if number % 2 else ["in_person", "group"],
                "eligible_sex": Service.Sex.FEMALE if women_only else Service.Sex.ANY,
                "minimum_age": 18,
                "maximum_age": 25 if "Young" in name else None,
                "referral_requirements": ["date_of_birth", "contact_details", "risk_summary"]
                + (["release_date"] if "custody" in settings else []),
                "monthly_capacity": capacity,
                "current_wait_days": wait,
                "status": Service.Status.PAUSED if number % 29 == 0 else Service.Status.ACTIVE,
            },
        )
        service.categories.set([categories[slug] for slug in slugs])
        service.pdus.set(pdus)
        Service.objects.filter(pk=service.pk, created_at__gt=listed_since).update(
            created_at=listed_since
        )
        _published_details(service, number, pdus)
        service_ids.append(service.pk)
        if number % 20 == 0 or number == len(plan):
            progress(f"services: {number}/{len(plan)}")
    service_search_refresh(service_ids=service_ids)
    removed = _stale_services_remove(generated, service_ids)
    if removed:
        progress(f"services no longer in the demo: {removed} removed")

    trained = _training(users)
    progress(f"training records: {trained}")
    signed = _agreement_signature(users)
    return {
        "organisations": len(generated) + len(NAMED_ORGANISATIONS),
        "services": len(plan),
        "training_records": trained,
        "agreement_signatures": signed,
    }


# Ofcom's numbers for drama (0161 496 0000 to 0999): they ring nobody.
_DEMO_PHONE = "0161 496 0{:03d}"
_EXTRA_LANGUAGES = ["pl", "ur", "pa", "ro", "ar", "so", "bn", "pt"]


def _published_details(service: Service, number: int, pdus: list[Pdu]) -> None:
    """What the directory and its open data say of a service besides its description: its
    line, languages, a venue, a referrals contact and opening hours."""
    place = pdus[0].name if pdus else "Manchester"
    languages = ["en"]
    if pdus and pdus[0].region.code == "D":
        languages.append("cy")
    if number % 3 == 0:
        languages.append(_EXTRA_LANGUAGES[number % len(_EXTRA_LANGUAGES)])
    Service.objects.filter(pk=service.pk).update(
        phone=_DEMO_PHONE.format(number), languages=languages
    )
    domain = slugify(service.organisation.name)
    ServiceLocation.objects.update_or_create(
        service=service,
        name=f"{place} community hub",
        defaults={
            "address": f"{number} High Street",
            "town": place,
            "postcode": f"ZZ99 {number % 10}ZZ",
            "description": "Step-free entrance; a quiet room is available on request.",
        },
    )
    ServiceContact.objects.update_or_create(
        service=service,
        name="Referrals team",
        defaults={"email": f"referrals@{domain}.example.org", "phone": _DEMO_PHONE.format(number)},
    )
    ServiceSchedule.objects.filter(service=service).delete()
    ServiceSchedule.objects.create(
        service=service,
        days=["MO", "TU", "WE", "TH", "FR"],
        opens_at=time(9),
        closes_at=time(17),
        notes="Referrals answered within two working days",
    )
    if number % 4 == 0:
        ServiceSchedule.objects.create(
            service=service, days=["SA"], opens_at=time(10), closes_at=time(13), notes="Drop-in"
        )


def _stale_services_remove(generated: list[dict], service_ids: list[int]) -> int:
    """Services an earlier version of the demo gave the generated organisations (under names
    that no longer say where they are) and that nothing refers to: removed on a new load."""
    from django.db.models import ProtectedError

    stale = (
        Service.objects.filter(organisation__name__in=[r["name"] for r in generated])
        .exclude(pk__in=service_ids)
        .filter(referrals__isnull=True)
    )
    removed = 0
    for service in stale:
        try:
            service.delete()
        except ProtectedError:
            continue
        removed += 1
    return removed


def _training(users: dict[str, User]) -> int:
    """Current risk training for the trained caseworker and the admin; expired for the other."""
    today = timezone.localdate()
    records = {
        "caseworker@demo.example": [
            (TrainingRecord.Kind.RISK_AWARENESS, 120, 245),
            (TrainingRecord.Kind.SAFEGUARDING, 200, 165),
        ],
        # Current, but running out within the month: the admin's home page warns of it.
        "provider-admin@demo.example": [(TrainingRecord.Kind.RISK_AWARENESS, 345, 20)],
        # Completed long ago and expired: this caseworker has no current risk training.
        "caseworker-untrained@demo.example": [(TrainingRecord.Kind.RISK_AWARENESS, 800, -435)],
    }
    count = 0
    for email, entries in records.items():
        user = users.get(email)
        if user is None or user.role not in (Role.CASEWORKER, Role.PROVIDER_ADMIN):
            continue
        for kind, days_ago, expires_in in entries:
            TrainingRecord.objects.update_or_create(
                staff_member=user,
                kind=kind,
                defaults={
                    "completed_on": today - timedelta(days=days_ago),
                    "expires_on": today + timedelta(days=expires_in),
                    "recorded_by": users.get("provider-admin@demo.example"),
                },
            )
            count += 1
    return count


def _agreement_signature(users: dict[str, User]) -> int:
    """The main demo organisation has signed the current information-sharing agreement."""
    from providers.models import AgreementSignature

    admin = users.get("provider-admin@demo.example")
    current = agreement_current()
    if admin is None or current is None:
        return 0
    AgreementSignature.objects.get_or_create(
        organisation_id=admin.organisation_id,
        agreement=current,
        defaults={
            "signed_by": admin,
            "signatory_name": admin.full_name,
            "signatory_position": "Chief executive",
        },
    )
    return 1
