"""tcma factories. Pass `tenant=`; related rows default to the same tenant."""

import datetime
import secrets

import factory
from django.utils import timezone

from tcma.models import (
    Activation,
    Announcement,
    Asset,
    AssetType,
    AssetVersion,
    Campaign,
    CampaignEmail,
    CobrandTemplate,
    Contact,
    ContactList,
    EventHost,
    JointEvent,
    SocialNetwork,
    SocialPost,
    SyndicationFeed,
    TrackedLink,
)


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    title = factory.Sequence(lambda n: f"Asset {n}")
    summary = "A short summary."
    asset_type = AssetType.DATASHEET
    is_published = True


class AssetVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetVersion

    tenant = factory.SelfAttribute("asset.tenant")
    number = 1
    body = "<p>Body text.</p>"


def published_asset(tenant, **fields) -> Asset:
    """An asset with a rich-text version 1 as its current version."""
    asset = AssetFactory(tenant=tenant, **fields)
    version = AssetVersionFactory(asset=asset)
    asset.current_version = version
    asset.save(update_fields=["current_version"])
    return asset


class CobrandTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CobrandTemplate

    name = factory.Sequence(lambda n: f"Template {n}")
    html = (
        "<section class='hero'><h1>{{ fields.headline }}</h1></section>"
        "<p>Brought to you by {{ partner.name }}</p>"
    )
    css = "h1 { color: #123; }"
    fields = [{"name": "headline", "label": "Headline", "max_length": 60, "required": True}]
    legal_footer = "© Acme Corp. All rights reserved."
    status = CobrandTemplate.Status.APPROVED


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=7))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    status = Campaign.Status.PUBLISHED
    destination_url = "https://acme.example/products/cloud"
    landing_headline = "Modernise your cloud"
    landing_body = "<p>See how teams ship faster.</p>"


class CampaignEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignEmail

    tenant = factory.SelfAttribute("campaign.tenant")
    name = "Launch email"
    subject = "Ship faster with Acme Cloud"
    body_html = (
        "<p>Hello {{ contact.first_name }},</p><p>{{ partner.name }} invites you.</p>"
        "<p><a href='{{ tracked_link }}'>Learn more</a></p>"
    )


class SocialPostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialPost

    tenant = factory.SelfAttribute("campaign.tenant")
    network = SocialNetwork.LINKEDIN
    text = "Ship faster with Acme Cloud: {{ tracked_link }}"


class ActivationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activation

    tenant = factory.SelfAttribute("campaign.tenant")
    code = factory.LazyFunction(lambda: secrets.token_urlsafe(9))


class TrackedLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackedLink

    tenant = factory.SelfAttribute("activation.tenant")
    label = "Campaign page"
    destination_url = "https://acme.example/products/cloud?utm_source=partner"
    utm_source = "partner"
    utm_medium = "referral"
    utm_campaign = "campaign"
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(9))


class ContactListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactList

    name = factory.Sequence(lambda n: f"List {n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    tenant = factory.SelfAttribute("contact_list.tenant")
    email = factory.Sequence(lambda n: f"person{n}@customer.example")
    first_name = "Pat"


class SyndicationFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyndicationFeed

    token = factory.LazyFunction(lambda: secrets.token_urlsafe(12))


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement

    title = factory.Sequence(lambda n: f"News {n}")
    body = "<p>Hello {{ first_name }} at {{ partner_name }}.</p>"


class JointEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JointEvent

    title = factory.Sequence(lambda n: f"Webinar {n}")
    kind = JointEvent.Kind.WEBINAR
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))
    ends_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14, hours=1))
    location = "Online"
    status = JointEvent.Status.OPEN


class EventHostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventHost

    tenant = factory.SelfAttribute("event.tenant")
    code = factory.LazyFunction(lambda: secrets.token_urlsafe(9))
