"""Page actions shared by the team page and partner pages: call the service, then tell the
person what happened. The caller has already fetched the object through its own scope."""

from django.contrib import messages
from django.utils.translation import gettext

from ecosystem.errors import DomainError
from ecosystem.tenancy import services as tenancy_services


def revoke_invitation(request, invitation) -> None:
    try:
        tenancy_services.revoke_invitation(
            tenant=request.tenant, actor=request.user, invitation=invitation
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            gettext("The invitation for %(email)s was revoked; its link no longer works.")
            % {"email": invitation.email},
        )


def deactivate_member(request, member) -> None:
    try:
        tenancy_services.deactivate_membership(
            tenant=request.tenant, actor=request.user, membership_id=member.pk
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            gettext("%(name)s no longer has access to the portal.")
            % {"name": member.user.get_full_name()},
        )
