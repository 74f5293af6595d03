"""Settings for the Phú Thọ public-service portal, read from the environment.

Three profiles, chosen by ``DJANGO_ENV``:

* ``development`` (the default, the *embedded* profile): needs nothing installed — SQLite under ``var/``,
  Celery eager, local-memory cache, console e-mail.
* ``test``: what ``make test`` uses; PostgreSQL and Redis come from ``DATABASE_URL`` / ``REDIS_URL``.
* ``production``: ``SECRET_KEY``, ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL`` and ``ALLOWED_HOSTS`` are
  required; secure cookies and HSTS are on. SQLite or eager Celery are refused (here, at start-up, and again by
  the system checks in ``portal.checks``).

Every variable is listed in ``.env.example``.
"""

from __future__ import annotations

import os
import warnings
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp import constants as csp_constants

from portal.envcheck import validate_environment
from portal.storage import s3_storage_options

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development").strip().lower()
IS_PRODUCTION = DJANGO_ENV == "production"
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

_raw = {
    name: env.str(name, default="")
    for name in (
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "ALLOWED_HOSTS",
        "CELERY_TASK_ALWAYS_EAGER",
        "DEBUG",
    )
}
validate_environment(DJANGO_ENV, _raw)

# --- Core -----------------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=DJANGO_ENV == "development")
SECRET_KEY = _raw["SECRET_KEY"] or "embedded-development-key-not-for-production-use-0123456789abcdef"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public address of the portal (scheme + host, no trailing slash): the QR code of every printed slip links to
# {PUBLIC_BASE_URL}/tra-cuu/?code=<dossier code>.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Endpoints only benchmarks use (bench/submit.py: a bare one-INSERT DRF endpoint); off unless asked for.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal.failed_logins.FailedLoginsConfig",  # django-axes (its admin named in Vietnamese)
    "csp",  # its system checks read CONTENT_SECURITY_POLICY ("Security")
    "portal.apps.PortalConfig",
    "portal.accounts",
    "communes",
    "procedures",
    "dossiers",
    "notifications",
    "stats",
    "legacy",
]

# Prometheus metrics (portal/metrics.py, GET /metrics): on unless METRICS=0; the embedded default leaves them off
METRICS = env.bool("METRICS", default=DJANGO_ENV != "development")
# production: /metrics answers only with "Authorization: Bearer <METRICS_TOKEN>"
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# the scrape-time gauges (queue lengths, outbox, overdue dossiers) are computed at most this often per process
METRICS_COLLECT_SECONDS = env.float("METRICS_COLLECT_SECONDS", default=15.0)

MIDDLEWARE = [
    "portal.common.requestid.RequestIdMiddleware",  # first: the request id (from nginx) is known to every log line
    "portal.common.compression.GZipTextMiddleware",  # pages and JSON compressed for weak links (not documents)
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (settings, "Security"); a view's own policy is kept
    "portal.common.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, compressed and with far-future cache headers
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.common.language.PersonLanguageMiddleware",  # the person's choice, never the browser's header
    "portal.common.limits.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out log-in with 429 (portal.common.throttles)
]
if METRICS:
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *MIDDLEWARE,
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]

# Log-in attempts (every form and API authentication that checks a password) are limited per user name and client
# address with django-axes: after LOGIN_FAILURE_LIMIT failures that pair is refused for LOGIN_COOLOFF_MINUTES, then
# may try again; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "portal.common.authentication.LoginLimitBackend",
    "portal.accounts.backends.IdentityBackend",  # CCCD, phone or user name; where VNeID (OIDC) plugs in: its docstring
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my-dossiers"
# counted in Redis where there is one; the embedded profile (one process, local-memory cache) counts in its database
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler" if _raw["REDIS_URL"] else "axes.handlers.database.AxesDatabaseHandler"
)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "portal.common.throttles.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.common.throttles.login_locked_out"
AXES_VERBOSE = False  # its log lines carry user names, which can be ID numbers: masked in them (and in its records)
AXES_CLIENT_STR_CALLABLE = "portal.common.authentication.client_description"
AXES_SENSITIVE_PARAMETERS = ["username"]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context.help_line",
                "portal.context.staff_desk",
                "portal.context.inbox",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Database -------------------------------------------------------------------------------------------

DATABASES = {"default": env.db_url_config(_raw["DATABASE_URL"] or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
# with metrics on, django-prometheus' wrapper of the same engine counts queries, errors and connections
if METRICS and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60 if IS_PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction mode (deploy/pgbouncer.ini.in) a cursor cannot outlive its transaction's server
# connection: QuerySet.iterator() then reads in chunks on the client instead of through a server-side cursor.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DB_TRANSACTION_POOLING", default=False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if DJANGO_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Language and time ----------------------------------------------------------------------------------

# Vietnamese whatever the browser asks for; English only when the person chooses it (portal/common/language.py)
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
# The help line in every page's footer when the person's centre has no phone on record (ServiceCentre.phone)
SUPPORT_PHONE = env.str("SUPPORT_PHONE", default="")
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media-private/"  # never served directly: files go out through scoped views only

# Files: static as usual; dossier documents in a PRIVATE storage, never under a public URL: a local directory
# (PRIVATE_MEDIA_ROOT), or — for several web hosts — an S3-compatible bucket through django-storages:
# PRIVATE_STORAGE_BACKEND=storages.backends.s3.S3Storage and the AWS_* variables below. Objects are private and
# never overwritten; files go out only through the scoped download views, never by the bucket's own URLs.
_PRIVATE_BACKEND = env.str("PRIVATE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")
if _PRIVATE_BACKEND.endswith("FileSystemStorage"):
    _PRIVATE_OPTIONS: dict = {"location": env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))}
else:
    # private ACL, no overwrite, signed URLs only: portal/storage.py (the object-storage tests build it the same way)
    _PRIVATE_OPTIONS = s3_storage_options(
        bucket_name=env.str("AWS_STORAGE_BUCKET_NAME", default=""),
        endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=""),
        region_name=env.str("AWS_S3_REGION_NAME", default=""),
        access_key=env.str("AWS_ACCESS_KEY_ID", default=""),
        secret_key=env.str("AWS_SECRET_ACCESS_KEY", default=""),
    )
# WhiteNoise: in development and tests it reads static/ through the finders (nothing collected yet, so its
# "no directory at STATIC_ROOT" warning is expected there and silenced)
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = not IS_PRODUCTION
if not IS_PRODUCTION:
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # production: hashed, compressed names written by collectstatic (the release steps), served by WhiteNoise with
    # a year's cache; development and tests read the files under static/ as they are
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    "private": {"BACKEND": _PRIVATE_BACKEND, "OPTIONS": _PRIVATE_OPTIONS},
}
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
DOSSIER_DOCUMENTS_MAX_BYTES = env.int("DOSSIER_DOCUMENTS_MAX_BYTES", default=50 * 1024 * 1024)
# an online-filing draft untouched this long is deleted with its files (manage.py drafts_sweep)
DRAFT_MAX_AGE_DAYS = env.int("DRAFT_MAX_AGE_DAYS", default=30)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Cache, Celery, e-mail ------------------------------------------------------------------------------

REDIS_URL = _raw["REDIS_URL"]

if REDIS_URL:
    CACHES = {
        "default": {
            # a Redis restart is a cache miss, not an error (portal/common/cache.py)
            "BACKEND": "portal.common.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
            # parallel test workers share one Redis database: each gets its own key space
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal")
            + (f"-{os.environ.get('PYTEST_XDIST_WORKER', '')}" if DJANGO_ENV == "test" else ""),
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}

# Eager by default in the embedded and test profiles; tests that need the broker start a real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=DJANGO_ENV == "test" or not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="portal")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
# The daily digest, at this local time on working days ("HH:MM").
DIGEST_AT = env.str("DIGEST_AT", default="07:30")
_DIGEST_HOUR, _DIGEST_MINUTE = (int(part) for part in DIGEST_AT.split(":", 1))
# Periodic schedules are declared once, here (exactly one beat process runs them).
# The dashboard's refresh looks again at the dossiers changed this long before its last run (transactions that
# committed late).
STATS_REFRESH_MARGIN_SECONDS = env.int("STATS_REFRESH_MARGIN_SECONDS", default=120)
STATS_REFRESH_SECONDS = env.int("STATS_REFRESH_SECONDS", default=30)
# Without beat (the embedded default of `make run`: eager Celery, nothing periodic runs) the dashboard refreshes the
# aggregates itself when a reader finds them older than STATS_REFRESH_SECONDS. Never in production (beat does it).
STATS_REFRESH_ON_READ = (
    env.bool("STATS_REFRESH_ON_READ", default=DJANGO_ENV == "development" and CELERY_TASK_ALWAYS_EAGER)
    and not IS_PRODUCTION
)
CELERY_BEAT_SCHEDULE = {
    # beat and a worker are alive: /readyz shows when it last ran
    "portal-heartbeat": {
        "task": "portal.tasks.heartbeat",
        "schedule": 60.0,
    },
    # the deadline watch: due soon, overdue, escalation, not transferred, supplement reminders
    # (dossiers/services/reminders.py)
    "dossiers-deadline-sweep": {
        "task": "dossiers.sweep_deadlines",
        "schedule": float(env.int("SWEEP_INTERVAL_SECONDS", default=300)),
    },
    # the daily digest to unit leaders and the province office (the task skips days off)
    "dossiers-daily-digest": {
        "task": "dossiers.daily_digest",
        "schedule": crontab(hour=_DIGEST_HOUR, minute=_DIGEST_MINUTE),
    },
    # outbox rows still pending after the grace period (broker down, worker lost) are queued again
    "notifications-redispatch": {
        "task": "notifications.redispatch",
        "schedule": float(env.int("NOTIFY_REDISPATCH_INTERVAL_SECONDS", default=60)),
    },
    # files left by a filing whose transaction rolled back after they were written (dossiers/files.py)
    "dossiers-nightly-documents-sweep": {
        "task": "dossiers.documents_sweep",
        "schedule": crontab(hour=2, minute=15),
    },
    # the province dashboard's aggregates: the dossiers changed since the last run (stats/services.py) …
    "stats-refresh": {
        "task": "stats.refresh",
        "schedule": float(STATS_REFRESH_SECONDS),
    },
    # … and all of them again at night, so that nothing a late transaction slipped past lasts more than a day
    "stats-nightly-rebuild": {
        "task": "stats.rebuild",
        "schedule": crontab(hour=3, minute=15),
    },
    # online-filing drafts nobody touched for DRAFT_MAX_AGE_DAYS, with their files (dossiers/services/drafts.py)
    "dossiers-nightly-drafts-sweep": {
        "task": "dossiers.drafts_sweep",
        "schedule": crontab(hour=2, minute=45),
    },
    # the failed log-ins and tokens older than FAILED_LOGIN_LOG_DAYS (portal/common/authentication.py)
    "portal-nightly-failed-logins-purge": {
        "task": "portal.tasks.purge_failed_logins",
        "schedule": crontab(hour=2, minute=55),
    },
}

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
# the file backend (django.core.mail.backends.filebased.EmailBackend) writes here
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
# seconds an SMTP connection may block (a hung server must not hold a worker forever)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cổng dịch vụ công Phú Thọ <no-reply@localhost>")

# --- Notifications and reminders (notifications/, dossiers/services/reminders.py) ---------------------------------

# Message-ID domain of the e-mails (each message's id is derived from its outbox row: a re-send has the same id)
EMAIL_MESSAGE_ID_DOMAIN = env.str("EMAIL_MESSAGE_ID_DOMAIN", default="dichvucong.phutho.local")
# SMS: a backend class — notifications.channels.sms.HttpGatewayBackend (production), ConsoleBackend, FileBackend —
# or empty: no SMS at all. The gateway gets JSON {to, from, text, reference} with a bearer token.
SMS_BACKEND = env.str(
    "SMS_BACKEND", default="notifications.channels.sms.ConsoleBackend" if DJANGO_ENV == "development" else ""
)
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER = env.str("SMS_SENDER", default="DVCPHUTHO")
SMS_TIMEOUT_SECONDS = env.float("SMS_TIMEOUT_SECONDS", default=10.0)
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms.jsonl"))
# The Celery queue of the deliveries (empty: the default queue) — a queue of their own lets a slow mail server never
# hold up the sweeps
NOTIFY_QUEUE = env.str("NOTIFY_QUEUE", default="")
# Delivery: tries per row, exponential back-off between them (base × 2^(n-1), at most the maximum)
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=8)
NOTIFY_BACKOFF_BASE_SECONDS = env.int("NOTIFY_BACKOFF_BASE_SECONDS", default=30)
NOTIFY_BACKOFF_MAX_SECONDS = env.int("NOTIFY_BACKOFF_MAX_SECONDS", default=3600)
# Rows still pending this long after they were due to be tried are queued again (beat, every minute)
NOTIFY_REDISPATCH_GRACE_SECONDS = env.int("NOTIFY_REDISPATCH_GRACE_SECONDS", default=60)
NOTIFY_REDISPATCH_BATCH = env.int("NOTIFY_REDISPATCH_BATCH", default=5000)
# Reminders, in working time: "due soon" this many working hours before the due moment, per procedure level
# (level=hours, comma-separated; "*" for any other level); escalation to the province office after this many
# working days overdue; a supplement request re-sent once after this many working days without an answer.
REMINDER_DUE_SOON_HOURS = {
    level.strip(): float(hours)
    for level, hours in (
        item.split("=", 1) for item in env.str("REMINDER_DUE_SOON_HOURS", default="*=8").split(",") if "=" in item
    )
}
REMINDER_ESCALATION_DAYS = env.float("REMINDER_ESCALATION_DAYS", default=2)
REMINDER_SUPPLEMENT_DAYS = env.float("REMINDER_SUPPLEMENT_DAYS", default=5)
SWEEP_BATCH_SIZE = env.int("SWEEP_BATCH_SIZE", default=2000)

# --- REST API -------------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # HTTP Basic (a password in every request) only for trying the API by hand, never in production
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.common.authentication.LimitedTokenAuthentication",  # TOKEN_FAILURE_RATE per address ("Security")
        "rest_framework.authentication.SessionAuthentication",
    ]
    + ([] if IS_PRODUCTION else ["portal.common.authentication.LimitedBasicAuthentication"]),
    # Log-in required unless a view says otherwise: the public ones (catalogue, communes and centres, address
    # conversion, appointment estimate, lookup) declare AllowAny themselves; portal/tests/test_public_urls.py lists
    # every URL reachable without log-in and compares it with the documented set.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "portal.common.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.common.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + ([] if IS_PRODUCTION else ["rest_framework.renderers.BrowsableAPIRenderer"]),
}

# The public dossier lookup (GET /api/lookup/, /tra-cuu/): requests per client address, counted in the default
# cache (Redis in production, shared by every web process); over the rate, 429 with Retry-After.
LOOKUP_RATE = env.str("LOOKUP_RATE", default="20/min")
# The account pages, per client address (portal/accounts/views.py): registrations tried (each can tell whether a
# CCCD has an account), failed log-ins whatever identifiers they tried (django-axes locks one identifier at one
# address), password-reset mails asked for
REGISTER_RATE = env.str("REGISTER_RATE", default="20/hour")
LOGIN_ADDRESS_RATE = env.str("LOGIN_ADDRESS_RATE", default="100/hour")
PASSWORD_RESET_RATE = env.str("PASSWORD_RESET_RATE", default="10/hour")
# How many reverse proxies of ours append to X-Forwarded-For; 0 (the default) ignores that header and uses
# REMOTE_ADDR, so that no client can pick the address its requests are counted under.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

SPECTACULAR_SETTINGS = {
    "TITLE": "Cổng dịch vụ công tỉnh Phú Thọ — API",
    "DESCRIPTION": "REST API of the Phú Thọ public-service portal (communes, procedures, dossiers).",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # the schema and its docs page are public: they describe the API, they hold no data
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # the error answers every endpoint can give, in the exception handler's shape (portal/common/openapi.py)
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.common.openapi.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CommuneKindEnum": "communes.models.CommuneKind",
        "CentreKindEnum": "communes.models.CentreKind",
        "ProcessingUnitKindEnum": "communes.models.ProcessingUnitKind",
        "TimeUnitEnum": "procedures.models.TimeUnit",
        "LevelEnum": "procedures.models.Level",
        "OnlineLevelEnum": "procedures.models.OnlineLevel",
        "SourceEnum": "procedures.models.Source",
        "StateEnum": "dossiers.models.StateChoices",
        "ChannelEnum": "dossiers.models.Channel",
        "TimelinessEnum": "dossiers.models.Timeliness",
        "OutcomeEnum": "dossiers.models.Outcome",
        "RatingEnum": "dossiers.models.Rating",
        "ActionEnum": "dossiers.models.ActionChoices",
        "DocumentKindEnum": "dossiers.models.DocumentKind",
    },
}

# --- Reference rows kept per process (portal/common/refcache.py) ---------------------------------------

# Centres, communes, processing units and the procedure versions in force, as filing reads them; dropped when their
# tables change, which each process checks at most once per REFERENCE_CACHE_CHECK_SECONDS. PostgreSQL only.
REFERENCE_CACHE = env.bool("REFERENCE_CACHE", default=True)
REFERENCE_CACHE_CHECK_SECONDS = env.float("REFERENCE_CACHE_CHECK_SECONDS", default=1.0)

# --- Address conversion ---------------------------------------------------------------------------------

# Building the converter's index takes ~10 s; web processes build it in the background at start-up.
ADDRESS_CONVERTER_PRELOAD = env.bool("ADDRESS_CONVERTER_PRELOAD", default=DJANGO_ENV != "test")
ADDRESS_CONVERTER_WAIT_SECONDS = env.float("ADDRESS_CONVERTER_WAIT_SECONDS", default=30.0)
ADDRESS_QUERY_MAX_LENGTH = 300
ADDRESS_QUERY_MAX_PARTS = 10
# Old-address conversions per client address (429 with Retry-After over it)
CONVERT_ADDRESS_RATE = env.str("CONVERT_ADDRESS_RATE", default="60/min")

# --- Security -------------------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy of every page and API answer (django-csp): scripts and styles only from this site's files,
# no inline script anywhere; the stylesheets inlined in the pages (portal/templatetags/portal_tags.py) carry the
# request's nonce. Not framed by anyone (as X-Frame-Options: DENY). Answers that set their own policy keep it: the
# desk's preview of a document and its slip frame (framed by this site only), the printable slips (their inline
# styles; dossiers/slips/render.py), the 500 and 503 pages (portal/common/security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", csp_constants.NONCE],
        "img-src": ["'self'", "data:"],  # the pages' empty icon, the slips' QR codes, the API docs' icons
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# no page uses these features, nor may anything a page frames
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
# API tokens refused per client address before the address is locked out (429 with Retry-After; the window frees a
# place as its oldest failure leaves it): portal/common/authentication.py
TOKEN_FAILURE_RATE = env.str("TOKEN_FAILURE_RATE", default="20/hour")
# Every failed log-in and refused token is a row of django-axes' failure log (admin: "Access failures"), the
# identifier masked; rows older than this many days are deleted every night.
FAILED_LOGIN_LOG_DAYS = env.int("FAILED_LOGIN_LOG_DAYS", default=180)
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging --------------------------------------------------------------------------------------------

# One JSON object per line in production (LOG_FORMAT=json; plain text elsewhere), each with the request id that nginx
# gave the request, in Django and in the Celery tasks the request queued (portal/common/requestid.py). ID numbers and
# phones are masked in every line (portal/common/logging.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if IS_PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "portal.common.logging.RedactPersonalData"},
        "request_id": {"()": "portal.common.requestid.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "portal.common.logging.JsonLines"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # the PDF renderer of the slips logs every layout step at INFO
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
