"""`seed_demo` — a realistic demo program, written through the services.

Idempotent: when the tenant exists it prints a note and the URL and changes nothing, so
`make run` can call it every time. With `--seed S` the same program comes out every time.
The last line of stdout is the tenant's URL.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from dealreg.models import Deal
from ecosystem.errors import DomainError
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.management.base import command_error
from ecosystem.tenancy.models import Membership, Tenant, User
from ecosystem.tenancy.roles import Role
from mdf.demo_mdf import seed_mdf
from onboarding import demo_checklists, demo_contracts, demo_screening
from partners import commitment_services, tier_admin
from partners import services as partner_services
from partners.models import PartnerOrganisation, PartnerStatus, PartnerType, Tier

from . import _demo_applications as demo_applications
from . import _demo_crm as demo_crm
from . import _demo_deals as demo_deals
from . import _demo_leads as demo_leads

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 — printed on purpose: demo sign-ins
DEFAULT_SLUG = "acme"
DEFAULT_SEED = 2026

STAFF = [
    # (local part, full name, role); the administrator comes first and creates the tenant.
    ("admin", "Alex Morgan", Role.ADMIN),
    ("channel.manager", "Priya Raman", Role.CHANNEL_MANAGER),
    ("marketing", "Tom Becker", Role.MARKETING_MANAGER),
    ("finance", "Grace Liu", Role.FINANCE),
    ("exec", "Daniel Okoye", Role.EXECUTIVE),
]
TIERS = [
    ("Registered", 1, "Signed the partner agreement; access to the portal and deal registration."),
    ("Silver", 2, "Trained sellers and a first closed deal; co-marketing funds on request."),
    ("Gold", 3, "Certified practice and steady pipeline; MDF allocation and lead sharing."),
    ("Platinum", 4, "Strategic partner: joint planning, priority leads, highest margins."),
]
# Benefits per tier: (discount %, MDF accrual %, lead priority weight, named contact, text).
TIER_BENEFITS = {
    "Registered": ("0", "0", "1.0", False, "Portal access, deal registration, sales playbooks."),
    "Silver": ("10", "2", "1.2", False, "Co-marketing funds on request; partner-sourced leads."),
    "Gold": ("20", "3", "1.5", True, "Quarterly business reviews; shared leads; MDF allocation."),
    "Platinum": (
        "30",
        "5",
        "2.0",
        True,
        "Joint business plan, executive sponsor, first pick of leads, beta programs.",
    ),
}
# Requirements per tier: (required count or None for all, [(metric, threshold)]).
TIER_REQUIREMENTS: dict[str, tuple[int | None, list[tuple[str, str]]]] = {
    "Registered": (None, []),
    "Silver": (1, [("active_people", "2"), ("specialisations", "1")]),
    "Gold": (None, [("active_people", "3"), ("specialisations", "1")]),
    "Platinum": (None, [("active_people", "3"), ("specialisations", "2")]),
}
NAME_PREFIXES = [
    "Blue Harbor",
    "Granite Peak",
    "Cobalt",
    "Redwood",
    "Silverline",
    "Brightpath",
    "Ironbridge",
    "Lakeside",
    "Summit Ridge",
    "Nimbus",
    "Polaris",
    "Kestrel",
    "Meridian",
    "Bluefin",
    "Harborview",
    "Tidewater",
    "Evergreen",
    "Copperleaf",
    "Northstar",
    "Clearwater",
    "Highland",
    "Oakridge",
    "Starling",
    "Keystone",
    "Foxglove",
    "Driftwood",
    "Larkspur",
    "Quarry Hill",
    "Fenwick",
    "Ashby",
    "Marlow",
    "Thornbury",
    "Sable",
    "Orchard",
    "Juniper",
    "Atlas",
    "Beacon",
    "Halcyon",
    "Vantage",
    "Bramble",
]
NAME_SUFFIXES: dict[str, list[str]] = {
    PartnerType.GSI: ["Global Services", "Consulting Group", "Digital Partners"],
    PartnerType.ISV: ["Software", "Labs", "Technologies"],
    PartnerType.MSP: ["Managed Services", "IT Services", "Cloud Operations"],
    PartnerType.VAR: ["Solutions", "Systems", "Technology Group"],
    PartnerType.MSSP: ["Security", "Cyber Defense", "SecOps"],
    PartnerType.REFERRAL: ["Partners", "Advisors", "Connect"],
    PartnerType.CONSULTANT: ["Consulting", "Advisory", "Strategy"],
}
COUNTRIES = [
    "US",
    "US",
    "US",
    "GB",
    "GB",
    "DE",
    "FR",
    "NL",
    "CA",
    "AU",
    "IN",
    "JP",
    "BR",
    "SG",
    "SE",
    "ES",
    "IE",
    "ZA",
    "MX",
    "PL",
]
FIRST_NAMES = [
    "Aisha",
    "Ben",
    "Carla",
    "Dev",
    "Elena",
    "Felix",
    "Hana",
    "Ivan",
    "Julia",
    "Kofi",
    "Lena",
    "Marco",
    "Nora",
    "Omar",
    "Paula",
    "Ravi",
    "Sofia",
    "Theo",
    "Uma",
    "Victor",
    "Wen",
    "Yara",
    "Zoe",
    "Liam",
    "Chloe",
    "Mateo",
    "Ingrid",
    "Kenji",
    "Leila",
    "Oscar",
]
LAST_NAMES = [
    "Alvarez",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gupta",
    "Hoffmann",
    "Ito",
    "Jansen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Osei",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Underwood",
    "Varga",
    "Walsh",
    "Yilmaz",
    "Zhang",
    "Silva",
    "Murphy",
    "Novak",
    "Haddad",
    "Lindqvist",
]
# --- partner profiles
SPECIALISATIONS = [
    ("Cloud migration", "Moves workloads to the cloud with a proven method."),
    ("Zero trust security", "Designs and runs identity-first security."),
    ("Data platforms", "Builds warehouses, lakes and pipelines on our platform."),
    ("AI and machine learning", "Ships production models and copilots."),
    ("Managed operations", "Runs customers' environments around the clock."),
    ("Industry compliance", "Certifies deployments for regulated industries."),
    ("Integration services", "Connects our platform to ERP, CRM and legacy systems."),
]
REGION_CODES = ["na", "latam", "emea", "apac"]
INDUSTRY_CODES = [
    "financial_services",
    "healthcare",
    "manufacturing",
    "retail",
    "public_sector",
    "technology",
    "telecommunications",
    "energy",
]
SERVED_COUNTRIES = ["US", "GB", "DE", "FR", "NL", "CA", "AU", "IN", "JP", "BR", "SG", "ES"]
OPTIONAL_LISTED_FIELDS = [
    "logo",
    "countries_served",
    "industries",
    "specialisations",
    "tier",
    "public_contact_email",
]
DESCRIPTIONS: dict[str, str] = {
    PartnerType.GSI: "{name} delivers large transformation programs for global enterprises.",
    PartnerType.ISV: "{name} builds software that extends and integrates with our platform.",
    PartnerType.MSP: "{name} runs and supports customers' environments as a managed service.",
    PartnerType.VAR: "{name} resells, implements and supports our products for mid-market firms.",
    PartnerType.MSSP: "{name} monitors and defends customers' estates around the clock.",
    PartnerType.REFERRAL: "{name} introduces us to the organisations it advises.",
    PartnerType.CONSULTANT: "{name} helps customers plan, choose and adopt the right tools.",
}

PARTNER_ROLE_ORDER = [Role.PARTNER_ADMIN, Role.PARTNER_SALES, Role.PARTNER_MARKETING]
# After the ones every status needs, most partners of a real program are active.
STATUS_WEIGHTS = {
    PartnerStatus.ACTIVE: 6,
    PartnerStatus.ONBOARDING: 2,
    PartnerStatus.APPLICANT: 1,
    PartnerStatus.SUSPENDED: 1,
    PartnerStatus.OFFBOARDED: 1,
}
TIER_WEIGHTS = {"Registered": 3, "Silver": 4, "Gold": 2, "Platinum": 1}


@dataclass
class PartnerPlan:
    name: str
    domain: str
    partner_type: str
    status: str
    country: str
    tier: str | None
    people: list[tuple[str, str, str]] = field(default_factory=list)  # local part, name, role

    @property
    def website(self) -> str:
        return f"https://www.{self.domain}"


def _domain_for(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".example"


def northwind() -> PartnerPlan:
    """The first partner is always the same, so the README can name its sign-ins."""
    return PartnerPlan(
        name="Northwind Systems",
        domain="northwind.example",
        partner_type=PartnerType.VAR,
        status=PartnerStatus.ACTIVE,
        country="US",
        tier="Gold",
        people=[
            ("partner", "Nadia Okafor", Role.PARTNER_ADMIN),
            ("sam.reyes", "Sam Reyes", Role.PARTNER_SALES),
            ("mia.chen", "Mia Chen", Role.PARTNER_MARKETING),
        ],
    )


def _new_person(rng: random.Random, *, taken: set[str]) -> tuple[str, str]:
    """A name and email local part not in `taken` (one organisation's people)."""
    while True:
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first_name}.{last_name}".lower()
        if local not in taken:
            return local, f"{first_name} {last_name}"


def plan_partners(rng: random.Random, count: int) -> list[PartnerPlan]:
    """The partners to create: every type and status while `count` allows, then a realistic
    mix. Everything random comes from `rng`, so one seed always gives one program."""
    first = northwind()
    plans = [first]
    rest = count - 1
    types: list[str] = [t for t in PartnerType if t != first.partner_type]
    rng.shuffle(types)
    types += [first.partner_type]
    types += [rng.choice(list(PartnerType)) for _ in range(max(0, rest - len(types)))]
    types = types[:rest]
    statuses = [s for s in PartnerStatus if s != first.status]
    rng.shuffle(statuses)
    statuses += rng.choices(
        list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=max(0, rest - len(statuses))
    )
    statuses = statuses[:rest]
    rng.shuffle(statuses)

    used_names = {first.name}
    prefixes = NAME_PREFIXES[:]
    rng.shuffle(prefixes)
    for index, (partner_type, status) in enumerate(zip(types, statuses, strict=True)):
        prefix = prefixes[index % len(prefixes)]
        name = f"{prefix} {rng.choice(NAME_SUFFIXES[partner_type])}"
        number = 2
        while name in used_names:
            name = f"{prefix} {rng.choice(NAME_SUFFIXES[partner_type])} {number}"
            number += 1
        used_names.add(name)
        tier = None
        if status in {PartnerStatus.ACTIVE, PartnerStatus.SUSPENDED}:
            tier = rng.choices(list(TIER_WEIGHTS), weights=list(TIER_WEIGHTS.values()))[0]
        elif status == PartnerStatus.ONBOARDING:
            tier = "Registered"
        plan = PartnerPlan(
            name=name,
            domain=_domain_for(name),
            partner_type=partner_type,
            status=status,
            country=rng.choice(COUNTRIES),
            tier=tier,
        )
        for role in PARTNER_ROLE_ORDER[: rng.choice([1, 2, 2, 3, 3])]:
            local, full_name = _new_person(rng, taken={local for local, _, _ in plan.people})
            plan.people.append((local, full_name, role))
        plans.append(plan)
    return plans


class Command(BaseCommand):
    help = "Create a realistic demo partner program (idempotent: an existing tenant is kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", default=DEFAULT_SLUG, help="Slug (default acme).")
        parser.add_argument("--partners", type=int, default=12, help="How many (default 12).")
        parser.add_argument(
            "--deals",
            type=int,
            default=40,
            help="Deals partners register (default 40); converted demo leads add a few.",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same data)."
        )

    def handle(self, *args, **options) -> None:
        slug = options["tenant"].strip().lower()
        if options["partners"] < 1:
            raise CommandError("--partners must be at least 1.")
        if options["deals"] < 0:
            raise CommandError("--deals cannot be negative.")
        existing = Tenant.objects.filter(slug=slug).first()
        if existing is not None:
            self.stdout.write(f"Tenant “{slug}” already exists; the demo data was left as it is.")
            self.stdout.write(existing.get_base_url() + "/")
            return

        rng = random.Random(options["seed"])
        plans = plan_partners(rng, options["partners"])
        # One hash for every demo person: hashing dozens of passwords would take seconds.
        self.password_hash = make_password(DEMO_PASSWORD)
        # In the embedded default every event's dispatch runs in process and Celery logs
        # each one; a hundred "Task succeeded" lines would bury the sign-ins.
        task_log = logging.getLogger("celery.app.trace")
        task_log_level = task_log.level
        task_log.setLevel(logging.WARNING)
        try:
            # Demo addresses are not real inboxes: invitation emails are not sent.
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
                transaction.atomic(),
            ):
                tenant = self.seed(slug=slug, plans=plans, rng=rng, deals=options["deals"])
        except DomainError as error:
            raise command_error(error) from error
        finally:
            task_log.setLevel(task_log_level)

        self.report(tenant, plans)

    # --- writing -----------------------------------------------------------------------------

    def seed(
        self, *, slug: str, plans: list[PartnerPlan], rng: random.Random, deals: int
    ) -> Tenant:
        staff_domain = f"{slug}.example"
        admin_local, admin_name, _ = STAFF[0]
        tenant, admin = tenancy_services.create_tenant(
            slug=slug,
            name="Acme Cloud"
            if slug == DEFAULT_SLUG
            else f"{slug.replace('-', ' ').title()} Cloud",
            admin_email=f"{admin_local}@{staff_domain}",
            admin_password=DEMO_PASSWORD,
        )
        if not admin.full_name:
            admin.full_name = admin_name
            admin.save(update_fields=["full_name"])
        admin_membership = Membership.objects.for_tenant(tenant).get(user=admin)
        tenancy_services.update_branding(
            tenant=tenant,
            actor=admin,
            name=tenant.name,
            primary_colour="#4338ca",
            accent_colour="#0f766e",
        )
        tiers = {
            name: self.create_tier(tenant, admin, name, rank, description)
            for name, rank, description in TIERS
        }

        staff = {Role.ADMIN: admin_membership}
        for local, full_name, role in STAFF[1:]:
            staff[role] = self.join(
                tenant,
                inviter=admin_membership,
                email=f"{local}@{staff_domain}",
                full_name=full_name,
                role=role,
            )
        channel_manager = staff[Role.CHANNEL_MANAGER]

        partners: list[tuple[PartnerPlan, PartnerOrganisation, Membership]] = []
        for plan in plans:
            partner = self.create_partner(tenant, channel_manager.user, plan, tiers)
            # The vendor invites a partner's administrator (always the first person), who
            # then invites the colleagues.
            partner_admin: Membership | None = None
            for person_local, person_name, person_role in plan.people:
                membership = self.join(
                    tenant,
                    inviter=partner_admin or channel_manager,
                    email=f"{person_local}@{plan.domain}",
                    full_name=person_name,
                    role=person_role,
                    partner=partner,
                )
                partner_admin = partner_admin or membership
            assert partner_admin is not None
            partners.append((plan, partner, partner_admin))

        # A few invitations still waiting for an answer, and one withdrawn.
        tenancy_services.invite_member(
            tenant=tenant,
            actor=admin,
            actor_membership=admin_membership,
            email=f"new.hire@{staff_domain}",
            role=Role.CHANNEL_MANAGER,
        )
        withdrawn = tenancy_services.invite_member(
            tenant=tenant,
            actor=admin,
            actor_membership=admin_membership,
            email=f"contractor@{staff_domain}",
            role=Role.MARKETING_MANAGER,
        )
        tenancy_services.revoke_invitation(tenant=tenant, actor=admin, invitation=withdrawn)
        growing = [
            entry for entry in partners if entry[0].status in {"onboarding", "applicant", "active"}
        ]
        for plan, partner, partner_admin in rng.sample(growing, k=min(3, len(growing))):
            local, _ = _new_person(rng, taken={local for local, _, _ in plan.people})
            email = f"{local}@{plan.domain}"
            tenancy_services.invite_member(
                tenant=tenant,
                actor=partner_admin.user,
                actor_membership=partner_admin,
                email=email,
                role=Role.PARTNER_SALES,
                partner_organisation=partner,
            )
        self.seed_profiles(tenant, partners, staff, random.Random(rng.random()))
        self.seed_crm(tenant, staff, rng)
        self.seed_deals(tenant, partners, staff, rng, deals)
        self.seed_leads(tenant, partners, staff, rng)
        demo_applications.seed_applications(
            tenant=tenant, staff=staff, password_hash=self.password_hash
        )
        demo_screening.seed_screening(tenant=tenant, staff=staff)
        self.seed_training(tenant, partners, staff, rng)
        demo_contracts.seed_contracts(tenant=tenant, staff=staff, partners=partners)
        demo_checklists.seed_checklists(tenant=tenant, staff=staff, partners=partners)
        self.seed_sequences(tenant, partners, staff, rng)
        seed_mdf(tenant=tenant, staff=staff, partners=partners, rng=random.Random(rng.random()))
        self.seed_incentives(tenant, staff, rng)
        # Last, so lead priority is judged on the routed leads.
        self.seed_commitments(tenant, partners, staff)
        return tenant

    def join(
        self,
        tenant,
        *,
        inviter: Membership,
        email: str,
        full_name: str,
        role: str,
        partner: PartnerOrganisation | None = None,
    ) -> Membership:
        """Invite a person and accept as them. A person who already has an account (from
        another tenant's demo) joins with it and keeps their password."""
        invitation = tenancy_services.invite_member(
            tenant=tenant,
            actor=inviter.user,
            actor_membership=inviter,
            email=email,
            role=role,
            partner_organisation=partner,
        )
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(email=email, full_name=full_name, password=self.password_hash)
            user.save()
        return tenancy_services.accept_invitation(
            tenant=tenant,
            raw_token=invitation.raw_token,  # type: ignore[attr-defined]
            user=user,
        )

    @staticmethod
    def create_tier(tenant, actor, name: str, rank: int, description: str):
        discount, mdf, weight, named_contact, benefits = TIER_BENEFITS[name]
        tier = tier_admin.create_tier(
            tenant=tenant,
            actor=actor,
            data={
                "name": name,
                "rank": rank,
                "description": description,
                "discount_percent": discount,
                "mdf_accrual_percent": mdf,
                "lead_priority_weight": weight,
                "has_named_contact": named_contact,
                "benefits_text": benefits,
            },
        )
        required_count, requirements = TIER_REQUIREMENTS[name]
        for metric, threshold in requirements:
            tier_admin.add_requirement(
                tenant=tenant,
                actor=actor,
                tier_id=tier.pk,
                data={"metric": metric, "threshold": threshold},
            )
        if required_count is not None:
            tier = tier_admin.update_tier(
                tenant=tenant,
                actor=actor,
                tier_id=tier.pk,
                data={"requirement_mode": "at_least", "required_count": required_count},
            )
        return tier

    @staticmethod
    def create_partner(tenant, actor, plan: PartnerPlan, tiers) -> PartnerOrganisation:
        """Create the partner and walk it through its lifecycle to its planned status, so
        the audit log and the events tell its story."""
        initial = PartnerStatus.APPLICANT if plan.status == "applicant" else "onboarding"
        partner = partner_services.create_partner(
            tenant=tenant,
            actor=actor,
            data={
                "name": plan.name,
                "website": plan.website,
                "partner_type": plan.partner_type,
                "country": plan.country,
                "status": initial,
                "tier": tiers["Registered"] if plan.status == "onboarding" else None,
            },
        )
        steps: list[dict] = []
        if plan.status in {"active", "suspended", "offboarded"}:
            steps.append({"status": PartnerStatus.ACTIVE, "tier": tiers[plan.tier or "Registered"]})
        if plan.status == "suspended":
            steps.append(
                {
                    "status": PartnerStatus.SUSPENDED,
                    "status_reason": "Partner agreement lapsed; suspended until it is renewed.",
                }
            )
        if plan.status == "offboarded":
            steps.append(
                {
                    "status": PartnerStatus.OFFBOARDED,
                    "status_reason": "The partner chose to end the partnership.",
                    "tier": None,
                }
            )
        for data in steps:
            partner = partner_services.update_partner(
                tenant=tenant, actor=actor, partner_id=partner.pk, data=data
            )
        return partner

    # --- partner profiles --------------------------------------------------------------------

    @staticmethod
    def seed_profiles(tenant, partners, staff, rng: random.Random) -> None:
        """Profiles, specialisations, channel managers and locator listings, written through
        the services; about half the active partners are listed with varying fields."""
        admin = staff[Role.ADMIN]
        catalogue = [
            partner_services.create_specialisation(
                tenant=tenant, actor=admin.user, name=name, description=description
            )
            for name, description in SPECIALISATIONS
        ]
        managers = [staff[Role.CHANNEL_MANAGER], admin]
        for index, (plan, partner, partner_admin) in enumerate(partners):
            regions = sorted(rng.sample(REGION_CODES, k=rng.choice([1, 1, 2, 3])))
            served = sorted({plan.country, *rng.sample(SERVED_COUNTRIES, k=rng.randint(0, 3))})
            listed = plan.status == PartnerStatus.ACTIVE and (index == 0 or rng.random() < 0.6)
            data = {
                "description": DESCRIPTIONS[plan.partner_type].format(name=plan.name),
                "regions": regions,
                "countries_served": served,
                "industries": sorted(rng.sample(INDUSTRY_CODES, k=rng.randint(1, 3))),
                "specialisations": [item.pk for item in rng.sample(catalogue, k=rng.randint(1, 3))],
                "capacity": rng.choice([5, 10, 15, 20, 30, 50]),
                "primary_contact": partner_admin.pk,
                "channel_manager": managers[index % len(managers)].pk,
                "is_listed": listed,
                "listed_fields": sorted(
                    {"description", "website", "regions"}
                    | set(rng.sample(OPTIONAL_LISTED_FIELDS, k=rng.randint(1, 4)))
                )
                if listed
                else [],
                "public_contact_email": f"partners@{plan.domain}",
            }
            partner_services.update_partner(
                tenant=tenant, actor=admin.user, partner_id=partner.pk, data=data
            )

    # --- tier commitments --------------------------------------------------------------------

    @staticmethod
    def seed_commitments(tenant, partners, staff) -> None:
        """The vendor's side of the tiers, met and not: Northwind's Gold discount is attested
        (met); another partner whose tier promises a named contact has lost its channel
        manager (not met); then every partner's commitments are checked."""
        channel_manager = staff[Role.CHANNEL_MANAGER]
        first_plan, northwind_partner, _ = partners[0]
        tiers_by_id = {tier.pk: tier for tier in Tier.objects.for_tenant(tenant)}
        northwind_tier = tiers_by_id.get(northwind_partner.tier_id)
        if northwind_tier is not None and northwind_tier.discount_percent > 0:
            commitment_services.attest_commitment(
                tenant=tenant,
                actor=channel_manager.user,
                partner_id=northwind_partner.pk,
                benefit="discount",
                value=northwind_tier.discount_percent,
                note=f"Price book “Partner net {timezone.localdate().year}”, "
                f"{northwind_tier.name} column, applied to {first_plan.name}'s account.",
            )
        unmanaged = next(
            (
                partner
                for plan, partner, _ in partners[1:]
                if plan.status == PartnerStatus.ACTIVE
                and partner.tier_id in tiers_by_id
                and tiers_by_id[partner.tier_id].has_named_contact
            ),
            None,
        )
        if unmanaged is not None:
            partner_services.update_partner(
                tenant=tenant,
                actor=staff[Role.ADMIN].user,
                partner_id=unmanaged.pk,
                data={"channel_manager": None},
            )
        commitment_services.evaluate_commitments(tenant=tenant)

    # --- CRM records -------------------------------------------------------------------------

    @staticmethod
    def seed_crm(tenant, staff, rng: random.Random) -> None:
        """The vendor's CRM accounts and pipeline (one applied import, ~40 opportunities),
        including customers partners register, so duplicate flags show. A copy of `rng`
        keeps the random choices made after it unchanged."""
        crm_rng = random.Random()
        crm_rng.setstate(rng.getstate())
        demo_crm.seed_crm(tenant=tenant, actor=staff[Role.CHANNEL_MANAGER], rng=crm_rng)

    # --- deal registrations -------------------------------------------------------------------

    def seed_deals(self, tenant, partners, staff, rng: random.Random, count: int) -> None:
        """`count` registrations through the deal services (after the CRM, so some match the
        vendor's pipeline), in every state. A copy of `rng` keeps later choices unchanged."""
        deal_rng = random.Random()
        deal_rng.setstate(rng.getstate())
        deal_rng.random()
        deal_rng.random()  # not the sequences the CRM and lead copies draw
        organisations = PartnerOrganisation.objects.for_tenant(tenant).filter(
            pk__in=[organisation.pk for _, organisation, _ in partners]
        )
        demo_deals.seed_deals(
            tenant=tenant,
            partners=list(organisations.order_by("pk")),
            staff=staff,
            rng=deal_rng,
            count=count,
        )

    # --- leads ---------------------------------------------------------------------------------

    @staticmethod
    def seed_leads(tenant, partners, staff, rng: random.Random) -> None:
        """Two routing rules and ~25 leads in every state, routed through the lead services
        (dealreg.leads), so each offer has a real score breakdown. A copy of `rng` keeps the
        random choices made after it unchanged."""
        lead_rng = random.Random()
        lead_rng.setstate(rng.getstate())
        lead_rng.random()  # not the very sequence the CRM copy draws
        demo_leads.seed_leads(tenant=tenant, staff=staff, partners=partners, rng=lead_rng)

    # --- incentives ----------------------------------------------------------------------------

    @staticmethod
    def seed_incentives(tenant, staff, rng: random.Random) -> None:
        """A rebate by tier, a referral fee and a SPIFF; earnings from the won deals; one
        approved and one paid statement (mdf.demo_incentives). A copy of `rng` keeps later
        choices unchanged."""
        from mdf.demo_incentives import seed

        incentive_rng = random.Random()
        incentive_rng.setstate(rng.getstate())
        seed(tenant=tenant, staff=staff, rng=incentive_rng)

    # --- training ------------------------------------------------------------------------------

    @staticmethod
    def seed_training(tenant, partners, staff, rng: random.Random) -> None:
        """Four courses, two learning paths and people at every stage, certifications
        included (onboarding.demo_training). A copy of `rng` keeps later choices unchanged."""
        from onboarding.demo_training import seed_training

        training_rng = random.Random()
        training_rng.setstate(rng.getstate())
        training_rng.random()
        training_rng.random()
        training_rng.random()  # not the sequences the CRM, deal and lead copies draw
        seed_training(tenant=tenant, staff=staff, partners=partners, rng=training_rng)

    @staticmethod
    def seed_sequences(tenant, partners, staff, rng: random.Random) -> None:
        """The welcome sequence, partners at every point of it, and survey answers
        (onboarding.demo_sequences). A copy of `rng` keeps later choices unchanged."""
        from onboarding.demo_sequences import seed_sequences

        sequences_rng = random.Random()
        sequences_rng.setstate(rng.getstate())
        sequences_rng.random()
        seed_sequences(tenant=tenant, staff=staff, partners=partners, rng=sequences_rng)

    # --- output ------------------------------------------------------------------------------

    def report(self, tenant: Tenant, plans: list[PartnerPlan]) -> None:
        write = self.stdout.write
        write(
            f"Created the demo program “{tenant.name}” with {len(plans)} partners and "
            f"{Deal.objects.for_tenant(tenant).count()} deals."
        )
        write("Invitation emails were not sent (demo addresses).")
        write(f"Sign in with password {DEMO_PASSWORD}:")
        for staff_local, _, staff_role in STAFF:
            write(f"  {staff_local}@{tenant.slug}.example".ljust(42) + staff_role.label)
        first = plans[0]
        for local, _, role in first.people:
            write(f"  {local}@{first.domain}".ljust(42) + f"{Role(role).label}, {first.name}")
        write("  " + demo_applications.APPLICANT.ljust(40) + "Applicant (their own application)")
        write(tenant.get_base_url() + "/")
