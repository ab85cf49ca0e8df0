"""Demo data: the demo accounts of DESIGN.md and a little sample data.

Loaded only by `manage.py load_demo`, which refuses to run where DEMO_ENABLED is off
(production settings). Safe to run again: it updates what is there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

DEMO_PASSWORD = "demo-partnership-2026"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    role: str
    description: str
    pdu: str | None = None
    organisation: str | None = None
    commissioning_body: str | None = None
    phone: str = ""


MAIN_PROVIDER = "Northern Roots Recovery Trust"
OTHER_PROVIDER = "Thames Women's Centre"
GREATER_MANCHESTER_BODY = "HMPPS Greater Manchester"
CO_FUNDER_BODY = "Greater Manchester Combined Authority"

DEMO_ACCOUNTS = [
    DemoAccount(
        "practitioner@demo.example",
        "Priya Shah",
        "practitioner",
        "probation practitioner, Manchester North PDU",
        pdu="Manchester North",
        phone="0161 496 0001",
    ),
    DemoAccount(
        "practitioner2@demo.example",
        "Tom Okafor",
        "practitioner",
        "probation practitioner, Lambeth PDU (London)",
        pdu="Lambeth",
        phone="020 7946 0002",
    ),
    DemoAccount(
        "provider-admin@demo.example",
        "Grace Lindqvist",
        "provider_admin",
        f"provider admin, {MAIN_PROVIDER}",
        organisation=MAIN_PROVIDER,
    ),
    DemoAccount(
        "caseworker@demo.example",
        "Sam Reid",
        "caseworker",
        f"caseworker with current risk training, {MAIN_PROVIDER}",
        organisation=MAIN_PROVIDER,
    ),
    DemoAccount(
        "caseworker-untrained@demo.example",
        "Alex Morgan",
        "caseworker",
        f"caseworker without risk training, {MAIN_PROVIDER}",
        organisation=MAIN_PROVIDER,
    ),
    DemoAccount(
        "other-provider@demo.example",
        "Nadia Haddad",
        "provider_admin",
        f"provider admin, {OTHER_PROVIDER}",
        organisation=OTHER_PROVIDER,
    ),
    DemoAccount(
        "commissioner@demo.example",
        "Chris Barker",
        "commissioner",
        "commissioner, HMPPS Greater Manchester",
        commissioning_body=GREATER_MANCHESTER_BODY,
    ),
    DemoAccount(
        "assessor@demo.example",
        "Jo Whitfield",
        "assessor",
        f"assessor, {CO_FUNDER_BODY}",
        commissioning_body=CO_FUNDER_BODY,
    ),
    DemoAccount("admin@demo.example", "Morgan Ellis", "admin", "service support admin"),
]

COMMISSIONING_BODIES = [
    # HMPPS teams are published under HMPPS's org-id (settings.HMPPS_ORG_ID); a co-funder
    # under its own.
    {"name": GREATER_MANCHESTER_BODY, "kind": "hmpps", "regions": ["L"], "org_id": ""},
    {
        "name": CO_FUNDER_BODY,
        "kind": "local_authority",
        "regions": ["L"],
        "org_id": "GB-LAE-GMCA",
    },
]

Progress = Callable[[str], None]


# Each app adds its own demo data after the accounts exist, in this order.
APP_DEMO_LOADERS = [
    "providers.demo",
    "referrals.demo",
    "commissioning.demo",
    "capacity.demo",
    "intelligence.demo",
]


def load_demo(*, progress: Progress = lambda message: None) -> dict[str, int]:
    """Create or update the demo organisations, accounts, each app's sample data and
    welcome notifications."""
    import importlib

    from django.db import transaction

    from notifications.services import notification_send
    from partnership.models import CommissioningBody, Pdu, Region, User
    from providers.demo import ensure_demo_organisations

    counts = {"commissioning_bodies": 0, "accounts": 0, "notifications": 0}
    with transaction.atomic():
        organisations = ensure_demo_organisations(
            names=[MAIN_PROVIDER, OTHER_PROVIDER], progress=progress
        )

        bodies = {}
        for record in COMMISSIONING_BODIES:
            body, _ = CommissioningBody.objects.update_or_create(
                name=record["name"], defaults={"kind": record["kind"], "org_id": record["org_id"]}
            )
            body.regions.set(Region.objects.filter(code__in=record["regions"]))
            bodies[record["name"]] = body
            counts["commissioning_bodies"] += 1
        progress(f"commissioning bodies: {counts['commissioning_bodies']}")

        users = {}
        for index, account in enumerate(DEMO_ACCOUNTS, start=1):
            user = User.objects.filter(email__iexact=account.email).first() or User(
                email=account.email
            )
            user.full_name = account.full_name
            user.phone = account.phone
            user.role = account.role
            user.pdu = Pdu.objects.get(name=account.pdu) if account.pdu else None
            user.organisation = (
                organisations[account.organisation] if account.organisation else None
            )
            user.commissioning_body = (
                bodies[account.commissioning_body] if account.commissioning_body else None
            )
            user.is_active = True
            user.is_staff = user.is_superuser = account.role == "admin"
            user.set_password(DEMO_PASSWORD)
            user.save()
            users[account.email] = user
            counts["accounts"] += 1
            progress(f"accounts: {index}/{len(DEMO_ACCOUNTS)} ({account.email})")

        for loader in APP_DEMO_LOADERS:
            app_counts = importlib.import_module(loader).load(users=users, progress=progress)
            counts.update(app_counts)

        for user in users.values():
            created = notification_send(
                recipients=[user],
                kind="welcome",
                title="Welcome to Probation partnerships",
                body="This is where probation and the voluntary and community sector work as partners.",
                email=False,
                dedupe_key="demo-welcome",
            )
            counts["notifications"] += len(created)
        progress(f"notifications: {counts['notifications']} new")
    return counts
