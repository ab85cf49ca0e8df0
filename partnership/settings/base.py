"""Settings shared by every environment, read from the environment (django-environ).

`test` and `production` are small overlays on this module. With no DATABASE_URL or
REDIS_URL the launcher (`python -m tooling.launcher`) starts embedded servers and sets them.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .private_storage import private_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-embedded-demo-key-never-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The demo loader and its accounts exist only where this is true; production turns it off.
DEMO_ENABLED = env.bool("DEMO_ENABLED", default=True)
SERVICE_NAME = "Probation partnerships"
PHASE = env("PHASE", default="Beta")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "pgtrigger",
    "pghistory",
    "partnership",
    "notifications",
    "providers",
    "commissioning",
    "referrals",
    "capacity",
    "integrations",
    "support",
    "intelligence",
    "caserecord",
]

MIDDLEWARE = [
    "partnership.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "partnership.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the rest, so that errors they raise leave with no-store too.
    "partnership.middleware.NoStoreForPersonalDataMiddleware",
    # Above everything that reads the database (sessions, authentication, axes, views):
    # an unreachable database or broker answers 503 with Retry-After, not 500.
    "partnership.middleware.ServiceUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The API's: RateLimit-* headers; a write to an address without its slash refused, not
    # redirected (partnership/api/middleware.py).
    "partnership.api.middleware.ApiMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any body is read: CSRF reads a POST's body in process_view, after this runs.
    "partnership.middleware.RequestBodyLimitMiddleware",
    # A NUL byte in the address is a 400 before any view takes it to the database.
    "partnership.middleware.QueryNulByteMiddleware",
    # Records who made each tracked change (audit history, django-pghistory).
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session timeouts, then two-factor verification (partnership/auth.py).
    "partnership.auth_middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "partnership.auth_middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A service's refusal that escaped a page: 404 when not permitted, else a GOV.UK page.
    "partnership.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partnership.urls"
WSGI_APPLICATION = "partnership.wsgi.application"
ASGI_APPLICATION = "partnership.asgi.application"

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
                "partnership.context_processors.portal",
                "partnership.context_processors.session_timeout",
                "notifications.context_processors.unread",
                "csp.context_processors.nonce",
            ],
            # Django's `date` filter, faster for the portal's formats (same output).
            "builtins": ["partnership.templatetags.dates"],
        },
    },
]

# The portal's own connection: the app role, which owns nothing (partnership/db_roles.py).
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/partnership")
}
# The owner role's connection to the same database: migrations, backup and restore, the
# benchmark's and load test's databases and the access log's retention run as it. Unset,
# they use DATABASE_URL (one role for everything, as in a development database).
DATABASE_OWNER_URL = env("DATABASE_OWNER_URL", default="")
DATABASE_OWNER = env.db_url_config(DATABASE_OWNER_URL) if DATABASE_OWNER_URL else None
# The role given the portal's grants after each migration: DATABASE_URL's, when the owner
# connects apart; else a role of this name, if the server has one.
DATABASE_APP_ROLE = env(
    "DATABASE_APP_ROLE",
    default=DATABASES["default"]["USER"] if DATABASE_OWNER else "partnership_app",
)
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A pooler between the portal and Postgres: `session` (or none) or `transaction` (PgBouncer's
# default), where consecutive transactions may reach different server sessions, so nothing
# may rest on a session: no prepared statements and no cursors held across transactions.
DATABASE_POOL_MODE = env("DATABASE_POOL_MODE", default="session")
if DATABASE_POOL_MODE not in ("session", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOL_MODE is session or transaction")
# The referral list's page statement, prepared once per connection (partnership.prepared).
DATABASE_PREPARED_STATEMENTS = env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=DATABASE_POOL_MODE != "transaction"
)
DATABASES["default"].setdefault("DISABLE_SERVER_SIDE_CURSORS", DATABASE_POOL_MODE == "transaction")
# An unreachable database fails a request in seconds (a 503), rather than hanging it.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
)
# No JIT compiling: Postgres compiles a statement whose estimated cost passes
# jit_above_cost, and the estimates of the portal's set-based statements (the demand
# history's months by category and region, say) pass it while they run in milliseconds:
# a second of compiling each time. The database roles have it off too (db_roles.sql); the
# startup option covers any other role, and is left out where a transaction pooler, which
# refuses startup options, stands between.
DATABASE_JIT = env.bool("DATABASE_JIT", default=False)
# What the planner takes an index read to cost against a sequential one (Postgres's default
# of 4 is for spinning disks): with SSDs and the working set in memory an index read costs
# little more, and at 4 the directory read every service in the country to count a PDU's
# few hundred (14 ms at full scale; 3.6 ms at 1.1). The roles have it too (db_roles.sql).
DATABASE_RANDOM_PAGE_COST = env.float("DATABASE_RANDOM_PAGE_COST", default=1.1)
if DATABASE_POOL_MODE == "session":
    DATABASES["default"]["OPTIONS"].setdefault(
        "options",
        " ".join(
            [
                *([] if DATABASE_JIT else ["-c jit=off"]),
                f"-c random_page_cost={DATABASE_RANDOM_PAGE_COST}",
            ]
        ),
    )
# What a 503 asks clients to wait, in seconds, when the database or broker cannot be reached.
SERVICE_UNAVAILABLE_RETRY_AFTER = env.int("SERVICE_UNAVAILABLE_RETRY_AFTER", default=30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")


def celery_broker_url(redis_url: str) -> str:
    """Kombu names a Redis unix socket `redis+socket://`; redis-py names it `unix://`."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


# A Redis outage costs the cache, never a request: errors are logged and read as misses.
CACHES = {
    "default": {
        "BACKEND": "partnership.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "partnership",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

AUTH_USER_MODEL = "partnership.User"
AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: refuses any sign-in while its account or address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "partnership.backends.EmailBackend",
]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "home"
# After signing out: a page that says so, with a link to sign in again.
LOGOUT_REDIRECT_URL = "signed-out"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email", "full_name"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sign-in and sessions (partnership/auth.py). A session ends after this long without a
# request, and SESSION_COOKIE_AGE after sign-in whatever the activity.
SESSION_IDLE_TIMEOUT_SECONDS = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
# A signed-in page warns this long before the idle limit, with a way to stay signed in.
SESSION_TIMEOUT_WARNING_SECONDS = env.int("SESSION_TIMEOUT_WARNING_SECONDS", default=2 * 60)
# Two-factor sign-in (TOTP, with recovery codes) for everyone; off in the embedded demo,
# always on under production settings. Anyone may turn it on from their account.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=False)
OTP_TOTP_ISSUER = SERVICE_NAME
# Wrong second-factor codes in a row (app or recovery codes) that lock the account until
# service support unlocks it (the user admin's action, or `manage.py two_factor_unlock`).
TWO_FACTOR_FAILURE_LIMIT = env.int("TWO_FACTOR_FAILURE_LIMIT", default=10)
# Lockout: 10 failed sign-ins within 5 minutes pause sign-in for that email address and,
# separately, for that client address, until 5 minutes after the last failure.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "partnership.auth.axes_username"
AXES_CLIENT_IP_CALLABLE = "partnership.auth.client_ip_address"
AXES_LOCKOUT_CALLABLE = "partnership.auth_views.locked_out"
# Wrong current passwords on the change-password page count as failed sign-ins too
# (partnership.auth.password_guess_failed); axes keeps the request's fields with a failure,
# so every password field is masked (with axes' own defaults), not only `password`.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "old_password",
    "new_password1",
    "new_password2",
]
# Proxies in front of the portal that append to X-Forwarded-For (1 behind the TLS proxy);
# 0 takes the connection's own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Password reset emails one client address may ask for in an hour.
PASSWORD_RESET_REQUESTS_PER_HOUR = env.int("PASSWORD_RESET_REQUESTS_PER_HOUR", default=5)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page uses, refused to the portal and anything it embeds.
PERMISSIONS_POLICY = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "screen-wake-lock",
    "usb",
    "xr-spatial-tracking",
]
# Scripts only from the portal, or inline with the response's nonce (`{{ CSP_NONCE }}`).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules/govuk-frontend/dist/govuk"),
    ("moj", BASE_DIR / "node_modules/@ministryofjustice/frontend/moj"),
]
# Private files (risk documents) live outside the web root and are served only by views:
# on the filesystem under PRIVATE_MEDIA_ROOT, or in an S3-compatible bucket.
PRIVATE_STORAGE = env("PRIVATE_STORAGE", default="filesystem")
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "partnership.storage.PortalStaticStorage"},
    "private": private_storage(PRIVATE_STORAGE, env),
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=False)

# Email: console in the embedded demo; SMTP or GOV.UK Notify chosen by EMAIL_PROVIDER.
EMAIL_PROVIDER = env("EMAIL_PROVIDER", default="console")
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "notify": "notifications.notify.NotifyEmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}[EMAIL_PROVIDER]
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Probation partnerships <no-reply@localhost>"
)
NOTIFY_API_KEY = env("NOTIFY_API_KEY", default="")
NOTIFY_TEMPLATE_ID = env("NOTIFY_TEMPLATE_ID", default="")
# An email claimed for sending longer ago than this was cut off mid-send (the worker died):
# the sweep settles it. Longer than the task time limit, so a live send is never cut short.
EMAIL_SENDING_TIMEOUT = env.int("EMAIL_SENDING_TIMEOUT", default=15 * 60)

# Celery: Redis broker, JSON only, idempotent tasks acknowledged late.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=celery_broker_url(REDIS_URL))
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message a worker took but never acknowledged (the worker was killed) goes back on the
# queue after this many seconds; longer than any task runs, or a slow task runs twice.
BROKER_VISIBILITY_TIMEOUT = env.int("BROKER_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    # A web request that queues a task after commit should not hang on an unreachable broker.
    "socket_connect_timeout": env.int("BROKER_CONNECT_TIMEOUT", default=5),
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Each worker records that it is alive this often in the broker's Redis; /readyz counts a
# worker as gone once its last heartbeat is three intervals old.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=5)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partnership.api.authentication.BearerTokenAuthentication",
        "partnership.api.authentication.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "partnership.api.permissions.TokenScopeAllows",
    ],
    # JSON refuses non-finite numbers and deep nesting with a 400 (partnership/api/parsers.py).
    # One body format per operation, so that the schema offers one: JSON (the document
    # upload alone reads multipart).
    "DEFAULT_PARSER_CLASSES": ["partnership.api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "partnership.api.pagination.PagePagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "partnership.api.exceptions.problem_exception_handler",
    # Per token (or session user) and per address, answered with 429 and Retry-After
    # (partnership/api/throttling.py); generous by default, so that load tests pass.
    "DEFAULT_THROTTLE_CLASSES": [
        "partnership.api.throttling.AddressRateThrottle",
        "partnership.api.throttling.TokenRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env("API_RATE_LIMIT_PER_TOKEN", default="6000/min"),
        "address": env("API_RATE_LIMIT_PER_ADDRESS", default="12000/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_VERSIONING_CLASS": None,
}

# How deeply lists and objects may nest in a JSON body; the API's own bodies nest 3 levels.
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)

SPECTACULAR_SETTINGS = {
    "TITLE": "Probation partnerships API",
    "DESCRIPTION": (
        "The portal's data for provider case systems, probation systems and analysts, "
        "scoped exactly as the token owner's role. Authenticate with "
        "`Authorization: Bearer <token>`; errors are `application/problem+json`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "GET_LIB_DOC_EXCLUDES": "partnership.api.schema.doc_excludes",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "referrals.models.Status",
        "RoshLevelEnum": "referrals.models.RoshLevel",
        "DeclineReasonEnum": "referrals.models.DeclineReason",
        "WithdrawReasonEnum": "referrals.models.WithdrawReason",
        "ServiceStatusEnum": "providers.models.Service.Status",
        "VerificationStatusEnum": "providers.models.Organisation.Verification",
        "FundingRoundStatusEnum": "commissioning.models.FundingRound.Status",
        "ApplicationStatusEnum": "commissioning.models.Application.Status",
        "AgreementStatusEnum": "commissioning.models.Agreement.Status",
        "UnmetNeedReasonEnum": "intelligence.models.UnmetNeed.Reason",
        "SurveyStatusEnum": "intelligence.models.Survey.Status",
        "SurveyAudienceEnum": "intelligence.models.SurveyAudience",
        "PartnershipReportAudienceEnum": "intelligence.models.PartnershipReport.Audience",
        "WebhookEventTypeEnum": "integrations.events.EVENT_TYPE_CHOICES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "partnership.api.schema.add_problem_responses",
        "partnership.api.schema.valid_nullable_references",
        "partnership.api.schema.describe_operations",
    ],
}

API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The probation case record a referral is prefilled from (caserecord/): "none" for manual
# entry, or "hmpps" for the HMPPS APIs, reached with an HMPPS Auth client holding the roles
# ROLE_ARNS__RISKS__RO (Assess risks and needs) and ROLE_CRS_REFERRAL (the Delius integration).
CASE_RECORD_SOURCE = env("CASE_RECORD_SOURCE", default="none")
HMPPS_AUTH_URL = env("HMPPS_AUTH_URL", default="")
HMPPS_ARN_URL = env("HMPPS_ARN_URL", default="")
HMPPS_DELIUS_URL = env("HMPPS_DELIUS_URL", default="")
HMPPS_CLIENT_ID = env("HMPPS_CLIENT_ID", default="")
HMPPS_CLIENT_SECRET = env("HMPPS_CLIENT_SECRET", default="")
# A slow case record costs the practitioner seconds, never a web worker for long.
CASE_RECORD_CONNECT_TIMEOUT_SECONDS = env.float("CASE_RECORD_CONNECT_TIMEOUT_SECONDS", default=2)
CASE_RECORD_READ_TIMEOUT_SECONDS = env.float("CASE_RECORD_READ_TIMEOUT_SECONDS", default=3)
CASE_RECORD_DEADLINE_SECONDS = env.float("CASE_RECORD_DEADLINE_SECONDS", default=5)
CASE_RECORD_RETRIES = env.int("CASE_RECORD_RETRIES", default=2)
CASE_RECORD_BACKOFF_SECONDS = env.float("CASE_RECORD_BACKOFF_SECONDS", default=0.25)
CASE_RECORD_BREAKER_FAILURES = env.int("CASE_RECORD_BREAKER_FAILURES", default=5)
CASE_RECORD_BREAKER_OPEN_SECONDS = env.float("CASE_RECORD_BREAKER_OPEN_SECONDS", default=30)

# Links in emails point here: by default the address `make run` serves on (PORT).
PORTAL_BASE_URL = env(
    "PORTAL_BASE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}"
)
# Where the phase banner's feedback link and the help page send people.
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="probation-partnerships-support@justice.gov.uk")
FORM_RENDERER = "partnership.forms.GovukFormRenderer"

# Webhooks to organisations' case systems (integrations): attempts before a delivery is
# failed, the first wait (doubling after each failure), and how long a receiver may take.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
# Lets webhooks go to http://localhost and private addresses: development and tests only.
WEBHOOKS_ALLOW_LOCAL = env.bool("WEBHOOKS_ALLOW_LOCAL", default=False)
# HMPPS domain events for an integrated deployment: off unless a receiver's URL is set;
# each envelope is signed like a webhook, with this secret.
HMPPS_DOMAIN_EVENTS_URL = env("HMPPS_DOMAIN_EVENTS_URL", default="")
HMPPS_DOMAIN_EVENTS_SECRET = env("HMPPS_DOMAIN_EVENTS_SECRET", default="")
CSRF_FAILURE_VIEW = "partnership.views.error_csrf"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60  # invitation and reset links last 3 days

# Risk documents: size per file, files per referral.
RISK_DOCUMENT_MAX_BYTES = env.int("RISK_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
RISK_DOCUMENTS_PER_REFERRAL = env.int("RISK_DOCUMENTS_PER_REFERRAL", default=10)
# A Word or ODT file's archive: what its members may add up to when opened, and how many.
RISK_DOCUMENT_MAX_EXPANDED_BYTES = env.int(
    "RISK_DOCUMENT_MAX_EXPANDED_BYTES", default=100 * 1024 * 1024
)
RISK_DOCUMENT_MAX_MEMBERS = env.int("RISK_DOCUMENT_MAX_MEMBERS", default=1000)
# No request body larger than one document and its form is read (refused from Content-Length).
REQUEST_BODY_MAX_BYTES = env.int(
    "REQUEST_BODY_MAX_BYTES", default=RISK_DOCUMENT_MAX_BYTES + 64 * 1024
)
# Requests may carry one document and its form; anything bigger is refused before reading.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Timeliness targets for referrals, in working days (England and Wales).
REFERRAL_DECISION_WORKING_DAYS = env.int("REFERRAL_DECISION_WORKING_DAYS", default=2)
REFERRAL_FIRST_CONTACT_WORKING_DAYS = env.int("REFERRAL_FIRST_CONTACT_WORKING_DAYS", default=10)
REFERRAL_REPORT_WORKING_DAYS = env.int("REFERRAL_REPORT_WORKING_DAYS", default=5)
# Working days past a missed target before it goes to the provider admin, then the commissioner.
REMINDER_ESCALATION_WORKING_DAYS = env.list(
    "REMINDER_ESCALATION_WORKING_DAYS", cast=int, default=[0, 2, 5]
)

# The prefix of identifiers in the open-data exports (360Giving `360G-<prefix>-…`, OCDS `ocds-<prefix>-…`).
OPEN_DATA_PREFIX = env("OPEN_DATA_PREFIX", default="probationpartnerships")
# The OCDS ocid prefix: the one the Open Contracting Partnership registers for a publisher
# (`ocds-` and six characters, asked for at standard.open-contracting.org); releases are
# `<prefix>-<round>`. Until one is registered the default marks the data as unregistered.
OCDS_OCID_PREFIX = env("OCDS_OCID_PREFIX", default="ocds-pp0000")
# HMPPS's org-id (`GB-GOR-` and its number in the government organisation register, as
# org-id.guide lists it), the funder and buyer id of HMPPS commissioning bodies that have no
# org-id of their own. The default is a stand-in: set the registered number where data is published.
HMPPS_ORG_ID = env("HMPPS_ORG_ID", default="GB-GOR-HMPPS")
# Where the grants data comes from, as 360Giving's `dataSource` says it: the export itself.
OPEN_DATA_SOURCE_URL = env(
    "OPEN_DATA_SOURCE_URL", default=f"{PORTAL_BASE_URL.rstrip('/')}/api/v1/exports/360giving/"
)

# Market health (commissioning.market): an HHI of awards above the first is moderately
# concentrated, above the second highly (the competition authorities' bands, 0 to 10,000).
MARKET_HHI_MODERATELY_CONCENTRATED = env.int("MARKET_HHI_MODERATELY_CONCENTRATED", default=1500)
MARKET_HHI_HIGHLY_CONCENTRATED = env.int("MARKET_HHI_HIGHLY_CONCENTRATED", default=2500)

# Capacity monitoring (capacity.alerts): thresholds as a percentage of a month's capacity.
CAPACITY_AMBER_PERCENT = env.int("CAPACITY_AMBER_PERCENT", default=100)
CAPACITY_RED_PERCENT = env.int("CAPACITY_RED_PERCENT", default=150)
# The directory calls a service "busy" from here up to amber.
CAPACITY_BUSY_PERCENT = env.int("CAPACITY_BUSY_PERCENT", default=80)
# Early in a month the pace is noise: forecasts warn only after this share of it has passed.
CAPACITY_HEADING_OVER_AFTER_FRACTION = env.float(
    "CAPACITY_HEADING_OVER_AFTER_FRACTION", default=0.1
)
# A forecast (the month's end at the pace so far) is made only once this share of the month
# has passed: before it, pages and alerts say it is too early to forecast.
CAPACITY_FORECAST_AFTER_FRACTION = env.float("CAPACITY_FORECAST_AFTER_FRACTION", default=0.25)
CAPACITY_UNDER_USED_PERCENT = env.int("CAPACITY_UNDER_USED_PERCENT", default=50)
CAPACITY_UNDER_USED_AFTER_FRACTION = env.float("CAPACITY_UNDER_USED_AFTER_FRACTION", default=1 / 3)
CAPACITY_LONG_WAIT_DAYS = env.int("CAPACITY_LONG_WAIT_DAYS", default=28)
# The months before this one, and this month's capacity, that the monitoring run keeps
# counted for the demand view (capacity.models.DemandMonth) are read from what it kept only
# while the count is this many minutes old at most; older, they are counted again (the run
# is every 15 minutes).
CAPACITY_DEMAND_KEPT_MINUTES = env.int("CAPACITY_DEMAND_KEPT_MINUTES", default=60)
AGREEMENT_BREAK_CLAUSE_WARNING_DAYS = env.int("AGREEMENT_BREAK_CLAUSE_WARNING_DAYS", default=90)
AGREEMENT_END_WARNING_MONTHS = env.int("AGREEMENT_END_WARNING_MONTHS", default=6)

# Closed referrals are anonymised this many years after they closed (referrals/retention.py).
REFERRAL_RETENTION_YEARS = env.int("REFERRAL_RETENTION_YEARS", default=6)
# A draft untouched this many days is flagged to its practitioner, and deleted this many
# days after the notice unless it was changed since (referrals/retention.py).
DRAFT_STALE_DAYS = env.int("DRAFT_STALE_DAYS", default=90)
DRAFT_DELETE_AFTER_NOTICE_DAYS = env.int("DRAFT_DELETE_AFTER_NOTICE_DAYS", default=30)
# Rows of the risk access log are kept this many years, then deleted by
# `manage.py prune_access_log`, which runs as the owner role (no other role may delete them).
ACCESS_LOG_RETENTION_YEARS = env.int("ACCESS_LOG_RETENTION_YEARS", default=8)
# Audit history (django-pghistory): only requests that can change data open a context.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Where `make backup` writes database dumps and the private files beside them.
BACKUP_DIR = Path(env("BACKUP_DIR", default=str(VAR_DIR / "backups")))
