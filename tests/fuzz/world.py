"""A small world of data in Greater Manchester that every role of the API has a part in.

One provider organisation with a service and a signed information-sharing agreement, its
admin and two caseworkers (one trained in risk, one not); a practitioner whose referrals to
the service are in several states (with a risk document, sessions, a concern and an
end-of-service report); a commissioner with an open round and a round under assessment whose
award became an agreement; an assessor assigned to an application; an alert on the service;
and a notification for everyone. Their ids are what the fuzzer puts into paths and bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from capacity.models import Alert
from commissioning import services as commissioning
from notifications.tests.factories import NotificationFactory
from partnership.models import ApiToken, Pdu, Region, Role, ServiceCategory
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import OrganisationFactory, make_service
from referrals import services as referrals
from referrals.models import Status
from referrals.tests.factories import referral_in, trained_caseworker_for

# A minimal PDF: the portal checks a document's signature as well as its name.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

ROLES = (
    "practitioner",
    "provider_admin",
    "caseworker_trained",
    "caseworker_untrained",
    "commissioner",
    "assessor",
    "admin",
    "anonymous",
)


@dataclass
class World:
    users: dict[str, object]
    # Path parameter values that name real objects, by the path's collection.
    ids: dict[str, list[str]] = field(default_factory=dict)
    # Values of body fields that name real objects, by the field's name, as JSON has them.
    references: dict[str, list] = field(default_factory=dict)
    # Each role's request headers: a bearer token with the write scope (none for anonymous).
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


def manchester_pdus():
    return Pdu.objects.filter(region__code="L").order_by("pk")


def _open_round(commissioner, title: str, slug: str):
    """A grant round in Greater Manchester with one lot and two criteria, open for applications."""
    funding_round = commissioning.round_create(
        by=commissioner,
        data={
            "title": title,
            "mechanism": "grant",
            "budget": 300_000,
            "closes_at": timezone.now() + timedelta(days=30),
        },
        regions=Region.objects.filter(code="L"),
    )
    lot = commissioning.lot_add(
        funding_round=funding_round,
        by=commissioner,
        data={
            "title": f"{title}: Greater Manchester",
            "category": ServiceCategory.objects.get(slug=slug),
            "budget": 100_000,
            "expected_monthly_referrals": 20,
        },
        pdus=manchester_pdus(),
    )
    for name, weight in (("Quality", 60), ("Value", 40)):
        commissioning.criterion_add(
            funding_round=funding_round, by=commissioner, name=name, weight=weight
        )
    for step in ("consult", "open"):
        commissioning.round_transition(funding_round=funding_round, by=commissioner, action=step)
    return funding_round, lot


def _application(lot, admin, *, submit: bool):
    application = commissioning.application_save(
        lot=lot,
        by=admin,
        data={
            "approach": "Key workers in each PDU.",
            "experience": "Ten years of housing support.",
            "outcomes": "Settled homes.",
            "amount_requested": 40_000,
            "proposed_monthly_capacity": 10,
        },
        pdus=manchester_pdus()[:2],
    )
    if submit:
        application = commissioning.application_submit(application=application, by=admin)
    return application


def build_world() -> World:
    """Create the world through the service layer, as the portal's users would."""
    organisation = OrganisationFactory(
        annual_income=250_000, reach="local", head_office_region=Region.objects.get(code="L")
    )
    service = make_service(
        "Manchester housing support",
        organisation=organisation,
        referral_requirements=["date_of_birth", "risk_summary"],
    )
    practitioner = UserFactory(role=Role.PRACTITIONER)
    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=organisation)
    trained = trained_caseworker_for(service)
    untrained = UserFactory(role=Role.CASEWORKER, organisation=organisation)
    commissioner = UserFactory(role=Role.COMMISSIONER)
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=commissioner.commissioning_body)
    support = UserFactory(role=Role.ADMIN, is_staff=True)

    # Referrals in several states.
    draft = referral_in(Status.DRAFT, practitioner=practitioner, service=service)
    sent = referral_in(Status.SENT, practitioner=practitioner, service=service)
    document = referrals.document_add(
        referral=sent, by=practitioner, name="risk-assessment.pdf", content=PDF
    )
    accepted = referral_in(Status.ACCEPTED, practitioner=practitioner, service=service)
    referrals.referral_assign(referral=accepted, by=admin, caseworker=trained)
    working = referral_in(Status.ACCEPTED, practitioner=practitioner, service=service)
    # The day the referrals were sent: a session is never dated before it.
    today = timezone.localdate()
    referrals.session_record(
        referral=working,
        by=trained,
        kind="first_contact",
        held_on=today,
        mode="in_person",
        attendance="attended",
    )
    referrals.concern_raise(
        referral=working, by=trained, urgency="routine", what_happened="Missed a hostel curfew."
    )
    completed = referral_in(Status.ACCEPTED, practitioner=practitioner, service=service)
    referrals.session_record(
        referral=completed,
        by=trained,
        kind="session",
        held_on=today,
        mode="phone",
        attendance="attended",
    )
    referrals.report_send(
        referral=completed,
        by=trained,
        closing_reason="completed",
        summary="Settled in a tenancy.",
        outcomes={o.pk: ("achieved", "") for o in completed.desired_outcomes.all()},
    )
    returned = referral_in(Status.RETURNED, practitioner=practitioner, service=service)

    # An open round with a draft application, and a round under assessment with an award.
    open_one, open_lot = _open_round(commissioner, "Housing grants", "accommodation")
    draft_application = _application(open_lot, admin, submit=False)

    assessed, assessed_lot = _open_round(commissioner, "Recovery grants", "accommodation")
    awarded = _application(assessed_lot, admin, submit=True)
    other_admin = UserFactory(
        role=Role.PROVIDER_ADMIN,
        organisation=OrganisationFactory(annual_income=80_000, reach="local"),
    )
    undecided = _application(assessed_lot, other_admin, submit=True)
    commissioning.round_transition(
        funding_round=assessed,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    assignment = commissioning.assessor_assign(
        application=undecided, by=commissioner, assessor=assessor
    )
    commissioning.assessor_assign(application=awarded, by=commissioner, assessor=assessor)
    commissioning.conflict_declare(assignment=assignment, by=assessor, has_conflict=False)
    commissioning.application_decide(
        application=awarded, by=commissioner, successful=True, feedback="A strong local offer."
    )
    start = timezone.localdate().replace(day=1)
    agreement = commissioning.agreement_create(
        application=awarded,
        by=commissioner,
        value=90_000,
        starts_on=start,
        ends_on=start + timedelta(days=3 * 365),
        break_clause_dates=[start + timedelta(days=400)],
        services={service: 8},
    )
    commissioning.agreement_set_status(agreement=agreement, by=commissioner, status="live")

    alert = Alert.objects.create(
        rule=Alert.Rule.OVER_CAPACITY,
        severity=Alert.Severity.AMBER,
        period=date.today().replace(day=1),
        service=service,
        organisation=organisation,
        figures={"sent": 10, "capacity": 10, "percent": 100},
        message=f"{service.name} has had 10 referrals this month against a capacity of 10.",
    )
    alert.regions.set(Region.objects.filter(code="L"))
    milestone = Alert.objects.create(
        rule=Alert.Rule.AGREEMENT_MILESTONE,
        severity=Alert.Severity.AMBER,
        period=date.today().replace(day=1),
        agreement=agreement,
        organisation=organisation,
        message="A break clause falls within 90 days.",
    )
    milestone.regions.set(Region.objects.filter(code="L"))

    users = {
        "practitioner": practitioner,
        "provider_admin": admin,
        "caseworker_trained": trained,
        "caseworker_untrained": untrained,
        "commissioner": commissioner,
        "assessor": assessor,
        "admin": support,
    }
    notifications = [NotificationFactory(recipient=user).pk for user in users.values()]

    headers = {"anonymous": {}}
    for role, user in users.items():
        _, raw = issue_token(user, scope=ApiToken.Scope.WRITE)
        headers[role] = {"Authorization": f"Bearer {raw}"}

    referral_ids = [draft, sent, accepted, working, completed, returned]
    pdu = manchester_pdus().first()
    return World(
        users=users,
        headers=headers,
        references={
            "service": [service.pk],
            "lot": [open_lot.pk, assessed_lot.pk],
            "funding_round": [str(open_one.public_id), str(assessed.public_id)],
            "application": [str(a.public_id) for a in (awarded, undecided)],
            "caseworker": [trained.pk, untrained.pk],
            "category": ["accommodation"],
            "categories": [["accommodation"]],
            "pdus": [[pdu.pk]],
            "regions": [["L"]],
            "head_office_region": ["L"],
        },
        ids={
            "referrals": [str(r.public_id) for r in referral_ids],
            "documents": [str(document.public_id)],
            "funding-rounds": [str(open_one.public_id), str(assessed.public_id)],
            "applications": [str(a.public_id) for a in (draft_application, awarded, undecided)],
            "assessments": [str(assignment.pk)],
            "agreements": [str(agreement.public_id)],
            "alerts": [str(alert.public_id), str(milestone.public_id)],
            "lots": [str(open_lot.pk), str(assessed_lot.pk)],
            "organisations": [str(organisation.pk), str(other_admin.organisation_id)],
            "services": [str(service.pk)],
            "notifications": [str(pk) for pk in notifications],
            "capacity/services": [str(service.pk)],
            "capacity/agreements": [str(agreement.public_id)],
            "pdus": [str(pdu.pk)],
            "regions": [str(Region.objects.get(code="L").pk)],
            "service-categories": [str(service.categories.first().pk)],
        },
    )
