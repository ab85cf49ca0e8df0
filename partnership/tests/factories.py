import factory

from partnership.models import ApiToken, CommissioningBody, Pdu, Region, Role, User
from providers.tests.factories import OrganisationFactory

PASSWORD = "correct-horse-battery-staple"


class CommissioningBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissioningBody
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"HMPPS Commissioning Team {n}")

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create:
            self.regions.set(extracted if extracted is not None else [Region.objects.get(code="L")])


class UserFactory(factory.django.DjangoModelFactory):
    """A practitioner by default; `UserFactory(role=Role.CASEWORKER)` gets the right context."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    role = Role.PRACTITIONER
    pdu = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role == Role.PRACTITIONER),
        yes_declaration=factory.LazyFunction(lambda: Pdu.objects.get(name="Manchester North")),
        no_declaration=None,
    )
    organisation = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role in (Role.PROVIDER_ADMIN, Role.CASEWORKER)),
        yes_declaration=factory.SubFactory(OrganisationFactory),
        no_declaration=None,
    )
    commissioning_body = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role in (Role.COMMISSIONER, Role.ASSESSOR)),
        yes_declaration=factory.SubFactory(CommissioningBodyFactory),
        no_declaration=None,
    )
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


def issue_token(user, scope=ApiToken.Scope.READ, days=30):
    from partnership.services import api_token_issue

    return api_token_issue(user=user, name="Test client", scope=scope, days=days)
