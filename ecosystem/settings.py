"""One settings module, configured by environment variables.

With no environment variables set this is the *embedded default*: a SQLite file in the
project folder, Celery tasks run in process, local-memory cache, console email. Setting
DATABASE_URL and REDIS_URL switches to the production shape (PostgreSQL, Redis).
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=not env("DATABASE_URL"))
TESTING = "pytest" in sys.modules
SECRET_KEY = env("SECRET_KEY") or ("embedded-default-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")

# Tenants are resolved from the request host (ecosystem.tenancy.middleware), which answers
# 404 for any host that is neither the base domain, a tenant subdomain nor a custom domain.
BASE_DOMAIN = env("BASE_DOMAIN", "localhost")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "*")
# Scheme and port used when the product writes absolute links (emails, command output).
SITE_SCHEME = env("SITE_SCHEME", "http" if DEBUG else "https")
SITE_PORT = env("SITE_PORT", "8000" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Trigram lookups for the named-account search (used only on PostgreSQL).
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_countries",
    "django_htmx",
    "guardian",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ecosystem.tenancy",
    "ecosystem.audit",
    "ecosystem.outbox",
    "ecosystem.scheduling",
    "ecosystem.notifications",
    "ecosystem.api",
    "ecosystem.portal",
    "partners",
    "dealreg",
    "onboarding",
    "mdf",
    "tcma",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ecosystem.tenancy.middleware.RequestContextMiddleware",
    "ecosystem.tenancy.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ecosystem.tenancy.middleware.MembershipMiddleware",
]

ROOT_URLCONF = "ecosystem.urls"
PLATFORM_URLCONF = "ecosystem.urls_platform"
WSGI_APPLICATION = "ecosystem.wsgi.application"
ASGI_APPLICATION = "ecosystem.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "ecosystem.portal.context_processors.portal",
                "ecosystem.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Cache, broker, tasks -----------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
# Embedded default: no broker, so tasks run in process.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "dispatch-outbox": {"task": "ecosystem.outbox.tasks.dispatch_outbox", "schedule": 30.0},
    "process-due-work": {"task": "ecosystem.scheduling.tasks.process_due_work", "schedule": 60.0},
}
CELERY_TIMEZONE = "UTC"

# --- Authentication (django-allauth, guardian) --------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "ecosystem.tenancy.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Ecosystem"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

# --- Invitations --------------------------------------------------------------------------
INVITATION_VALID_DAYS = 7

# --- Email --------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Ecosystem <no-reply@ecosystem.local>")

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
LOGO_MAX_BYTES = 2 * 1024 * 1024
# Files attached to deals, claims and the like (ecosystem.uploads.validate_attachment).
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
# Fernet key (urlsafe base64, 32 bytes) for values encrypted at rest, e.g. partners' banking
# details (onboarding.checklists_crypto). Empty: a key derived from SECRET_KEY, which is fine
# for the embedded default; production sets its own and keeps it when SECRET_KEY rotates.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a proxy you trust (docker compose's, a load balancer), take the client IP for the
# audit log from X-Forwarded-For.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# A strict policy: every script and stylesheet comes from our own static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ecosystem.api.authentication.BearerTokenAuthentication",
        "ecosystem.api.authentication.TenantSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ecosystem.permissions.IsTenantMember"],
    "DEFAULT_PAGINATION_CLASS": "ecosystem.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ecosystem.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", "60/minute"),
        "user": env("API_THROTTLE_USER", "1200/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ecosystem API",
    "DESCRIPTION": (
        "Partner Relationship Management. The tenant is chosen by the request host; "
        "authenticate with `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PartnerRoleEnum": "ecosystem.tenancy.roles.PARTNER_ROLE_CHOICES",
        "RoleEnum": "ecosystem.tenancy.roles.Role",
        "ApplicationStatusEnum": "onboarding.models.ApplicationStatus",
        "PartnerStatusEnum": "partners.models.PartnerStatus",
        "CrmImportKindEnum": "dealreg.models.CrmImport.Kind",
        "CrmImportStatusEnum": "dealreg.models.CrmImport.Status",
        "CountryEnum": "django_countries.countries",
        "IndustryEnum": "partners.models.Industry",
        "DealStatusEnum": "dealreg.models.DealStatus",
        "CourseStatusEnum": "onboarding.models.training.CourseStatus",
        "ChecklistTaskKindEnum": "onboarding.models.checklists.TaskKind",
        "ChecklistTaskStatusEnum": "onboarding.models.checklists.TaskStatus",
        "ParticipantRoleEnum": "dealreg.models.ParticipantRole",
        "ParticipantStatusEnum": "dealreg.models.DealParticipant.Status",
        "AppealOutcomeEnum": "dealreg.models.AppealOutcome",
        "ExtensionStatusEnum": "dealreg.models.RequestStatus",
        "HelpRequestKindEnum": "dealreg.models.VendorHelpRequest.Kind",
        "HelpRequestStatusEnum": "dealreg.models.VendorHelpRequest.Status",
        "DealMessageKindEnum": "dealreg.models.DealMessage.Kind",
        "LeadStatusEnum": "dealreg.models.LeadStatus",
        "LeadOfferStatusEnum": "dealreg.models.LeadOffer.Status",
        "LeadSourceEnum": "dealreg.models.Lead.Source",
        "RegionEnum": "partners.models.Region",
        "PartnerTypeEnum": "partners.models.PartnerType",
        "ScreeningCheckKindEnum": "onboarding.models.screening.CheckKind",
        "ScreeningCheckStatusEnum": "onboarding.models.screening.CheckStatus",
        "RestrictedPartyListStatusEnum": "onboarding.models.screening.ListStatus",
        "ComplianceReviewStatusEnum": "onboarding.models.screening.ReviewStatus",
        "MdfActivityTypeEnum": "mdf.models.ActivityType",
        "MdfAllocationSourceEnum": "mdf.models.AllocationSource",
        "MdfRequestStatusEnum": "mdf.models.RequestStatus",
        "MdfClaimStatusEnum": "mdf.models.ClaimStatus",
        "MdfProofKindEnum": "mdf.models.ProofKind",
        "MdfPayoutMethodEnum": "mdf.models.PayoutMethod",
        "IncentiveProgramKindEnum": "mdf.models.incentives.ProgramKind",
        "IncentiveEarningKindEnum": "mdf.models.incentives.EarningKind",
        "IncentiveStatementStatusEnum": "mdf.models.incentives.StatementStatus",
        "IncentiveSpiffQualifierEnum": "mdf.models.incentives.SpiffQualifier",
    },
}
IDEMPOTENCY_KEY_TTL_HOURS = 24

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs each rendering step, fontTools each font subset, at INFO.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
