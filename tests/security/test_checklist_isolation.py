"""Onboarding checklists: every page and API route that takes an id answers 404 for another
tenant's template, checklist or task, and for partner users for another partner's, and
changes nothing. (test_route_coverage reads the tables below.)"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ecosystem.tenancy.roles import Role, has_capability
from onboarding import checklists_services
from onboarding.models import ChecklistTask, ChecklistTemplate
from tests.onboarding.checklists_factories import BANKING, make_checklist_template, task_of
from tests.partners.factories import PartnerOrganisationFactory
from tests.security.test_api_isolation import call

# (route name, method, path template, body, capability); {checklist} and {task} are another
# tenant's (or, for partner users, another partner's).
CHECKLIST_API_ROUTES = [
    ("checklist-detail", "get", "/api/v1/checklists/{checklist}/", None, "checklists.view"),
    ("checklist-task-detail", "get", "/api/v1/checklist-tasks/{task}/", None, "checklists.view"),
    (
        "checklist-task-upload",
        "post",
        "/api/v1/checklist-tasks/{task}/upload/",
        None,
        "checklists.submit",
    ),
    (
        "checklist-task-submit-form",
        "post",
        "/api/v1/checklist-tasks/{task}/submit-form/",
        BANKING,
        "checklists.submit",
    ),
    (
        "checklist-task-confirm",
        "post",
        "/api/v1/checklist-tasks/{task}/confirm/",
        None,
        "checklists.manage",
    ),
    (
        "checklist-task-waive",
        "post",
        "/api/v1/checklist-tasks/{task}/waive/",
        None,
        "checklists.manage",
    ),
    (
        "checklist-task-reopen",
        "post",
        "/api/v1/checklist-tasks/{task}/reopen/",
        {"reason": "Hijacked"},
        "checklists.manage",
    ),
    ("checklist-task-file", "get", "/api/v1/checklist-tasks/{task}/file/", None, "checklists.view"),
]
TEMPLATE_API_ROUTES = [
    ("checklist-template-detail", "get", "/api/v1/checklist-templates/{template}/", None),
    (
        "checklist-template-detail",
        "patch",
        "/api/v1/checklist-templates/{template}/",
        {"name": "Hijacked"},
    ),
    (
        "checklist-template-detail",
        "put",
        "/api/v1/checklist-templates/{template}/",
        {"name": "Hijacked", "partner_type": "var", "tasks": [{"title": "x", "kind": "manual"}]},
    ),
]
# (method, url name, object key, capability, POST data)
CHECKLIST_PAGES = [
    ("get", "checklists:detail", "checklist", "checklists.view", None),
    ("post", "checklists:upload", "task", "checklists.submit", None),
    ("post", "checklists:submit_form", "task", "checklists.submit", BANKING),
    ("post", "checklists:confirm", "task", "checklists.manage", None),
    ("post", "checklists:waive", "task", "checklists.manage", None),
    ("post", "checklists:reopen", "task", "checklists.manage", {"reason": "Hijacked"}),
    ("get", "checklists:file", "task", "checklists.view", None),
]
TEMPLATE_PAGES = [
    ("get", "checklists:template_edit", None),
    ("post", "checklists:template_edit", {"name": "Hijacked", "partner_type": "var"}),
]
COVERED_CHECKLIST_ROUTES = {name for name, *_ in CHECKLIST_API_ROUTES + TEMPLATE_API_ROUTES} | {
    name for _, name, *_ in CHECKLIST_PAGES + TEMPLATE_PAGES
}


def _started(tenant, actor, partner, admin_member):
    """A checklist with its upload task done (a file to fetch) and its banking form open."""
    checklist = checklists_services.start_checklist(
        tenant=tenant, actor=actor, partner_id=partner.pk
    )
    checklists_services.upload_document(
        tenant=tenant,
        actor=admin_member,
        task_id=task_of(checklist, "Certificate of insurance").pk,
        upload=SimpleUploadedFile("secret.pdf", b"%PDF-secret"),
    )
    return checklist


@pytest.fixture
def foreign(other_tenant, make_member):
    foreign_admin = make_member(other_tenant, Role.ADMIN, email="admin@globex.example")
    foreign_partner = PartnerOrganisationFactory(tenant=other_tenant, name="Globex Reseller")
    foreign_partner_admin = make_member(other_tenant, Role.PARTNER_ADMIN, foreign_partner)
    template = make_checklist_template(tenant=other_tenant, actor=foreign_admin, name="Globex list")
    checklist = _started(other_tenant, foreign_admin, foreign_partner, foreign_partner_admin)
    return {"template": template, "checklist": checklist}


@pytest.fixture
def other_partners(tenant, admin, other_partner, other_partner_admin):
    make_checklist_template(tenant=tenant, actor=admin, name="Our list")
    return {"checklist": _started(tenant, admin, other_partner, other_partner_admin)}


def targets(objects, key):
    checklist = objects["checklist"]
    if key == "checklist":
        return [checklist.pk]
    # Every kind of task: the uploaded document, the open form, the manual and optional ones.
    return list(
        ChecklistTask.objects.across_tenants()
        .filter(checklist=checklist)
        .values_list("pk", flat=True)
    )


def snapshot(checklist):
    return sorted(
        ChecklistTask.objects.across_tenants()
        .filter(checklist=checklist)
        .values_list("pk", "status", "file", "encrypted_values", "note", "reopen_reason")
    )


def expected(membership, capability) -> int:
    return 404 if capability is None or has_capability(membership.role, capability) else 403


def _path(path, objects, task_id):
    return path.format(checklist=objects["checklist"].pk, task=task_id)


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "partner_admin"])
@pytest.mark.parametrize(("name", "method", "path", "body", "capability"), CHECKLIST_API_ROUTES)
def test_another_tenants_checklist_is_404_in_the_api(
    name, method, path, body, capability, actor, foreign, api_client, request
):
    member = request.getfixturevalue(actor)
    before = snapshot(foreign["checklist"])
    key = "checklist" if "{checklist}" in path else "task"
    for pk in targets(foreign, key):
        response = call(api_client(member), method, _path(path, foreign, pk), body)
        assert response.status_code == expected(member, capability), (name, method, pk)
    assert snapshot(foreign["checklist"]) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body", "capability"), CHECKLIST_API_ROUTES)
def test_another_partners_checklist_is_404_in_the_api(
    name, method, path, body, capability, partner_admin, other_partners, api_client
):
    before = snapshot(other_partners["checklist"])
    key = "checklist" if "{checklist}" in path else "task"
    for pk in targets(other_partners, key):
        response = call(api_client(partner_admin), method, _path(path, other_partners, pk), body)
        assert response.status_code == expected(partner_admin, capability), (name, method, pk)
    assert snapshot(other_partners["checklist"]) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), TEMPLATE_API_ROUTES)
def test_another_tenants_template_is_404_in_the_api(
    name, method, path, body, admin, foreign, api_client
):
    response = call(api_client(admin), method, path.format(template=foreign["template"].pk), body)
    assert response.status_code == 404, (name, method)
    assert (
        ChecklistTemplate.objects.across_tenants().get(pk=foreign["template"].pk).name
        == "Globex list"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "channel_manager", "partner_admin"])
@pytest.mark.parametrize(("method", "name", "key", "capability", "data"), CHECKLIST_PAGES)
def test_another_tenants_checklist_is_404_on_pages(
    method, name, key, capability, data, actor, foreign, portal_client, request
):
    member = request.getfixturevalue(actor)
    before = snapshot(foreign["checklist"])
    client = portal_client(member)
    for pk in targets(foreign, key):
        url = reverse(name, args=[pk])
        response = client.get(url) if method == "get" else client.post(url, data or {})
        assert response.status_code == expected(member, capability), (name, method, pk)
    assert snapshot(foreign["checklist"]) == before


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["partner_admin", "partner_sales"])
@pytest.mark.parametrize(("method", "name", "key", "capability", "data"), CHECKLIST_PAGES)
def test_another_partners_checklist_is_404_on_pages(
    method, name, key, capability, data, actor, other_partners, portal_client, request
):
    member = request.getfixturevalue(actor)
    before = snapshot(other_partners["checklist"])
    client = portal_client(member)
    for pk in targets(other_partners, key):
        url = reverse(name, args=[pk])
        response = client.get(url) if method == "get" else client.post(url, data or {})
        assert response.status_code == expected(member, capability), (name, method, pk)
    assert snapshot(other_partners["checklist"]) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "name", "data"), TEMPLATE_PAGES)
def test_another_tenants_template_is_404_on_pages(
    method, name, data, admin, foreign, portal_client
):
    url = reverse(name, args=[foreign["template"].pk])
    client = portal_client(admin)
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 404
    assert (
        ChecklistTemplate.objects.across_tenants().get(pk=foreign["template"].pk).name
        == "Globex list"
    )
