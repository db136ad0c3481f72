from django.db import connection
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ecosystem.permissions import HasCapability, IsTenantMember

from . import selectors, services
from .idempotency import IdempotentCreateMixin
from .models import ApiToken
from .serializers import ApiTokenSerializer, NewApiTokenSerializer


def healthz(request):
    """200 when the database (and, in production, the broker) answer; 503 otherwise."""
    from django.conf import settings

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["broker"] = "ok"
        except Exception:
            checks["broker"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


class ApiTokenViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own API tokens: list, create (the value is shown once), revoke."""

    queryset = ApiToken.objects.none()  # for the schema; get_queryset scopes
    serializer_class = ApiTokenSerializer
    permission_classes = [IsTenantMember, HasCapability]
    required_capabilities = {
        "list": "tokens.manage_own",
        "create": "tokens.manage_own",
        "revoke": "tokens.manage_own",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.tokens_of(tenant=self.request.tenant, membership=self.request.membership)

    @extend_schema(request=ApiTokenSerializer, responses={201: NewApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        token, raw = services.create_token(
            tenant=self.request.tenant,
            actor=self.request.user,
            membership=self.request.membership,
            name=serializer.validated_data["name"],
        )
        token.token = raw
        serializer.instance = token

    def get_serializer_class(self):
        return NewApiTokenSerializer if self.action == "create" else ApiTokenSerializer

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = self.get_object()
        token = services.revoke_token(tenant=request.tenant, actor=request.user, token_id=token.pk)
        return Response(ApiTokenSerializer(token).data, status=status.HTTP_200_OK)
