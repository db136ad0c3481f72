"""Factories for dealreg rows. They write rows directly (no services), for tests that need
history in place; behaviour is tested through the services, the API and the pages."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from dealreg import matching
from dealreg.models import CrmAccount, CrmOpportunity, Deal, DealStatus, Lead, NamedAccount
from tests.partners.factories import PartnerOrganisationFactory
from tests.tenancy.factories import TenantFactory


class _IdentityMixin:
    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        identity = matching.identity(
            kwargs.get("customer_name", ""),
            kwargs.get("customer_domain", ""),
            str(kwargs.get("customer_country", "")),
        )
        for field, value in model_class.keys_of(identity).items():
            kwargs.setdefault(field, value)
        return super()._create(model_class, *args, **kwargs)


class DealFactory(_IdentityMixin, factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    tenant = factory.SubFactory(TenantFactory)
    partner = factory.SubFactory(
        PartnerOrganisationFactory, tenant=factory.SelfAttribute("..tenant")
    )
    title = factory.Sequence(lambda n: f"Opportunity {n}")
    customer_name = factory.Sequence(lambda n: f"Customer {n} Holdings")
    customer_domain = factory.Sequence(lambda n: f"customer{n}.example")
    customer_country = "US"
    amount = Decimal("25000.00")
    currency = "USD"
    expected_close_date = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=60)
    )
    status = DealStatus.PENDING_REVIEW


class NamedAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NamedAccount

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Named Account {n} Inc")
    domain = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        identity = matching.identity(kwargs["name"], kwargs.get("domain", ""))
        kwargs.setdefault("name_key", identity.name_key)
        kwargs.setdefault("domain_key", identity.domain_key)
        return super()._create(model_class, *args, **kwargs)


class CrmAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrmAccount

    tenant = factory.SubFactory(TenantFactory)
    external_id = factory.Sequence(lambda n: f"ACC-{n:05d}")
    name = factory.Sequence(lambda n: f"Account {n} GmbH")
    country = "DE"


class CrmOpportunityFactory(_IdentityMixin, factory.django.DjangoModelFactory):
    class Meta:
        model = CrmOpportunity

    tenant = factory.SubFactory(TenantFactory)
    external_id = factory.Sequence(lambda n: f"OPP-{n:05d}")
    name = factory.Sequence(lambda n: f"Opportunity {n}")
    customer_name = factory.Sequence(lambda n: f"Prospect {n} AG")
    customer_domain = ""
    customer_country = "DE"
    stage = "Discovery"
    is_open = True


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    tenant = factory.SubFactory(TenantFactory)
    company_name = factory.Sequence(lambda n: f"Lead Company {n}")
    country = "US"


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "dealreg.RoutingRule"

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Routing rule {n}")
    priority = factory.Sequence(lambda n: 10 + n)


# --- the deal page: participants, the deal room, vendor help ---------------------------------


class DealParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "dealreg.DealParticipant"

    deal = factory.SubFactory(DealFactory)
    tenant = factory.SelfAttribute("deal.tenant")
    partner = factory.SelfAttribute("deal.partner")
    role = "sourced"
    status = "active"


class DealMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "dealreg.DealMessage"

    deal = factory.SubFactory(DealFactory)
    tenant = factory.SelfAttribute("deal.tenant")
    body = factory.Sequence(lambda n: f"Update {n}")


class VendorHelpRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "dealreg.VendorHelpRequest"

    deal = factory.SubFactory(DealFactory)
    tenant = factory.SelfAttribute("deal.tenant")
    kind = "sales_engineer"


def isolation_deals(*, tenant, partner, other_partner, foreign_partner) -> dict:
    """Deals for the security suite's `world` (tests/portal/test_isolation.py): the signed-in
    partner's own deal, another partner's deal in the same program and a deal of another
    program, each approved and protected, with a room message carrying a file, a help
    request and participants, so every deal route has an id of each kind to try."""
    from django.core.files.base import ContentFile

    protected = {
        "status": DealStatus.APPROVED,
        "protection_expires_at": timezone.now() + datetime.timedelta(days=90),
    }
    deal = DealFactory(tenant=tenant, partner=partner, title="Own deal", **protected)
    DealParticipantFactory(deal=deal)
    objects = {"deal": deal}
    for key, owner in (("other_partner_deal", other_partner), ("foreign_deal", foreign_partner)):
        other = DealFactory(tenant=owner.tenant, partner=owner, title="Not yours", **protected)
        DealParticipantFactory(deal=other)
        objects[key] = other
        objects[f"{key}_participant"] = DealParticipantFactory(
            deal=other,
            partner=PartnerOrganisationFactory(tenant=owner.tenant),
            role="co_sell",
            status="requested",
        )
        objects[f"{key}_message"] = DealMessageFactory(
            deal=other,
            file=ContentFile(b"confidential", name="pricing.txt"),
            file_name="pricing.txt",
        )
        objects[f"{key}_help"] = VendorHelpRequestFactory(deal=other)
    return objects
