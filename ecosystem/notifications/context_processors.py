from django.utils.functional import SimpleLazyObject

from ecosystem.permissions import membership_of

from . import selectors


def notifications(request):
    """`unread_notifications` for the top bar's bell: one COUNT, run only when a page for a
    signed-in member actually shows it."""
    membership = membership_of(request)
    if membership is None:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: selectors.unread_count(tenant=request.tenant, user=request.user)
        )
    }
