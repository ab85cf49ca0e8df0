import factory

from providers.models import Organisation


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Community Organisation {n}")
    org_id = factory.Sequence(lambda n: f"GB-CHC-{1100000 + n}")


def make_service(
    name="Housing support",
    *,
    organisation=None,
    slugs=("accommodation",),
    pdus=("Manchester North",),
    **data,
):
    """A valid service, written directly rather than by one of its organisation's admins
    (whom it would have to make, and who would then hear of every referral), with its search
    document built as the service layer builds it."""
    from partnership.models import Pdu, ServiceCategory
    from providers.models import Service
    from providers.services import SERVICE_FIELDS, service_search_refresh

    service = Service(
        organisation=organisation or OrganisationFactory(),
        name=name,
        description=data.pop("description", "Support for people on probation."),
        delivery_settings=data.pop("delivery_settings", ["community"]),
        monthly_capacity=data.pop("monthly_capacity", 10),
        **{key: value for key, value in data.items() if key in SERVICE_FIELDS},
    )
    service.full_clean()
    service.save()
    service.categories.set(ServiceCategory.objects.filter(slug__in=slugs))
    service.pdus.set(Pdu.objects.filter(name__in=pdus))
    service_search_refresh(service_ids=[service.pk])
    return service


def admin_of(organisation):
    """An admin of the organisation: its first, or a new one."""
    from partnership.models import Role, User
    from partnership.tests.factories import UserFactory

    admin = User.objects.filter(organisation=organisation, role=Role.PROVIDER_ADMIN).first()
    return admin or UserFactory(role=Role.PROVIDER_ADMIN, organisation=organisation)
