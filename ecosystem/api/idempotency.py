"""`Idempotency-Key` for creating POSTs: the same key and body within 24 h returns the first
response and creates nothing new; the same key with a different body is refused (422)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"


class IdempotencyKeyReused(APIException):
    status_code = 422
    default_detail = {
        "idempotency_key": [
            "This Idempotency-Key was used with a different request body; use a new key."
        ]
    }
    default_code = "idempotency_key_reused"


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


class IdempotentCreateMixin:
    """Wraps a viewset's `create` (and any action listed in `idempotent_actions`)."""

    idempotent_actions = ("create",)

    def dispatch_idempotent(self, request, handler, *args, **kwargs):
        key = request.META.get(HEADER, "").strip()
        membership = getattr(request, "membership", None)
        if not key or membership is None:
            return handler(request, *args, **kwargs)
        if len(key) > 255:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"idempotency_key": ["Use at most 255 characters."]})
        fingerprint = _request_hash(request)
        window_start = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
        records = IdempotencyRecord.objects.for_tenant(request.tenant).filter(
            membership=membership, key=key
        )
        records.filter(created_at__lt=window_start).delete()
        previous = records.first()
        if previous is not None:
            return self._replay(previous, fingerprint)
        try:
            with transaction.atomic():
                response = handler(request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    IdempotencyRecord.objects.create(
                        tenant=request.tenant,
                        membership=membership,
                        key=key,
                        method=request.method,
                        path=request.path[:500],
                        request_hash=fingerprint,
                        response_status=response.status_code,
                        response_body=response.data,
                    )
                return response
        except IntegrityError:
            # A concurrent request with the same key won the race: answer as it did.
            previous = records.first()
            if previous is None:
                raise
            return self._replay(previous, fingerprint)

    @staticmethod
    def _replay(previous: IdempotencyRecord, fingerprint: str) -> Response:
        if previous.request_hash != fingerprint:
            raise IdempotencyKeyReused()
        response = Response(previous.response_body, status=previous.response_status)
        response["Idempotent-Replayed"] = "true"
        return response

    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, super().create, *args, **kwargs)  # type: ignore[misc]
