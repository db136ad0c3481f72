import pytest
from django.urls import reverse

from ecosystem.tenancy.roles import Role
from partners.models import TierProgram, TierRequirement, TierRuleDraft
from tests.partners.factories import PartnerOrganisationFactory, TierFactory


@pytest.fixture
def ladder(tenant):
    registered = TierFactory(tenant=tenant, name="Registered", rank=1)
    gold = TierFactory(tenant=tenant, name="Gold", rank=2)
    TierRequirement.objects.create(tenant=tenant, tier=gold, metric="active_people", threshold=1)
    TierProgram.objects.create(tenant=tenant, grace_period_days=0)
    return registered, gold


def draft_form(threshold):
    return {
        "t0-rows": "1",
        "t0-requirement_mode": "all",
        "t0-r0-metric": "",
        "t1-rows": "2",
        "t1-requirement_mode": "all",
        "t1-r0-metric": "active_people",
        "t1-r0-comparator": "gte",
        "t1-r0-threshold": threshold,
        "t1-r0-window_days": "",
        "t1-r1-metric": "",
    }


@pytest.mark.django_db
def test_simulate_publish_and_discard(tenant, ladder, admin, make_member, portal_client):
    _, gold = ladder
    partner = PartnerOrganisationFactory(tenant=tenant, tier=gold)
    make_member(tenant, Role.PARTNER_SALES, partner)
    client = portal_client(admin)
    page = client.get(reverse("partners:simulator"), follow=True)
    assert page.status_code == 200 and b"Draft rules" in page.content
    draft = TierRuleDraft.objects.for_tenant(tenant).get()
    url = reverse("partners:simulator_draft", args=[draft.pk])
    simulated = client.post(url, draft_form("2"))
    assert simulated.context["simulation"]["counts"]["down"] == 1
    assert partner.name in simulated.content.decode()
    bad = client.post(url, draft_form("lots"))
    assert bad.status_code == 200 and b"Thresholds must be numbers" in bad.content
    client.post(url, draft_form("2"))
    client.post(reverse("partners:simulator_publish", args=[draft.pk]))
    partner.refresh_from_db()
    assert partner.tier.name == "Registered"
    assert TierRequirement.objects.for_tenant(tenant).get().threshold == 2
    fresh = TierRuleDraft.objects.for_tenant(tenant).filter(published_at__isnull=True)
    client.get(reverse("partners:simulator"))
    new_draft = fresh.get()
    client.post(reverse("partners:simulator_discard", args=[new_draft.pk]))
    new_draft.refresh_from_db()
    assert new_draft.discarded_at is not None


@pytest.mark.django_db
def test_simulator_roles_and_isolation(
    tenant, other_tenant, ladder, admin, channel_manager, partner_admin, make_member, portal_client
):
    assert portal_client(partner_admin).get(reverse("partners:simulator")).status_code == 403
    assert (
        portal_client(channel_manager).get(reverse("partners:simulator"), follow=True).status_code
        == 200
    )
    foreign_admin = make_member(other_tenant, Role.ADMIN)
    foreign = TierRuleDraft.objects.create(tenant=other_tenant, created_by=foreign_admin.user)
    colleague = TierRuleDraft.objects.create(tenant=tenant, created_by=channel_manager.user)
    client = portal_client(admin)
    for draft in (foreign, colleague):
        for name in (
            "partners:simulator_draft",
            "partners:simulator_publish",
            "partners:simulator_discard",
        ):
            method = client.get if name == "partners:simulator_draft" else client.post
            assert method(reverse(name, args=[draft.pk])).status_code == 404


@pytest.mark.django_db
def test_simulation_query_count_does_not_grow(
    tenant, ladder, admin, portal_client, django_assert_max_num_queries
):
    PartnerOrganisationFactory.create_batch(40, tenant=tenant)
    client = portal_client(admin)
    client.get(reverse("partners:simulator"))
    draft = TierRuleDraft.objects.for_tenant(tenant).get()
    with django_assert_max_num_queries(16):
        client.post(reverse("partners:simulator_draft", args=[draft.pk]), draft_form("3"))


@pytest.mark.django_db
def test_tier_settings_link_to_the_simulator(tenant, ladder, admin, portal_client):
    page = portal_client(admin).get(reverse("settings_tiers"))
    assert reverse("partners:simulator").encode() in page.content
