"""Funding rounds, lots, applications, assessments and agreements for tests.

The factories write rows directly, in any state, for tests of what is allowed in each
(`test_rules`); the functions below them go through the services, as a commissioner and a
provider would, for tests of the journey."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from commissioning import services
from commissioning.models import Agreement, Application, AssessorAssignment, FundingRound, Lot
from partnership.models import Pdu, Region, Role, ServiceCategory
from partnership.tests.factories import CommissioningBodyFactory, UserFactory, issue_token
from providers.tests.factories import OrganisationFactory


class FundingRoundFactory(factory.django.DjangoModelFactory):
    """A round in Greater Manchester, led by a new commissioning body unless given one."""

    class Meta:
        model = FundingRound
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Greater Manchester grants {n}")
    lead_body = factory.SubFactory(CommissioningBodyFactory)
    budget = 300_000
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    created_by = factory.SubFactory(
        UserFactory,
        role=Role.COMMISSIONER,
        commissioning_body=factory.SelfAttribute("..lead_body"),
    )

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create:
            self.regions.set(extracted if extracted is not None else [Region.objects.get(code="L")])

    @factory.post_generation
    def co_funders(self, create, extracted, **kwargs):
        if create and extracted:
            self.co_funders.set(extracted)


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot
        skip_postgeneration_save = True

    funding_round = factory.SubFactory(FundingRoundFactory)
    title = factory.Sequence(lambda n: f"Housing lot {n}")
    category = factory.LazyFunction(lambda: ServiceCategory.objects.get(slug="accommodation"))
    budget = 100_000
    expected_monthly_referrals = 20

    @factory.post_generation
    def pdus(self, create, extracted, **kwargs):
        if create:
            self.pdus.set(extracted if extracted is not None else manchester_pdus())


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An organisation's application to a lot, with an admin of the organisation as author."""

    class Meta:
        model = Application

    lot = factory.SubFactory(LotFactory)
    organisation = factory.SubFactory(OrganisationFactory, annual_income=50_000)
    created_by = factory.SubFactory(
        UserFactory,
        role=Role.PROVIDER_ADMIN,
        organisation=factory.SelfAttribute("..organisation"),
    )
    approach = "Key workers."
    outcomes = "Settled homes."
    amount_requested = 50_000
    proposed_monthly_capacity = 10


class AssessorAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessorAssignment

    application = factory.SubFactory(ApplicationFactory, status=Application.Status.SUBMITTED)
    assessor = factory.SubFactory(
        UserFactory,
        role=Role.ASSESSOR,
        commissioning_body=factory.SelfAttribute("..application.lot.funding_round.lead_body"),
    )


class AgreementFactory(factory.django.DjangoModelFactory):
    """The agreement of a successful application."""

    class Meta:
        model = Agreement

    application = factory.SubFactory(ApplicationFactory, status=Application.Status.SUCCESSFUL)
    organisation = factory.SelfAttribute("application.organisation")
    lot = factory.SelfAttribute("application.lot")
    mechanism = factory.SelfAttribute("lot.funding_round.mechanism")
    value = 50_000
    starts_on = date(2027, 4, 1)
    ends_on = date(2029, 4, 1)
    break_clause_dates = factory.LazyFunction(lambda: [date(2028, 4, 1)])


def manchester_pdus():
    return Pdu.objects.filter(region__code="L")


def auth(user, scope="write") -> dict:
    """The API's bearer header for the user, with a fresh token."""
    _, raw = issue_token(user, scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# Through the services ----------------------------------------------------------------------


def new_round(commissioner, budget=300_000):
    """A draft round in Greater Manchester, created by the commissioner."""
    return services.round_create(
        by=commissioner,
        data={
            "title": "Greater Manchester housing and recovery grants",
            "mechanism": "grant",
            "budget": budget,
            "closes_at": timezone.now() + timedelta(days=30),
        },
        regions=Region.objects.filter(code="L"),
    )


def add_lot(funding_round, commissioner, title, budget, ceiling=None, slug="accommodation"):
    return services.lot_add(
        funding_round=funding_round,
        by=commissioner,
        data={
            "title": title,
            "category": ServiceCategory.objects.get(slug=slug),
            "budget": budget,
            "expected_monthly_referrals": 20,
            "income_ceiling": ceiling,
        },
        pdus=manchester_pdus(),
    )


def open_round(funding_round, commissioner):
    """Two criteria, consultation, then open for applications."""
    services.criterion_add(funding_round=funding_round, by=commissioner, name="Quality", weight=60)
    services.criterion_add(funding_round=funding_round, by=commissioner, name="Value", weight=40)
    services.round_transition(funding_round=funding_round, by=commissioner, action="consult")
    return services.round_transition(funding_round=funding_round, by=commissioner, action="open")


def apply(lot, income, reach="local", amount=50_000):
    """A new organisation's submitted application to the lot, and its admin."""
    organisation = OrganisationFactory(annual_income=income, reach=reach)
    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=organisation)
    application = services.application_save(
        lot=lot,
        by=admin,
        data={
            "approach": "Key workers.",
            "experience": "Ten years.",
            "outcomes": "Settled homes.",
            "amount_requested": amount,
            "proposed_monthly_capacity": 10,
        },
        pdus=manchester_pdus()[:2],
    )
    return services.application_submit(application=application, by=admin), admin
