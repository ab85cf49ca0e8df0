"""One world of data for the matrix: for every kind of object, one inside and one outside
each role's scope.

Greater Manchester (region L, Manchester North PDU) is "ours": the practitioner works there,
the provider's services cover it, the commissioner's and assessor's body commissions there.
London (region J, Lambeth PDU) is "theirs": another practitioner, another provider with its
own admin, another commissioning body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from capacity.tests.factories import funding_agreement, raise_alert
from commissioning import services as commissioning
from commissioning.exports import record_releases
from commissioning.models import Application, AssessorAssignment, FundingRound, Lot
from commissioning.tests.factories import add_lot, new_round, open_round
from intelligence.models import Survey
from intelligence.report_services import partnership_report_generate
from intelligence.services import unmet_need_record
from notifications.tests.factories import NotificationFactory
from partnership.models import Pdu, Region, Role, ServiceCategory, User
from partnership.tests.factories import CommissioningBodyFactory, UserFactory, issue_token
from providers import openreferral
from providers.models import Service, TrainingRecord
from providers.services import service_set_status, staff_invite
from providers.tests.factories import OrganisationFactory, make_service
from referrals import services as referrals
from referrals.models import Concern, Status
from referrals.tests.factories import referral_in, trained_caseworker_for

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# The table's role columns, in order.
ANONYMOUS = "anonymous"
ROLES = (
    ANONYMOUS,
    "practitioner",
    "provider admin",
    "caseworker trained",
    "caseworker untrained",
    "commissioner",
    "assessor",
    "admin",
)
IN, OUT, ANY = "in", "out", "any"

# Kinds of object a row's arguments can point at (the table's `object` column). A scoped kind
# has, for each role, one object inside its scope and one outside; an unscoped kind has one.
SCOPED_KINDS = frozenset(
    {
        "notification",
        "api token",
        "organisation",
        "service",
        "directory service",
        "published service",
        "staff member",
        "training record",
        "emailed link",
        "referral",
        "completed referral",
        "risk document",
        "session",
        "concern",
        "funding round",
        "lot",
        "round lot",
        "round criterion",
        "application",
        "awarded application",
        "assessment",
        "agreement",
        "alert",
        "unmet need",
        "survey",
        "partnership report",
        "webhook endpoint",
        "webhook delivery",
    }
)
UNSCOPED_KINDS = frozenset(
    {
        "region",
        "pdu",
        "service category",
        "published organisation",
        "published contract round",
        "taxonomy",
        "taxonomy term",
        "open data path",
        "open data quarter",
        "admin object",
    }
)


@dataclass
class World:
    """The signed-in roles, their API tokens, and the URL arguments of every kind of object."""

    users: dict[str, User]
    tokens: dict[str, str]  # role -> raw API token (write scope)
    # kind -> role -> (arguments in scope, arguments out of scope); "*" is any other role.
    scopes: dict[str, dict[str, tuple[dict, dict]]]
    # kind -> arguments, for kinds with no scope (reference and open data).
    unscoped: dict[str, dict]

    def kwargs(self, kind: str, role: str, scope: str) -> dict:
        """The URL arguments of the kind's object in (or out of) the role's scope."""
        if kind in self.unscoped:
            return dict(self.unscoped[kind])
        by_role = self.scopes[kind]
        inside, outside = by_role.get(role, by_role["*"])
        return dict(inside if scope == IN else outside)


def _referral_at_work(practitioner, service, provider_admin):
    """An accepted referral with a risk document, a session and a concern."""
    referral = referral_in(Status.DRAFT, practitioner=practitioner, service=service)
    document = referrals.document_add(
        referral=referral, by=practitioner, name="risk-assessment.pdf", content=PDF
    )
    referral = referrals.referral_send(referral=referral, by=practitioner)
    referral = referrals.referral_accept(referral=referral, by=provider_admin)
    session = referrals.session_record(
        referral=referral,
        by=provider_admin,
        kind="first_contact",
        held_on=timezone.localdate(),
        mode="in_person",
        attendance="attended",
    )
    concern = referrals.concern_raise(
        referral=referral,
        by=provider_admin,
        urgency=Concern.Urgency.ROUTINE,
        what_happened="Missed a call and rang back the next day.",
    )
    referral.refresh_from_db()
    return referral, document, session, concern


def _completed_referral(practitioner, service, provider_admin):
    """A referral whose end-of-service report has been sent."""
    referral = referral_in(Status.ACCEPTED, practitioner=practitioner, service=service)
    referrals.report_send(
        referral=referral,
        by=provider_admin,
        closing_reason="completed",
        summary="Settled in a tenancy.",
        outcomes={o.pk: ("achieved", "") for o in referral.desired_outcomes.all()},
    )
    referral.refresh_from_db()
    return referral


def _submitted(lot, admin, pdus):
    application = commissioning.application_save(
        lot=lot,
        by=admin,
        data={
            "approach": "Key workers in every PDU.",
            "experience": "Ten years of housing support.",
            "outcomes": "Settled homes.",
            "amount_requested": 40_000,
            "proposed_monthly_capacity": 10,
        },
        pdus=pdus,
    )
    return commissioning.application_submit(application=application, by=admin)


def _awarded_without_agreement(agreement, organisation, admin):
    """A successful application in an agreement's round that has no agreement yet."""
    lot = Lot.objects.create(
        funding_round=agreement.lot.funding_round,
        title="Second housing lot",
        category=agreement.lot.category,
        budget=50_000,
        expected_monthly_referrals=5,
    )
    return Application.objects.create(
        lot=lot,
        organisation=organisation,
        status=Application.Status.SUCCESSFUL,
        created_by=admin,
        amount_requested=50_000,
    )


def _emailed_link(member) -> dict:
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(member.pk)),
        "token": default_token_generator.make_token(member),
    }


def _webhook_with_delivery(admin, referral, *, event_type="referral.sent", **owner):
    """An endpoint of the owner (`organisation=` or `pdu=`), with a failed delivery about
    one of its referrals."""
    from integrations.models import ReferralChange, WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        **owner,
        url="https://hooks.example.org/partnership",
        event_types=[event_type],
        secret="whsec_access_matrix",
        created_by=admin,
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        change=ReferralChange.objects.filter(referral=referral).first(),
        event_type=event_type,
        payload={},
        status=WebhookDelivery.Status.FAILED,
    )
    return endpoint, delivery


def build_world() -> World:
    manchester = Region.objects.get(code="L")
    london = Region.objects.get(code="J")
    lambeth = Pdu.objects.get(name="Lambeth")

    # Providers: ours works in Manchester North and has signed the agreement; theirs in London.
    ours = OrganisationFactory(name="Northern Roots Recovery Trust", head_office_region=manchester)
    theirs = OrganisationFactory(name="Thames Women's Centre", head_office_region=london)
    provider_admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=ours)
    other_admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=theirs)
    service = make_service("Housing support", organisation=ours)
    other_service = make_service("Thames housing", organisation=theirs, pdus=("Lambeth",))
    closed_service = make_service("Old drop-in", organisation=theirs, pdus=("Lambeth",))
    service_set_status(service=closed_service, by=other_admin, status=Service.Status.CLOSED)
    trained = trained_caseworker_for(service)
    untrained = UserFactory(role=Role.CASEWORKER, organisation=ours)
    trained_caseworker_for(other_service)
    other_record = TrainingRecord.objects.create(
        staff_member=other_admin,
        kind=TrainingRecord.Kind.RISK_AWARENESS,
        completed_on=timezone.localdate() - timedelta(days=30),
    )
    own_record = trained.training_records.get()
    invited = staff_invite(
        organisation=ours,
        by=provider_admin,
        email="new.caseworker@example.org",
        full_name="New Caseworker",
        role=Role.CASEWORKER,
    )

    # Probation: our practitioner in Manchester North, theirs in Lambeth.
    practitioner = UserFactory(role=Role.PRACTITIONER)
    other_practitioner = UserFactory(role=Role.PRACTITIONER, pdu=lambeth)
    referral, document, session, concern = _referral_at_work(practitioner, service, provider_admin)
    other_referral, other_document, other_session, other_concern = _referral_at_work(
        other_practitioner, other_service, other_admin
    )
    # One read of risk information, so the access log has a row to show.
    referrals.risk_read(
        referral=referral, by=practitioner, channel="page", why="checking the referral"
    )
    completed = _completed_referral(practitioner, service, provider_admin)
    need, other_need = (
        unmet_need_record(
            by=who,
            category=ServiceCategory.objects.get(slug="accommodation"),
            pdu=who.pdu,
            reason="full",
        )
        for who in (practitioner, other_practitioner)
    )
    other_completed = _completed_referral(other_practitioner, other_service, other_admin)

    # Commissioning: our body commissions Greater Manchester, theirs London.
    body = CommissioningBodyFactory(name="HMPPS Greater Manchester", regions=[manchester])
    other_body = CommissioningBodyFactory(name="HMPPS London", regions=[london])
    commissioner = UserFactory(role=Role.COMMISSIONER, commissioning_body=body)
    other_commissioner = UserFactory(role=Role.COMMISSIONER, commissioning_body=other_body)
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=body)
    other_assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=body)
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)

    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    empty_lot = add_lot(
        funding_round, commissioner, "Wellbeing", 50_000, slug="emotional-wellbeing"
    )
    open_round(funding_round, commissioner)
    draft_round = new_round(commissioner)
    # A contract round in tender: open data as an OCDS record.
    contract_round = new_round(commissioner)
    FundingRound.objects.filter(pk=contract_round.pk).update(mechanism="contract", status="open")
    record_releases()  # as the round's committed change would
    draft_lot = add_lot(draft_round, commissioner, "Recovery", 60_000, slug="dependency-recovery")
    other_round = commissioning.round_create(
        by=other_commissioner,
        data={
            "title": "London housing grants",
            "mechanism": "grant",
            "budget": 200_000,
            "closes_at": timezone.now() + timedelta(days=30),
        },
        regions=[london],
    )
    other_lot = commissioning.lot_add(
        funding_round=other_round,
        by=other_commissioner,
        data={
            "title": "Lambeth housing",
            "category": ServiceCategory.objects.get(slug="accommodation"),
            "budget": 100_000,
            "expected_monthly_referrals": 10,
            "income_ceiling": None,
        },
        pdus=[lambeth],
    )
    open_round(other_round, other_commissioner)
    manchester_pdus = list(Pdu.objects.filter(name="Manchester North"))
    application = _submitted(lot, provider_admin, manchester_pdus)
    other_application = _submitted(lot, other_admin, manchester_pdus)
    london_application = _submitted(other_lot, other_admin, [lambeth])
    assignment = AssessorAssignment.objects.create(
        application=application,
        assessor=assessor,
        conflict_declared_at=timezone.now(),
        has_conflict=False,
    )
    # Assigned but not yet declared: the application stays hidden from the assessor.
    AssessorAssignment.objects.create(application=other_application, assessor=assessor)
    other_assignment = AssessorAssignment.objects.create(
        application=application, assessor=other_assessor
    )

    agreement = funding_agreement(service, 10, by=commissioner, region_code="L")
    other_agreement = funding_agreement(other_service, 10, by=other_commissioner, region_code="J")
    awarded = _awarded_without_agreement(agreement, ours, provider_admin)
    other_awarded = _awarded_without_agreement(other_agreement, theirs, other_admin)

    # This month's partnership reports, both versions, for Greater Manchester and London.
    this_month = timezone.localdate().replace(day=1)
    month_end = (this_month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    report, providers_report = partnership_report_generate(
        region=manchester, period_start=this_month, period_end=month_end, by=commissioner
    )
    other_report, other_providers_report = partnership_report_generate(
        region=london, period_start=this_month, period_end=month_end, by=other_commissioner
    )

    alert = raise_alert(service, region="L")
    other_alert = raise_alert(other_service, region="J")
    endpoint, delivery = _webhook_with_delivery(provider_admin, referral, organisation=ours)
    other_endpoint, other_delivery = _webhook_with_delivery(
        other_admin, other_referral, organisation=theirs
    )
    # The PDUs' own systems: Manchester North's (ours) and Lambeth's.
    pdu_endpoint, pdu_delivery = _webhook_with_delivery(
        practitioner, referral, event_type="referral.accepted", pdu=practitioner.pdu
    )
    other_pdu_endpoint, other_pdu_delivery = _webhook_with_delivery(
        other_practitioner, other_referral, event_type="referral.accepted", pdu=lambeth
    )

    # Surveys open today: ours to practitioners and to provider staff in Greater Manchester,
    # theirs to practitioners in London.
    today = timezone.localdate()
    survey_to_practitioners, survey_to_staff, other_survey = (
        _survey(by, audience, region, today)
        for by, audience, region in (
            (commissioner, "practitioners", manchester),
            (commissioner, "provider_staff", manchester),
            (other_commissioner, "practitioners", london),
        )
    )

    users = {
        "practitioner": practitioner,
        "provider admin": provider_admin,
        "caseworker trained": trained,
        "caseworker untrained": untrained,
        "commissioner": commissioner,
        "assessor": assessor,
        "admin": admin,
    }
    tokens = {}
    notifications = {}
    for role, user in users.items():
        tokens[role] = issue_token(user, scope="write")[1]
        notifications[role] = NotificationFactory(recipient=user)
    someone_else = other_admin
    other_notification = NotificationFactory(recipient=someone_else)
    other_token, _ = issue_token(someone_else)

    def per_role(build) -> dict:
        return {role: build(role) for role in users}

    def ref(r, **extra):
        return {"public_id": r.public_id, **extra}

    def pk_of(obj, *names):
        return dict.fromkeys(names or ("pk",), obj.pk)

    scopes = {
        "notification": {
            **per_role(lambda role: (pk_of(notifications[role]), pk_of(other_notification))),
            "*": (pk_of(notifications["practitioner"]), pk_of(other_notification)),
        },
        "api token": {
            **per_role(lambda role: (pk_of(users[role].api_tokens.get()), pk_of(other_token))),
            "*": (pk_of(practitioner.api_tokens.get()), pk_of(other_token)),
        },
        "organisation": {"*": (pk_of(ours), pk_of(theirs))},
        "service": {"*": (pk_of(service, "pk", "service_pk"), pk_of(other_service, "pk"))},
        "directory service": {
            "*": (pk_of(service, "pk", "service_pk"), pk_of(closed_service, "pk", "service_pk"))
        },
        "staff member": {"*": (pk_of(untrained), pk_of(other_admin))},
        "training record": {
            "*": (
                {"pk": trained.pk, "record_pk": own_record.pk},
                {"pk": other_admin.pk, "record_pk": other_record.pk},
            )
        },
        "emailed link": {
            # Out: the invited member's link, with a token made for someone else.
            "*": (
                _emailed_link(invited),
                {**_emailed_link(invited), "token": default_token_generator.make_token(untrained)},
            )
        },
        "published service": {"*": (ref(service), ref(closed_service))},
        "referral": {"*": (ref(referral), ref(other_referral))},
        "completed referral": {"*": (ref(completed), ref(other_completed))},
        "risk document": {
            "*": (
                ref(referral, document_id=document.public_id),
                ref(other_referral, document_id=other_document.public_id),
            )
        },
        "session": {
            "*": (
                ref(referral, session_id=session.public_id),
                ref(other_referral, session_id=other_session.public_id),
            )
        },
        "concern": {
            "*": (
                ref(referral, concern_id=concern.public_id),
                ref(other_referral, concern_id=other_concern.public_id),
            )
        },
        "funding round": {
            "*": (ref(funding_round), ref(other_round)),
            "provider admin": (ref(funding_round), ref(draft_round)),
        },
        "lot": {
            "*": (pk_of(empty_lot, "pk", "lot_pk"), pk_of(other_lot, "pk", "lot_pk")),
            "provider admin": (pk_of(empty_lot, "pk", "lot_pk"), pk_of(draft_lot, "pk", "lot_pk")),
        },
        # A lot or criterion of the open round (in) or of the London round (out), with its round.
        "round lot": {
            "*": (ref(funding_round, lot_pk=empty_lot.pk), ref(other_round, lot_pk=other_lot.pk))
        },
        "round criterion": {
            "*": (
                ref(funding_round, pk=funding_round.criteria.first().pk),
                ref(other_round, pk=other_round.criteria.first().pk),
            )
        },
        "application": {
            "*": (ref(application), ref(london_application)),
            "provider admin": (ref(application), ref(other_application)),
            "caseworker trained": (ref(application), ref(other_application)),
            "caseworker untrained": (ref(application), ref(other_application)),
            "assessor": (ref(application), ref(other_application)),
        },
        "awarded application": {"*": (ref(awarded), ref(other_awarded))},
        "assessment": {"*": (pk_of(assignment), pk_of(other_assignment))},
        "agreement": {"*": (ref(agreement), ref(other_agreement))},
        "alert": {"*": (ref(alert), ref(other_alert))},
        "unmet need": {"*": (ref(need), ref(other_need))},
        "survey": {
            "*": (ref(survey_to_practitioners), ref(other_survey)),
            # Provider staff are asked the survey to provider staff, not practitioners'.
            **{
                role: (ref(survey_to_staff), ref(survey_to_practitioners))
                for role in ("provider admin", "caseworker trained", "caseworker untrained")
            },
        },
        # Provider staff read the providers' version: theirs is Greater Manchester's.
        "partnership report": {
            "*": (ref(report), ref(other_report)),
            **{
                role: (ref(providers_report), ref(other_providers_report))
                for role in ("provider admin", "caseworker trained", "caseworker untrained")
            },
        },
        "webhook endpoint": {
            "*": (ref(endpoint), ref(other_endpoint)),
            "practitioner": (ref(pdu_endpoint), ref(other_pdu_endpoint)),
        },
        "webhook delivery": {
            "*": (
                ref(endpoint, delivery_id=delivery.public_id),
                ref(other_endpoint, delivery_id=other_delivery.public_id),
            ),
            "practitioner": (
                ref(pdu_endpoint, delivery_id=pdu_delivery.public_id),
                ref(other_pdu_endpoint, delivery_id=other_pdu_delivery.public_id),
            ),
        },
    }
    unscoped = {
        "region": {"pk": manchester.pk},
        "pdu": {"pk": manchester_pdus[0].pk},
        "service category": {
            "pk": ServiceCategory.objects.get(slug="accommodation").pk,
            "slug": "accommodation",
        },
        "published organisation": {"public_id": ours.public_id},
        "published contract round": {"round_id": contract_round.public_id},
        "taxonomy": {"public_id": openreferral.TAXONOMY_ID},
        "taxonomy term": {
            "public_id": openreferral.taxonomy_term_id(
                ServiceCategory.objects.get(slug="accommodation")
            )
        },
        "open data path": {"rest": "service_at_locations"},
        "open data quarter": {"code": manchester.code, "year": this_month.year, "quarter": 1},
        "admin object": {},  # resolved from the admin page's model, see admin_object_kwargs
    }
    Group.objects.create(name="Service support")
    _admin_rows(owner=other_admin)
    assert set(scopes) == SCOPED_KINDS and set(unscoped) == UNSCOPED_KINDS
    return World(users=users, tokens=tokens, scopes=scopes, unscoped=unscoped)


def _admin_rows(*, owner) -> None:
    """At least one row of every model the Django admin shows, so each change page opens."""
    from axes.models import AccessAttempt, AccessFailureLog
    from axes.models import AccessLog as AxesAccessLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from referrals.models import RetentionRun

    # Someone other than the roles signed in, whose sessions would then need a second factor.
    TOTPDevice.objects.create(user=owner, name="Authenticator app", confirmed=True)
    StaticDevice.objects.create(user=owner, name="Recovery codes", confirmed=True)
    AccessAttempt.objects.create(
        username="someone@example.org", ip_address="127.0.0.1", failures_since_start=1
    )
    AxesAccessLog.objects.create(username=owner.email, ip_address="127.0.0.1")
    AccessFailureLog.objects.create(username="someone@example.org", ip_address="127.0.0.1")
    RetentionRun.objects.create(
        trigger=RetentionRun.Trigger.COMMAND, retention_years=6, closed_before=timezone.now()
    )


def admin_object_kwargs(pattern_path: str, names: tuple[str, ...]) -> dict:
    """The arguments of a Django admin page: an existing row of the page's model."""
    from django.apps import apps

    from capacity.models import Alert

    kwargs = {}
    if "content_type_id" in names:
        alert = Alert.objects.first()
        kwargs["content_type_id"] = ContentType.objects.get_for_model(Alert).pk
        kwargs["object_id"] = alert.pk
        return kwargs
    parts = pattern_path.strip("/").split("/")
    # /django-admin/<app_label>/<model_name>/{object_id}/...
    model = apps.get_model(parts[1], parts[2])
    row = model._default_manager.order_by("pk").first()
    if row is None:
        raise LookupError(
            f"The world has no {model._meta.label} to open at {pattern_path}: add one in "
            "tests/access/world.py (_admin_rows)"
        )
    for name in names:
        kwargs[name] = row.pk
    return kwargs


def _survey(by: User, audience: str, region: Region, today) -> Survey:
    survey = Survey.objects.create(
        title=f"Gaps in {region.name}",
        audience=audience,
        commissioning_body=by.commissioning_body,
        opens_on=today,
        closes_on=today + timedelta(days=14),
        created_by=by,
    )
    survey.regions.set([region])
    return survey
