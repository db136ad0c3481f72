"""Audience rules: which partners see an audience-carrying row."""

import pytest

from partners.models import PartnerStatus
from tcma.audience import audience_partners, is_in_audience, visible_to_partner
from tcma.models import Asset, AssetGrant, Audience
from tests.partners.factories import PartnerOrganisationFactory, TierFactory
from tests.tcma.factories import AssetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(tenant):
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    silver = TierFactory(tenant=tenant, name="Silver", rank=2)
    return {
        "gold_var": PartnerOrganisationFactory(
            tenant=tenant, tier=gold, partner_type="var", regions=["emea"], name="Gold VAR"
        ),
        "silver_msp": PartnerOrganisationFactory(
            tenant=tenant, tier=silver, partner_type="msp", regions=["na", "apac"], name="MSP"
        ),
        "applicant": PartnerOrganisationFactory(
            tenant=tenant, tier=gold, status=PartnerStatus.APPLICANT, name="Applicant"
        ),
        "gold": gold,
    }


def test_each_audience_rule_picks_its_partners(tenant, program):
    everyone = AssetFactory(tenant=tenant, audience=Audience.ALL)
    gold_only = AssetFactory(tenant=tenant, audience=Audience.TIERS)
    gold_only.tiers.add(program["gold"])
    msps = AssetFactory(tenant=tenant, audience=Audience.TYPES, partner_types=["msp", "gsi"])
    apac = AssetFactory(tenant=tenant, audience=Audience.REGIONS, regions=["apac"])
    named = AssetFactory(tenant=tenant, audience=Audience.NAMED)
    AssetGrant.objects.create(tenant=tenant, asset=named, partner=program["gold_var"])

    silver = program["silver_msp"]
    seen = set(visible_to_partner(Asset.objects.for_tenant(tenant), silver))
    assert seen == {everyone, msps, apac}
    seen = set(visible_to_partner(Asset.objects.for_tenant(tenant), program["gold_var"]))
    assert seen == {everyone, gold_only, named}
    assert not is_in_audience(gold_only, silver)
    assert is_in_audience(apac, silver)
    assert set(audience_partners(gold_only)) == {program["gold_var"]}
    assert set(audience_partners(apac)) == {silver}
    assert set(audience_partners(named)) == {program["gold_var"]}
    assert set(audience_partners(everyone)) == {program["gold_var"], silver}
