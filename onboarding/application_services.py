"""Partner applications: submission on the public page, review, decision.

Submitting creates the applicant organisation (partners status `applicant`) and the
application with its fit score against the ideal partner profile and its possible
duplicates (other partners and applications with the same domain or a similar name).
Approval moves the organisation to `onboarding`, makes the applicant its partner admin and
emits `application.approved`, which the rest of onboarding listens to. Rejection archives
the organisation (`offboarded`, with the reason); nothing is deleted.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg import matching
from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.notifications.services import notify
from ecosystem.outbox.services import emit
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.models import Membership, User
from ecosystem.tenancy.roles import Role
from partners import services as partner_services
from partners.models import PartnerOrganisation, PartnerStatus, Specialisation

from .fit import Applicant, ProfileTargets, score_fit
from .models import (
    OPEN_APPLICATION_STATUSES,
    ApplicationMessage,
    ApplicationStatus,
    IdealPartnerProfile,
    PartnerApplication,
)

# Who hears about applications: the vendor's admins and channel managers.
REVIEWER_ROLES = (Role.ADMIN, Role.CHANNEL_MANAGER)
PROFILE_FIELDS = [
    "partner_types",
    "partner_type_weight",
    "regions",
    "region_weight",
    "specialisations",
    "specialisation_weight",
    "min_employees",
    "max_employees",
    "size_weight",
    "certifications",
    "certification_weight",
]


# --- accounts ---------------------------------------------------------------------------------


def create_applicant_account(*, email: str, full_name: str, password: str) -> User:
    """An account for someone applying without one; the email is verified by allauth's
    confirmation link before they can sign in."""
    email = email.strip()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            _("An account for %(email)s already exists: sign in, then apply.") % {"email": email},
            field="email",
        )
    user = User(email=email, full_name=full_name.strip())
    try:
        validate_password(password, user)
    except DjangoValidationError as error:
        raise ValidationFailed(errors={"password": error.messages}) from error
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


# --- fit and duplicates ----------------------------------------------------------------------


def profile_for(tenant) -> IdealPartnerProfile:
    """The tenant's ideal partner profile (created empty on first use)."""
    profile, _created = IdealPartnerProfile.objects.for_tenant(tenant).get_or_create(tenant=tenant)
    return profile


def _targets(profile: IdealPartnerProfile) -> ProfileTargets:
    return ProfileTargets(
        partner_types=frozenset(profile.partner_types),
        partner_type_weight=profile.partner_type_weight,
        regions=frozenset(profile.regions),
        region_weight=profile.region_weight,
        specialisations=frozenset(s.name for s in profile.specialisations.all()),
        specialisation_weight=profile.specialisation_weight,
        min_employees=profile.min_employees,
        max_employees=profile.max_employees,
        size_weight=profile.size_weight,
        certifications=frozenset(profile.certifications),
        certification_weight=profile.certification_weight,
    )


def _applicant(application: PartnerApplication) -> Applicant:
    return Applicant(
        partner_type=application.partner_type,
        regions=frozenset(application.regions),
        specialisations=frozenset(s.name for s in application.specialisations.all()),
        employees=application.employees,
        certifications=frozenset(application.certifications),
    )


def _possible_duplicates(tenant, application: PartnerApplication) -> list[dict]:
    """Other partners (applicants included) with the same website domain or a name the
    duplicate scorer flags, best first, with the reasons."""
    typed = matching.identity(
        application.company_name, application.website, str(application.country)
    )
    found = []
    others = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .exclude(pk=application.partner_id)
        .only("id", "name", "website", "country", "status")
    )
    for other in others.iterator(chunk_size=2000):
        candidate = matching.identity(other.name, other.website, str(other.country))
        same_domain = bool(typed.domain_key) and typed.domain_key == candidate.domain_key
        match = matching.score_identity(typed, candidate)
        if same_domain or matching.is_duplicate(match):
            reasons = list(match.reasons)
            if same_domain and not any(typed.domain_key in reason for reason in reasons):
                reasons.insert(0, _("same domain %(domain)s") % {"domain": typed.domain_key})
            found.append(
                {
                    "partner_id": other.pk,
                    "name": other.name,
                    "status": other.status,
                    "score": round(max(match.score, 0.8 if same_domain else 0.0), 2),
                    "reasons": reasons,
                }
            )
    found.sort(key=lambda item: (-item["score"], item["name"]))
    return found


def _assess(tenant, application: PartnerApplication, profile: IdealPartnerProfile) -> None:
    fit = score_fit(_targets(profile), _applicant(application))
    application.fit_score = fit.score
    application.fit_breakdown = fit.breakdown
    application.duplicates = _possible_duplicates(tenant, application)
    application.save(update_fields=["fit_score", "fit_breakdown", "duplicates", "updated_at"])


# --- submission -------------------------------------------------------------------------------


def _reviewers(tenant) -> list[User]:
    return [
        membership.user
        for membership in Membership.objects.for_tenant(tenant)
        .filter(role__in=REVIEWER_ROLES, is_active=True)
        .select_related("user")
    ]


@transaction.atomic
def submit_application(*, tenant, user: User, data: dict) -> PartnerApplication:
    """Apply to the program as `user` with the cleaned `data` (the application form's).

    One open application per person and tenant, and none from a member; a company whose
    exact name is already a partner is refused with a pointer to its administrator."""
    if Membership.objects.for_tenant(tenant).filter(user=user).exists():
        raise Conflict(_("You are already a member of this program."))
    if (
        PartnerApplication.objects.for_tenant(tenant)
        .filter(applicant=user, status__in=OPEN_APPLICATION_STATUSES)
        .exists()
    ):
        raise Conflict(_("You already have an application under review."))
    specialisations = list(data.get("specialisations") or [])
    try:
        partner = partner_services.create_partner(
            tenant=tenant,
            actor=user,
            data={
                "name": data["company_name"],
                "website": data["website"],
                "partner_type": data["partner_type"],
                "country": data["country"],
                "status": PartnerStatus.APPLICANT,
            },
        )
    except Conflict as error:
        raise Conflict(
            _(
                "%(company)s is already in this program. If you work there, ask its partner "
                "administrator to invite you."
            )
            % {"company": data["company_name"]},
            field="company_name",
        ) from error
    partner_services.update_partner(
        tenant=tenant,
        actor=user,
        partner_id=partner.pk,
        data={
            "regions": list(data["regions"]),
            "description": data.get("description", ""),
            "specialisations": [s.pk for s in specialisations],
        },
    )
    application = PartnerApplication.objects.create(
        tenant=tenant,
        partner=partner,
        applicant=user,
        company_name=data["company_name"],
        website=data["website"],
        partner_type=data["partner_type"],
        country=data["country"],
        regions=list(data["regions"]),
        employees=data["employees"],
        certifications=list(data.get("certifications") or []),
        description=data.get("description", ""),
        contact_name=data["contact_name"],
        contact_email=user.email,
        contact_phone=data.get("contact_phone", ""),
        contact_title=data.get("contact_title", ""),
    )
    application.specialisations.set(specialisations)
    _assess(tenant, application, profile_for(tenant))
    record(tenant=tenant, actor=user, action="application.submitted", obj=application)
    emit(
        tenant=tenant,
        name="application.submitted",
        obj=application,
        payload={"application_id": application.pk, "partner_id": partner.pk},
    )
    notify(
        tenant=tenant,
        recipients=_reviewers(tenant),
        kind="application.submitted",
        title=_("New partner application: %(company)s") % {"company": application.company_name},
        body=_("Fit %(fit)s/100%(duplicates)s.")
        % {
            "fit": application.fit_score,
            "duplicates": _(", possible duplicate of an existing partner")
            if application.duplicates
            else "",
        },
        url=reverse("applications:detail", args=[application.pk]),
    )
    return application


# --- review -----------------------------------------------------------------------------------


def _locked(tenant, application_id) -> PartnerApplication:
    application = (
        PartnerApplication.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFound(_("No such application."))
    return application


def _require_open(application: PartnerApplication) -> None:
    if not application.is_open:
        raise Conflict(
            _("This application was already %(status)s.")
            % {"status": application.get_status_display().lower()}
        )


def _tell_applicant(tenant, application: PartnerApplication, title: str, body: str) -> None:
    notify(
        tenant=tenant,
        recipients=[application.applicant],
        kind="application.updated",
        title=title,
        body=body,
        url=reverse("applications:mine"),
    )


def _decide(application: PartnerApplication, actor, status: str, reason: str) -> None:
    application.status = status
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_reason = reason
    application.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )
    ApplicationMessage.objects.create(
        tenant=application.tenant,
        application=application,
        author=actor,
        from_staff=True,
        body=reason or application.get_status_display(),
    )


@transaction.atomic
def approve_application(
    *, tenant, actor, application_id: int, reason: str = ""
) -> PartnerApplication:
    """Approve (staff): the organisation starts onboarding and the applicant becomes its
    partner admin; `application.approved` starts the checklist and welcome sequence."""
    application = _locked(tenant, application_id)
    _require_open(application)
    reason = (reason or "").strip()
    _decide(application, actor, ApplicationStatus.APPROVED, reason)
    partner_services.change_partner_status(
        tenant=tenant,
        actor=actor,
        partner_id=application.partner_id,
        to_status=PartnerStatus.ONBOARDING,
        reason=_("Application approved"),
    )
    membership = tenancy_services.add_member(
        tenant=tenant,
        actor=actor,
        user=application.applicant,
        role=Role.PARTNER_ADMIN,
        partner_organisation=application.partner,
    )
    partner_services.update_partner(
        tenant=tenant,
        actor=actor,
        partner_id=application.partner_id,
        data={"primary_contact": membership.pk},
    )
    record(
        tenant=tenant,
        actor=actor,
        action="application.approved",
        obj=application,
        changes={"reason": reason},
    )
    emit(
        tenant=tenant,
        name="application.approved",
        obj=application,
        payload={
            "application_id": application.pk,
            "partner_id": application.partner_id,
            "membership_id": membership.pk,
        },
    )
    _tell_applicant(
        tenant,
        application,
        _("Welcome to %(program)s: your application is approved") % {"program": tenant.name},
        reason or _("Sign in to start onboarding."),
    )
    return application


@transaction.atomic
def reject_application(*, tenant, actor, application_id: int, reason: str) -> PartnerApplication:
    """Reject (staff) with a reason the applicant reads; the applicant organisation is
    archived (offboarded), not deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the application is rejected."), field="reason")
    application = _locked(tenant, application_id)
    _require_open(application)
    _decide(application, actor, ApplicationStatus.REJECTED, reason)
    partner_services.change_partner_status(
        tenant=tenant,
        actor=actor,
        partner_id=application.partner_id,
        to_status=PartnerStatus.OFFBOARDED,
        reason=_("Application rejected: %(reason)s") % {"reason": reason},
    )
    record(
        tenant=tenant,
        actor=actor,
        action="application.rejected",
        obj=application,
        changes={"reason": reason},
    )
    emit(
        tenant=tenant,
        name="application.rejected",
        obj=application,
        payload={"application_id": application.pk, "partner_id": application.partner_id},
    )
    _tell_applicant(tenant, application, _("Your application was not accepted"), reason)
    return application


@transaction.atomic
def request_information(*, tenant, actor, application_id: int, message: str) -> PartnerApplication:
    """Ask the applicant for more information (staff); they answer on their status page."""
    message = (message or "").strip()
    if not message:
        raise ValidationFailed(_("Write what you need to know."), field="message")
    application = _locked(tenant, application_id)
    _require_open(application)
    application.status = ApplicationStatus.INFO_REQUESTED
    application.save(update_fields=["status", "updated_at"])
    ApplicationMessage.objects.create(
        tenant=tenant, application=application, author=actor, from_staff=True, body=message
    )
    record(tenant=tenant, actor=actor, action="application.info_requested", obj=application)
    _tell_applicant(tenant, application, _("More information needed on your application"), message)
    return application


@transaction.atomic
def reply_to_reviewers(*, tenant, user, application_id: int, message: str) -> PartnerApplication:
    """The applicant answers; an application waiting for information is back in review."""
    message = (message or "").strip()
    if not message:
        raise ValidationFailed(_("Write your answer."), field="message")
    application = _locked(tenant, application_id)
    if application.applicant_id != user.pk:
        raise NotFound(_("No such application."))
    _require_open(application)
    ApplicationMessage.objects.create(
        tenant=tenant, application=application, author=user, from_staff=False, body=message
    )
    if application.status == ApplicationStatus.INFO_REQUESTED:
        application.status = ApplicationStatus.SUBMITTED
        application.save(update_fields=["status", "updated_at"])
    record(tenant=tenant, actor=user, action="application.answered", obj=application)
    notify(
        tenant=tenant,
        recipients=_reviewers(tenant),
        kind="application.answered",
        title=_("%(company)s answered") % {"company": application.company_name},
        body=message[:300],
        url=reverse("applications:detail", args=[application.pk]),
    )
    return application


# --- the ideal partner profile ---------------------------------------------------------------


@transaction.atomic
def update_profile(*, tenant, actor, data: dict) -> IdealPartnerProfile:
    """Save the ideal partner profile (staff) and re-score every open application."""
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(errors={field: ["Unknown field."] for field in sorted(unknown)})
    low, high = data.get("min_employees"), data.get("max_employees")
    if low is not None and high is not None and low > high:
        raise ValidationFailed(
            _("The smallest size must not be above the largest."), field="max_employees"
        )
    profile = profile_for(tenant)
    profile = IdealPartnerProfile.objects.for_tenant(tenant).select_for_update().get(pk=profile.pk)
    specialisations = data.pop("specialisations", None)
    for field, value in data.items():
        setattr(profile, field, value)
    profile.updated_by = actor
    profile.save()
    if specialisations is not None:
        valid = Specialisation.objects.for_tenant(tenant).filter(
            pk__in=[getattr(s, "pk", s) for s in specialisations]
        )
        profile.specialisations.set(valid)
    record(tenant=tenant, actor=actor, action="ideal_partner_profile.updated", obj=profile)
    open_applications = list(
        PartnerApplication.objects.for_tenant(tenant)
        .filter(status__in=OPEN_APPLICATION_STATUSES)
        .prefetch_related("specialisations")
    )
    targets = _targets(profile)
    for application in open_applications:
        fit = score_fit(targets, _applicant(application))
        application.fit_score = fit.score
        application.fit_breakdown = fit.breakdown
    PartnerApplication.objects.bulk_update(open_applications, ["fit_score", "fit_breakdown"])
    return profile
