import factory

from partners.models import PartnerOrganisation, PartnerStatus, PartnerType, Specialisation, Tier
from tests.tenancy.factories import TenantFactory


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Tier {n}")
    rank = factory.Sequence(lambda n: n + 1)


class PartnerOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerOrganisation

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Partner {n} Ltd")
    website = factory.LazyAttribute(lambda o: f"https://{o.name.split()[0].lower()}.example.com")
    partner_type = PartnerType.VAR
    country = "GB"
    status = PartnerStatus.ACTIVE


class SpecialisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialisation

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Specialisation {n}")
