"""django-allauth hooks: who may sign in where, and branded emails."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.shortcuts import render

from .guests import landing_for
from .models import Membership


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # People join a program by invitation (ecosystem.portal invitation views) or apply
        # on the onboarding app's public application page, which creates their account.
        return False

    def pre_login(self, request, user, **kwargs):
        tenant = getattr(request, "tenant", None)
        if (
            tenant is not None
            and not Membership.objects.for_tenant(tenant).filter(user=user, is_active=True).exists()
            and landing_for(tenant, user) is None
        ):
            raise ImmediateHttpResponse(
                render(
                    request,
                    "portal/forbidden.html",
                    {"reason": "no_membership", "signed_out": True},
                    status=403,
                )
            )
        return super().pre_login(request, user, **kwargs)

    def get_login_redirect_url(self, request):
        guest_page = landing_for(getattr(request, "tenant", None), request.user)
        return guest_page or super().get_login_redirect_url(request)

    def send_mail(self, template_prefix, email, context):
        tenant = getattr(context.get("request"), "tenant", None)
        context = {**context, "tenant": tenant}
        return super().send_mail(template_prefix, email, context)
