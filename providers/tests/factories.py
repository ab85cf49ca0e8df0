import factory

from providers.models import Organisation


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Community Organisation {n}")
    org_id = factory.Sequence(lambda n: f"GB-CHC-{1100000 + n}")
