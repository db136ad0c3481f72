"""`create_api_token --tenant SLUG --email EMAIL` — the last line is the raw token."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecosystem.api.services import create_token
from ecosystem.errors import DomainError
from ecosystem.tenancy.management.base import command_error
from ecosystem.tenancy.models import Membership, Tenant


class Command(BaseCommand):
    help = "Create an API token for a member of a tenant. The token is shown once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="The tenant's slug.")
        parser.add_argument("--email", required=True, help="The member the token acts as.")
        parser.add_argument("--name", default="Command line", help="A label for the token.")

    def handle(self, *args, **options) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"].strip().lower()).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug “{options['tenant']}”.")
        email = options["email"].strip()
        membership = (
            Membership.objects.for_tenant(tenant)
            .select_related("user")
            .filter(user__email__iexact=email)
            .first()
        )
        if membership is None:
            raise CommandError(f"{email} is not a member of {tenant.slug}.")
        if not membership.is_active or not membership.user.is_active:
            raise CommandError(f"{email} is no longer active in {tenant.slug}.")
        try:
            token, raw = create_token(
                tenant=tenant, actor=None, membership=membership, name=options["name"]
            )
        except DomainError as error:
            raise command_error(error) from error
        self.stdout.write(
            f"Token “{token.name}” for {membership.user.email} "
            f"({membership.get_role_display()}) on {tenant.get_base_url()}; "
            "it is shown only once:"
        )
        self.stdout.write(raw)
