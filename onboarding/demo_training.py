"""Demo training for `seed_demo`: four courses (two certifications, one with a quiz), two
learning paths, and the demo partners' people at every stage — not started, part way, failed
a quiz attempt, completed, certified, and one certification that has expired. Everything is
written through onboarding.training_services."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from ecosystem.dates import add_months
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role

from . import training_services as services
from .models.training import Certification, Course

VIDEO = "https://www.youtube.com/watch?v=aircAruvnKk"

COURSES = [
    {
        "title": "Platform Fundamentals",
        "summary": "What the platform does, who buys it and how a deployment fits together.",
        "estimated_minutes": 40,
        "modules": [
            ("Why customers buy", "<p>Customers buy the platform to <strong>cut integration "
             "time</strong> and to see every workload in one place.</p><ul><li>One control "
             "plane</li><li>Usage-based pricing</li><li>Open APIs</li></ul>", VIDEO),
            ("Architecture in ten minutes", "<h3>Three layers</h3><p>Collectors, the data "
             "plane and the console. Each scales on its own.</p>", ""),
            ("Editions and packaging", "<table><thead><tr><th>Edition</th><th>For</th></tr>"
             "</thead><tbody><tr><td>Team</td><td>Up to 50 users</td></tr><tr><td>"
             "Enterprise</td><td>SSO, audit, SLAs</td></tr></tbody></table>", ""),
        ],
        "questions": [],
    },
    {
        "title": "Sales Certification",
        "summary": "Qualify, position and price the platform; certified sellers get deal "
        "registration priority.",
        "estimated_minutes": 90,
        "is_certification": True,
        "validity_months": 24,
        "pass_mark_percent": 70,
        "modules": [
            ("Qualifying an opportunity", "<p>Use <em>MEDDPICC</em>: metrics, economic buyer, "
             "decision criteria, decision process, paper process, pain, champion, "
             "competition.</p>", ""),
            ("Positioning against alternatives", "<p>Lead with time-to-value; never lead "
             "with price.</p>", VIDEO),
            ("Pricing and discounts", "<p>List price is per active node per month. Tier "
             "discounts apply automatically on registered deals.</p>", ""),
        ],
        "questions": [
            ("Who signs off the budget in MEDDPICC?", "single",
             [("The champion", False), ("The economic buyer", True), ("Procurement", False)]),
            ("Which are part of MEDDPICC?", "multiple",
             [("Decision criteria", True), ("Paper process", True), ("Product roadmap", False)]),
        ],
    },
    {
        "title": "Technical Implementation Specialist",
        "summary": "Install, integrate and operate the platform for a customer.",
        "estimated_minutes": 180,
        "is_certification": True,
        "validity_months": 12,
        "pass_mark_percent": 80,
        "max_attempts": 3,
        "modules": [
            ("Installing the collectors", "<pre><code>helm install collector "
             "acme/collector --set token=…</code></pre><p>Collectors need outbound "
             "443 only.</p>", ""),
            ("Single sign-on", "<p>Configure SAML or OIDC; map groups to roles.</p>", ""),
            ("Sizing and high availability", "<p>Plan one data-plane node per 2,000 "
             "monitored hosts; run three for HA.</p>", VIDEO),
            ("Upgrades without downtime", "<ol><li>Drain</li><li>Upgrade</li><li>Verify"
             "</li></ol>", ""),
        ],
        "questions": [
            ("Which port do collectors need outbound?", "single",
             [("22", False), ("443", True), ("8080", False)]),
            ("How many data-plane nodes for high availability?", "single",
             [("One", False), ("Two", False), ("Three", True)]),
            ("Which protocols does single sign-on support?", "multiple",
             [("SAML", True), ("OIDC", True), ("FTP", False)]),
        ],
    },
    {
        "title": "Security Best Practices",
        "summary": "Hardening, least privilege and incident response for deployments you run.",
        "estimated_minutes": 45,
        "modules": [
            ("Least privilege", "<p>Give each integration its own token with the "
             "narrowest scope.</p>", ""),
            ("Incident response", "<p>Rotate tokens, review the audit log, tell the "
             "customer within 24 hours.</p>", ""),
        ],
        "questions": [],
    },
]  # fmt: skip


def _build_course(tenant, author, spec) -> Course:
    fields = {
        key: spec[key]
        for key in (
            "title",
            "summary",
            "estimated_minutes",
            "is_certification",
            "validity_months",
            "pass_mark_percent",
            "max_attempts",
        )
        if key in spec
    }
    course = services.create_course(tenant=tenant, actor=author, data=fields)
    for title, body, video in spec["modules"]:
        services.add_module(
            tenant=tenant,
            actor=author,
            course_id=course.pk,
            data={"title": title, "body_html": body, "video_url": video},
        )
    for text, kind, choices in spec["questions"]:
        services.add_question(
            tenant=tenant,
            actor=author,
            course_id=course.pk,
            data={
                "text": text,
                "kind": kind,
                "choices": [{"text": t, "is_correct": c} for t, c in choices],
            },
        )
    services.set_course_status(tenant=tenant, actor=author, course_id=course.pk, status="published")
    return course


def _answers(course, *, correct: bool) -> dict:
    answers = {}
    for question in course.questions.prefetch_related("choices"):
        choices = list(question.choices.all())
        right = [c.pk for c in choices if c.is_correct]
        answers[question.pk] = (
            right if correct else [next(c.pk for c in choices if not c.is_correct)]
        )
    return answers


def _take(tenant, learner, course, *, stage: str) -> None:
    """Bring `learner` to `stage` in `course`: started, halfway, failed once, completed."""
    modules = list(course.modules.all())
    if stage == "started":
        services.enrol(tenant=tenant, actor=learner, course_id=course.pk)
        return
    upto = len(modules) // 2 if stage == "halfway" else len(modules)
    for module in modules[: max(upto, 1)]:
        services.complete_module(tenant=tenant, actor=learner, module_id=module.pk)
    if stage in ("failed", "completed") and course.questions.exists():
        if stage == "failed":
            services.submit_quiz(
                tenant=tenant,
                actor=learner,
                course_id=course.pk,
                answers=_answers(course, correct=False),
            )
        else:
            services.submit_quiz(
                tenant=tenant,
                actor=learner,
                course_id=course.pk,
                answers=_answers(course, correct=True),
            )


def seed_training(*, tenant, staff, partners, rng: random.Random) -> None:
    """Courses, paths and learners' progress for the demo partners (`partners` as
    (plan, organisation, partner admin) tuples)."""
    author = staff[Role.CHANNEL_MANAGER]
    courses = {spec["title"]: _build_course(tenant, author, spec) for spec in COURSES}
    services.save_learning_path(
        tenant=tenant,
        actor=author,
        data={
            "name": "Sales onboarding",
            "description": "Everything a new seller needs in the first month.",
            "role": Role.PARTNER_SALES,
            "course_ids": [courses["Platform Fundamentals"].pk, courses["Sales Certification"].pk],
        },
    )
    services.save_learning_path(
        tenant=tenant,
        actor=author,
        data={
            "name": "Partner administrator essentials",
            "description": "Run your practice: the platform, certification and security.",
            "role": Role.PARTNER_ADMIN,
            "course_ids": [
                courses["Platform Fundamentals"].pk,
                courses["Technical Implementation Specialist"].pk,
                courses["Security Best Practices"].pk,
            ],
        },
    )
    organisations = [organisation.pk for _, organisation, _ in partners]
    people = list(
        Membership.objects.for_tenant(tenant)
        .filter(partner_organisation_id__in=organisations, is_active=True)
        .select_related("user", "partner_organisation")
        .order_by("pk")
    )
    stages = ["completed", "completed", "halfway", "started", "failed", "completed"]
    for index, person in enumerate(people):
        picked = (
            ["Platform Fundamentals", "Sales Certification"]
            if person.role != Role.PARTNER_ADMIN
            else ["Platform Fundamentals", "Technical Implementation Specialist"]
        )
        if index % 3 == 0:
            picked.append("Security Best Practices")
        for title in picked:
            stage = stages[(index + len(title)) % len(stages)] if index else "completed"
            if rng.random() < 0.15 and index:
                continue  # not everyone has started everything
            _take(tenant, person, courses[title], stage=stage)
    # One lapsed certification: issued 25 months ago on a 24-month course, so it shows as
    # expired (and can be renewed) in the demo.
    sales = courses["Sales Certification"]
    lapsed = Certification.objects.for_tenant(tenant).filter(course=sales).order_by("-pk").first()
    if lapsed is not None:
        issued = timezone.localdate() - timedelta(days=25 * 31)
        Certification.objects.for_tenant(tenant).filter(pk=lapsed.pk).update(
            issued_on=issued, expires_on=add_months(issued, 24)
        )
