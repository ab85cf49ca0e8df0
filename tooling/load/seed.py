"""The load test's own accounts, organisations and services, made once and then reused.

Accounts are at `load.example.org` (production settings refuse the demo's accounts), and
each run issues them fresh write tokens that `load_tokens_revoke` ends afterwards.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from partnership.models import ApiToken, DesiredOutcome, Pdu, Role, ServiceCategory, User
from partnership.services import api_token_issue
from providers.models import Organisation, Service
from providers.services import service_create

EMAIL_DOMAIN = "load.example.org"
TOKEN_NAME = "Load test"
PDU_COUNT = 4
SERVICES_PER_ORGANISATION = 6
# Charity numbers far from any real register entry in use by the demo or the suite.
ORG_ID_BASE = 9_900_000
REFERRAL_REQUIREMENTS = ["date_of_birth", "contact_details", "risk_summary", "staff_safety"]


def load_pdus() -> list[Pdu]:
    """One PDU from each of the first regions, so practitioners see different directories."""
    firsts = (
        Pdu.objects.values("region__code")
        .annotate(first=Min("id"))
        .order_by("region__code")[:PDU_COUNT]
    )
    return list(Pdu.objects.filter(id__in=[row["first"] for row in firsts]).order_by("id"))


def _organisation(number: int, pdus: list[Pdu], categories: list[ServiceCategory]) -> Organisation:
    organisation, created = Organisation.objects.get_or_create(
        org_id=f"GB-CHC-{ORG_ID_BASE + number}",
        defaults={
            "name": f"Load Test Partnership {number:02d}",
            "description": "Community support for people on probation.",
        },
    )
    if created or not organisation.services.exists():
        admin = _provider_admin(number, organisation)
        for position in range(SERVICES_PER_ORGANISATION):
            index = number * SERVICES_PER_ORGANISATION + position
            category = categories[index % len(categories)]
            covered = [pdus[index % len(pdus)], pdus[(index + 1) % len(pdus)]]
            service_create(
                organisation=organisation,
                by=admin,
                data={
                    "name": f"{category.name} support {index + 1:03d}",
                    "description": (
                        f"{category.description} Run by {organisation.name} for people on "
                        f"probation in {' and '.join(pdu.name for pdu in covered)}."
                    ),
                    "delivery_settings": ["community"],
                    "referral_requirements": REFERRAL_REQUIREMENTS,
                    # Far above what a run sends, so capacity alerts stay quiet.
                    "monthly_capacity": 100_000,
                },
                categories=[category],
                pdus=covered,
            )
    return organisation


def _provider_admin(number: int, organisation: Organisation) -> User:
    return _user(
        f"provider-{number:03d}@{EMAIL_DOMAIN}",
        f"Load Provider {number:03d}",
        role=Role.PROVIDER_ADMIN,
        organisation=organisation,
    )


def _user(email: str, full_name: str, **context) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "is_active": True, **context}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _fresh_token(user: User) -> str:
    ApiToken.objects.filter(user=user, name=TOKEN_NAME, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    _, raw = api_token_issue(user=user, name=TOKEN_NAME, scope=ApiToken.Scope.WRITE, days=1)
    return raw


@transaction.atomic
def load_seed(*, practitioners: int, organisations: int) -> dict:
    """Make or reuse `practitioners` practitioners across a few PDUs and `organisations`
    organisations, each with services and one provider admin; issue every account a
    fresh write token. Returns what the load clients need: tokens, PDUs and services."""
    pdus = load_pdus()
    categories = list(ServiceCategory.objects.order_by("slug"))
    outcome_by_category = {
        row["category"]: row["first"]
        for row in DesiredOutcome.objects.values("category").annotate(first=Min("id"))
    }

    provider_accounts = []
    for number in range(1, organisations + 1):
        organisation = _organisation(number, pdus, categories)
        admin = _provider_admin(number, organisation)
        provider_accounts.append(
            {"email": admin.email, "token": _fresh_token(admin), "organisation": organisation.pk}
        )

    services_by_pdu: dict[int, list[dict]] = {pdu.pk: [] for pdu in pdus}
    load_services = Service.objects.filter(
        organisation__org_id__in=[
            f"GB-CHC-{ORG_ID_BASE + number}" for number in range(1, organisations + 1)
        ],
        status=Service.Status.ACTIVE,
    ).prefetch_related("pdus", "categories")
    for service in load_services:
        outcomes = [
            outcome_by_category[c.pk]
            for c in service.categories.all()
            if c.pk in outcome_by_category
        ]
        for pdu in service.pdus.all():
            if pdu.pk in services_by_pdu:
                services_by_pdu[pdu.pk].append({"id": service.pk, "desired_outcomes": outcomes[:1]})

    practitioner_accounts = []
    for number in range(1, practitioners + 1):
        pdu = pdus[(number - 1) % len(pdus)]
        practitioner = _user(
            f"practitioner-{number:03d}@{EMAIL_DOMAIN}",
            f"Load Practitioner {number:03d}",
            role=Role.PRACTITIONER,
            pdu=pdu,
        )
        practitioner_accounts.append(
            {
                "email": practitioner.email,
                "token": _fresh_token(practitioner),
                "pdu": practitioner.pdu_id,
                "services": services_by_pdu[practitioner.pdu_id],
            }
        )
    return {
        "practitioners": practitioner_accounts,
        "providers": provider_accounts,
        "categories": [category.slug for category in categories],
    }


def load_tokens_revoke() -> int:
    """End every token the load test issued; returns how many were still live."""
    return ApiToken.objects.filter(
        name=TOKEN_NAME,
        user__email__endswith=f"@{EMAIL_DOMAIN}",
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
