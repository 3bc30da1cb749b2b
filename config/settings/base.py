"""Settings shared by every environment; everything that varies comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "apps.core.admin_site.CovenantAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "axes",
    "apps.core",
    "apps.calendars",
    "apps.catalog",
    "apps.notifications",
    "apps.slos",
    "apps.contracts",
    "apps.measurements",
    "apps.reviews",
    "apps.drift",
    "apps.support",
    "apps.dashboards",
    "apps.demo",
    "apps.bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "apps.core.context_processors.roles",
                "apps.dashboards.landing.work_counts",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'covenant.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes' backend first: it refuses a locked-out user or address before any password is
# checked (apps/core/authentication.py).
AUTHENTICATION_BACKENDS = [
    "apps.core.authentication.LoginAttemptsBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username, or
# from one client address, further logins are refused for the cool-off, even with the right
# password; on /login/, the admin's sign-in and POST /api/v1/auth/token/ alike (429).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "apps.core.authentication.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Behind a reverse proxy every client has the proxy's address: name how many proxies stand in
# front (each appending to X-Forwarded-For) so that the client's own address is counted.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=None)
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_ORDER = "right-most"
# API tokens are refused this long after they were issued (apps/core/tokens.py).
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24 * 30)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# Dates in ISO 8601 on every page and in the admin (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Contract documents (signed PDFs, attachments): files under MEDIA_ROOT here; production may
    # keep them in an S3-compatible bucket (DOCUMENTS_STORAGE=s3). They are never served from a
    # media URL: downloads go through views that check who may see the contract.
    "documents": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# The largest contract document accepted, in bytes.
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="covenant@localhost")

# Celery: with REDIS_URL a real broker; without it, tasks run in-process. No result backend:
# nothing reads a task's return value (each task records its outcome in its own rows: packets,
# deliveries, pulls), and with one every task of a group subscribes to its result in Redis.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Two pool processes per core: the tasks (a review packet's above all) spend about half their
# time waiting on the database and the broker, and with one per core the cores wait with them
# (more than two per core did not help).
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=2 * (os.cpu_count() or 1))
# Celery's Django fixup otherwise closes the database connection around every task, and opening
# one costs as much as a short task (a review packet). Connections are still recycled every this
# many tasks, and one broken by an outage is closed after its task (config/celery_app.py).
CELERY_DB_REUSE_MAX = 100
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}

# Annual review (apps/reviews): open last year's cycle every January 2nd; packets run on their
# own queue so that a big cycle never delays the other tasks (workers: -Q celery,reviews).
CELERY_BEAT_SCHEDULE["reviews-open-annual-cycle"] = {
    "task": "apps.reviews.tasks.open_annual_review_cycle",
    "schedule": crontab(minute=0, hour=3, day_of_month=2, month_of_year=1),
}
# A cycle whose tasks were lost (the broker down when it was sent, a worker killed mid-packet)
# is sent again minutes later (apps/reviews/generation.py, lost_after). A sweep that waited in a
# queue no worker read is dropped: the next one does the same.
CELERY_BEAT_SCHEDULE["reviews-resume-stalled-cycles"] = {
    "task": "apps.reviews.tasks.resume_stalled_cycles",
    "schedule": 120.0,
    "options": {"expires": 120.0},
}
# A support report whose task was lost is sent again the same way (apps/support/reports/
# generation.py, lost_after).
CELERY_BEAT_SCHEDULE["support-resend-lost-reports"] = {
    "task": "apps.support.reports.tasks.resend_lost_reports",
    "schedule": 120.0,
    "options": {"expires": 120.0},
}
CELERY_TASK_ROUTES = {"apps.reviews.tasks.*": {"queue": "reviews"}}
# Packets per task of a review cycle: each task loads its chunk's figures together, one GROUP
# BY over the samples for the chunk, so fewer, larger chunks read the samples fewer times.
REVIEW_PACKETS_PER_TASK = env.int("REVIEW_PACKETS_PER_TASK", default=100)
# Redis redelivers a message whose worker died after this long (acks_late): tasks are idempotent.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_BEAT_SCHEDULE["pull-prometheus"] = {
    "task": "apps.measurements.tasks.pull_prometheus",
    "schedule": 300.0,
}

# Prometheus connector (apps/measurements/prometheus.py): where SLI good/total queries run.
PROMETHEUS_URL = env("PROMETHEUS_URL", default="")

# Drift (apps/drift): daily detections, and the notices they send.
CELERY_BEAT_SCHEDULE["drift-expired-waivers"] = {
    "task": "apps.drift.tasks.detect_expired_waivers",
    "schedule": crontab(hour=0, minute=30),
}
CELERY_BEAT_SCHEDULE["drift-attainment"] = {
    "task": "apps.drift.tasks.detect_attainment",
    "schedule": crontab(hour=1, minute=0),
}
# Governance notices (apps/contracts/notices.py): a waiver expiring within this many days tells
# its grantor and the contract's owner, once per waiver and expiry date, checked each morning.
WAIVER_EXPIRY_NOTICE_DAYS = env.int("WAIVER_EXPIRY_NOTICE_DAYS", default=7)
CELERY_BEAT_SCHEDULE["contracts-expiring-waivers"] = {
    "task": "apps.contracts.tasks.notify_expiring_waivers",
    "schedule": crontab(hour=6, minute=0),
}
# The teams whose channels hear what legal and leadership hear (besides their members by email);
# no such team, no channel.
LEGAL_NOTICE_TEAM = env("LEGAL_NOTICE_TEAM", default="Legal")
LEADERSHIP_NOTICE_TEAM = env("LEADERSHIP_NOTICE_TEAM", default="Leadership")
# Notifications (apps/notifications): notices whose enqueue was lost or whose worker died.
CELERY_BEAT_SCHEDULE["notifications-requeue-lost-deliveries"] = {
    "task": "apps.notifications.tasks.requeue_lost_deliveries",
    "schedule": 900.0,
}
# Support clocks (apps/support): the clocks whose next instant passed, every minute (the worker
# tests tick every few seconds).
CELERY_BEAT_SCHEDULE["support-evaluate-clocks"] = {
    "task": "apps.support.tasks.evaluate_clocks",
    "schedule": env.float("SUPPORT_EVALUATION_SECONDS", default=60.0),
}
# How often the support leads' live board fetches its clocks again (apps/support/board_views.py).
SUPPORT_BOARD_REFRESH_SECONDS = env.int("SUPPORT_BOARD_REFRESH_SECONDS", default=15)
# The DRIFT_* names are read too: notices were drift's alone before they had their own app.
NOTIFICATION_TIMEOUT = env.int(
    "NOTIFICATION_TIMEOUT", default=env.int("DRIFT_WEBHOOK_TIMEOUT", default=10)
)
# Hosts notification webhooks may reach although they resolve to loopback or private addresses.
NOTIFICATION_ALLOWED_HOSTS = env.list("NOTIFICATION_ALLOWED_HOSTS", default=[])
NOTIFICATION_MAX_RETRIES = env.int(
    "NOTIFICATION_MAX_RETRIES", default=env.int("DRIFT_NOTIFICATION_MAX_RETRIES", default=6)
)
NOTIFICATION_RETRY_BACKOFF_SECONDS = env.int(
    "NOTIFICATION_RETRY_BACKOFF_SECONDS", default=env.int("DRIFT_RETRY_BACKOFF_SECONDS", default=30)
)
NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS = 3600
# A claim older than this belongs to a worker that died: the delivery may be sent again.
NOTIFICATION_CLAIM_SECONDS = 600
# First attempts go out in batches of this many, sent side by side by this many threads.
NOTIFICATION_BATCH_SIZE = env.int("NOTIFICATION_BATCH_SIZE", default=100)
NOTIFICATION_SEND_THREADS = env.int("NOTIFICATION_SEND_THREADS", default=8)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.CovenantAutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Covenant API",
    "DESCRIPTION": "SLA/SLO governance: contracts, commitments, SLOs, alignment and sign-off.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from our own static files: the docs work offline and behind a CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets whose field name ("kind") other resources also use, named once.
    "ENUM_NAME_OVERRIDES": {
        "DocumentKindEnum": "apps.contracts.choices.DocumentKind",
        "SupportReportKindEnum": "apps.support.report_models.ReportKind",
        "SupportReportStatusEnum": "apps.support.report_models.ReportStatus",
    },
}

# Each record is written once, by the root's handler (in a Celery worker, by the one Celery puts
# on the root in its place). Django's defaults give the "django" logger a console handler of its
# own while DEBUG is on, and that logger also propagates to the root, so every "Not Found: ..."
# printed twice: it is emptied here. Configuring "django" resets its children, so runserver's
# request lines ("django.server") get back their own handler and format, without propagating.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
