from django.urls import path

from ecosystem.notifications import views as notification_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("theme.css", views.theme_css, name="theme_css"),
    path("branding/logo", views.tenant_logo, name="tenant_logo"),
    path("invitations/<str:token>/", views.accept_invitation, name="invitation_accept"),
    path("team/", views.team, name="team"),
    path("team/invitations/", views.team_invite, name="team_invite"),
    path(
        "team/invitations/<int:pk>/revoke/",
        views.team_invitation_revoke,
        name="team_invitation_revoke",
    ),
    path(
        "team/members/<int:pk>/deactivate/",
        views.team_member_deactivate,
        name="team_member_deactivate",
    ),
    path("settings/", views.settings_index, name="settings"),
    path("settings/branding/", views.settings_branding, name="settings_branding"),
    path("settings/security/", views.settings_security, name="settings_security"),
    path("audit/", views.audit_log, name="audit_log"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("notifications/", notification_views.notifications, name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        notification_views.notifications_read_all,
        name="notifications_read_all",
    ),
]
