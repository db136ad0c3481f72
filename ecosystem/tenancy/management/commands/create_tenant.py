"""`create_tenant SLUG --name NAME --admin-email EMAIL` — the last line is the tenant's URL."""

from django.core.management.base import BaseCommand, CommandParser

from ecosystem.errors import DomainError
from ecosystem.tenancy.management.base import command_error
from ecosystem.tenancy.services import create_tenant


class Command(BaseCommand):
    help = "Create a tenant (a vendor's partner program) and its first administrator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="Subdomain: lowercase letters, digits and hyphens.")
        parser.add_argument("--name", required=True, help="The program's display name.")
        parser.add_argument("--admin-email", required=True, help="The first administrator.")
        parser.add_argument(
            "--admin-password",
            help="Password for a new administrator account (omit to set it later).",
        )
        parser.add_argument("--domain", help="A custom domain serving this tenant.")

    def handle(self, *args, **options) -> None:
        try:
            tenant, user = create_tenant(
                slug=options["slug"],
                name=options["name"],
                admin_email=options["admin_email"],
                admin_password=options["admin_password"],
                custom_domain=(options["domain"] or "").strip().lower() or None,
            )
        except DomainError as error:
            raise command_error(error) from error
        self.stdout.write(
            f"Created tenant “{tenant.slug}” ({tenant.name}); administrator {user.email}."
        )
        if not user.has_usable_password():
            self.stdout.write(
                f"{user.email} has no password yet: run `python manage.py changepassword "
                f"{user.email}` or use “Forgot password” on the sign-in page."
            )
        self.stdout.write(tenant.get_base_url() + "/")
