"""Demo demand for this month, then a monitoring run, so a fresh demo has real alerts:
accommodation over capacity (amber), a women's service far over (red), a wellbeing service
under-used, and an agreement near its break clause (from the commissioning demo)."""

from __future__ import annotations

from django.utils import timezone

from capacity import alerts
from partnership.models import User
from partnership.months import month_bounds
from providers.models import Service
from referrals.selectors import referral_demand_by_service

# Referrals sent this month, in total, per service: against capacities of 12 (contracted),
# 6 and 20 a month.
DEMAND = {
    "Housing first steps": 15,
    "Women's space": 10,
    "Walk and talk wellbeing": 2,
}
# The people referred: names no member of staff in the demo has, women's and men's.
NAMES = [
    ("Ruth", "Kowalski", "Callum"),
    ("Demi", "Adebayo", "Dominic"),
    ("Lena", "Murray", "Lewis"),
    ("Rosa", "Castillo", "Rhys"),
    ("Kerry", "Walsh", "Kevin"),
    ("Sade", "Adeyemi", "Segun"),
    ("Mia", "Novak", "Marek"),
    ("Tara", "Quinn", "Tariq"),
    ("Joy", "Appiah", "Kwame"),
    ("Erin", "Doyle", "Euan"),
]


def _sent_this_month(service: Service) -> int:
    start, end = month_bounds()
    demand = list(referral_demand_by_service(start=start, end=end, services=[service.pk]))
    return demand[0]["sent"] if demand else 0


def load(*, users: dict[str, User], progress) -> dict[str, int]:
    from datetime import date, timedelta

    from referrals import services as referral_services
    from referrals.demo import demo_referral_make, demo_retime

    practitioner = users["practitioner@demo.example"]
    admin = users["provider-admin@demo.example"]
    month = timezone.localdate().strftime("%y%m")[1:]  # so a CRN is a letter and six digits
    now = timezone.now()
    start = month_bounds()[0]
    made = 0
    for index, (name, wanted) in enumerate(DEMAND.items()):
        service = Service.objects.get(organisation=admin.organisation, name=name)
        women = "womens-services" in service.categories.values_list("slug", flat=True)
        for number in range(_sent_this_month(service), wanted):
            woman, last, man = NAMES[number % len(NAMES)]
            first = woman if women else man
            referral, created = demo_referral_make(
                practitioner,
                service,
                f"E{month}{index}{number:02d}",
                first,
                last,
                date(1985 + number, 1 + number % 12, 1 + number),
                "female" if women else "male",
                f"{first} asked their practitioner for help from {service.name} this month.",
            )
            if created:
                referral_services.referral_send(referral=referral, by=practitioner)
                # Sent on days spread over the month so far, started a little before.
                sent = start + (now - start) * (number + 1) / (wanted + 1)
                demo_retime(referral, started=max(start, sent - timedelta(hours=3)), sent=sent)
                made += 1
        progress(f"this month's demand: {name} ({wanted} referrals)")
    summary = alerts.monitor_run(progress=progress)
    return {"capacity_referrals": made, "alerts": summary.changes[alerts.RAISED] if summary else 0}
