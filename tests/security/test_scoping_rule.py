"""CONVENTIONS.md: tenant-owned models are queried only through `for_tenant(tenant)`.

This scans the source for `.objects.all()` / `.objects.filter(` / `.objects.get(` on
tenant-owned models outside migrations and tests. Platform processes that act across
tenants say so explicitly with `.objects.across_tenants()`.
"""

import re
from pathlib import Path

from django.apps import apps

from ecosystem.tenancy.models import TenantOwnedModel

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = [
    "ecosystem",
    "partners",
    "dealreg",
    "onboarding",
    "mdf",
    "tcma",
    "analytics",
    "bench",
]


def tenant_owned_model_names() -> set[str]:
    return {model.__name__ for model in apps.get_models() if issubclass(model, TenantOwnedModel)}


def test_no_unscoped_queries_on_tenant_owned_models():
    names = tenant_owned_model_names()
    assert {"PartnerOrganisation", "Membership", "AuditEntry", "OutboxEvent"} <= names
    pattern = re.compile(
        r"\b(" + "|".join(sorted(names)) + r")\.objects\.(all|filter|get|exclude|update|"
        r"get_or_create|update_or_create|count|exists|first|last|values|values_list|"
        r"select_related|prefetch_related|order_by|annotate|aggregate|in_bulk|iterator)\("
    )
    offenders = []
    for directory in SOURCE_DIRS:
        for path in (ROOT / directory).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "Use Model.objects.for_tenant(tenant):\n" + "\n".join(offenders)


def test_every_tenant_owned_table_has_a_tenant_index_and_tenant_in_unique_constraints():
    from django.db import models

    for model in apps.get_models():
        if not issubclass(model, TenantOwnedModel):
            continue
        assert model._meta.get_field("tenant").db_index, model
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                fields = set(constraint.fields)
                if "event" in fields:  # keyed on a row that already belongs to one tenant
                    continue
                assert "tenant" in fields, f"{model.__name__}.{constraint.name} lacks tenant"
