from dealreg.models import DealParticipant, DealStatus
from dealreg.recommendations import recommend_partners
from partners.models import PartnerSpecialisation, PartnerStatus, PartnerType, Specialisation
from tests.dealreg.factories import DealFactory
from tests.partners.factories import PartnerOrganisationFactory


def _deal(tenant, partner, **extra):
    deal = DealFactory(tenant=tenant, partner=partner, status=DealStatus.APPROVED, **extra)
    DealParticipant.objects.create(tenant=tenant, deal=deal, partner=partner, role="sourced")
    return deal


def test_recommendations_rank_complement_specialisation_history_and_region(
    tenant, django_assert_max_num_queries
):
    reseller = PartnerOrganisationFactory(
        tenant=tenant, name="Reseller", partner_type=PartnerType.VAR, country="US"
    )
    integrator = PartnerOrganisationFactory(
        tenant=tenant, name="Integrator", partner_type=PartnerType.GSI, country="US"
    )
    faraway = PartnerOrganisationFactory(
        tenant=tenant, name="Faraway", partner_type=PartnerType.GSI, country="JP"
    )
    PartnerOrganisationFactory(
        tenant=tenant,
        name="Dormant",
        partner_type=PartnerType.GSI,
        country="US",
        status=PartnerStatus.SUSPENDED,
    )
    security = Specialisation.objects.create(tenant=tenant, name="Security operations")
    PartnerSpecialisation.objects.create(tenant=tenant, partner=faraway, specialisation=security)
    past = _deal(tenant, reseller)
    DealParticipant.objects.create(tenant=tenant, deal=past, partner=integrator, role="fulfillment")
    deal = _deal(
        tenant,
        reseller,
        title="Security platform",
        products=["Security Suite"],
        customer_country="US",
    )
    with django_assert_max_num_queries(6):
        found = recommend_partners(tenant=tenant, deal=deal)
    names = [r.partner.name for r in found]
    assert names[0] == "Integrator"
    assert "Dormant" not in names and "Reseller" not in names
    top = found[0]
    assert any("co-sold 1 deal" in reason for reason in top.reasons)
    assert any("serves United States" in reason for reason in top.reasons)
    far = next(r for r in found if r.partner == faraway)
    assert any("Security operations" in reason for reason in far.reasons)


def test_recommendations_api(api_client, channel_manager, tenant, partner):
    deal = _deal(tenant, partner)
    PartnerOrganisationFactory(
        tenant=tenant, name="Integrator", partner_type=PartnerType.GSI, country="US"
    )
    response = api_client(channel_manager).get(f"/api/v1/deals/{deal.pk}/recommendations/")
    assert response.status_code == 200
    assert response.json()[0]["partner_name"] == "Integrator"
