"""`notifications/`: the caller's own notifications; mark one or all read."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ecosystem.permissions import HasCapability, IsTenantMember

from . import selectors, services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "is_read", "read_at", "created_at"]
        read_only_fields = fields

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Only the caller's own notifications in this tenant; anyone else's id is 404."""

    queryset = Notification.objects.none()  # for the schema; get_queryset scopes
    serializer_class = NotificationSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsTenantMember, HasCapability]
    required_capabilities = {"list": "portal.use", "read": "portal.use", "read_all": "portal.use"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.inbox(tenant=self.request.tenant, user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer, summary="Mark read")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.mark_read(
            tenant=request.tenant, user=request.user, notification_id=pk
        )
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("MarkedRead", {"marked_read": serializers.IntegerField()}),
        summary="Mark all read",
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        count = services.mark_all_read(tenant=request.tenant, user=request.user)
        return Response({"marked_read": count})
