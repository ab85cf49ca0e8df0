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
    """A service created through the service layer (by an admin of the organisation, made
    if it has none), so its search document is built."""
    from partnership.models import Pdu, ServiceCategory
    from providers.services import service_create

    organisation = organisation or OrganisationFactory()
    return service_create(
        organisation=organisation,
        by=admin_of(organisation),
        data={
            "name": name,
            "description": data.pop("description", "Support for people on probation."),
            "delivery_settings": data.pop("delivery_settings", ["community"]),
            "monthly_capacity": data.pop("monthly_capacity", 10),
            **data,
        },
        categories=ServiceCategory.objects.filter(slug__in=slugs),
        pdus=Pdu.objects.filter(name__in=pdus),
    )


def admin_of(organisation):
    """An admin of the organisation: its first, or a new one."""
    from partnership.models import Role, User
    from partnership.tests.factories import UserFactory

    admin = User.objects.filter(organisation=organisation, role=Role.PROVIDER_ADMIN).first()
    return admin or UserFactory(role=Role.PROVIDER_ADMIN, organisation=organisation)
