"""Pronto settings, read from the environment (see docs/settings.md for every variable).

Two shapes share this file:
- embedded (the default, for the demo and a bare machine): SQLite, Celery tasks run in-process,
  DEBUG on, a development secret;
- production (``PRONTO_ENV=production``): PostgreSQL and Redis from ``DATABASE_URL`` and
  ``CELERY_BROKER_URL``, secrets required, HTTPS-only cookies and HSTS.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE as CSP_NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PRONTO_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

PRONTO_ENV = env.str("PRONTO_ENV", default="embedded")
if PRONTO_ENV not in ("embedded", "production"):
    raise ImproperlyConfigured(f"PRONTO_ENV must be 'embedded' or 'production', not {PRONTO_ENV!r}")
PRODUCTION = PRONTO_ENV == "production"

# The embedded mode's fallbacks, public in this repository: production refuses each of them
# (dispatch.checks, telephony.checks, notifications.checks: errors that stop check, migrate, serving).
PRONTO_DEMO_VALUES = {
    "SECRET_KEY": "pronto-embedded-demo-secret-not-for-production-use-0123456789abcdef",
    "PRONTO_TELEPHONY_SECRET": "demo-telephony",
    "PRONTO_SMS_INBOUND_TOKEN": "demo-sms-inbound",
}
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default=PRONTO_DEMO_VALUES["SECRET_KEY"])

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "dispatch",
    "telephony",
    "telecontrol",
    "notifications",
    "reports",
    "privacy",
    "teams",
    "oncall",
    "routing",
    "clocks",
    "shifts",
    "escalations",
    "network",
    "incidents",
    "inbound",
    "feedback",
    "quality",
    "reviews",
    "ops",
]
INSTALLED_APPS += env.list("PRONTO_EXTRA_APPS", default=[])

MIDDLEWARE = [
    # First: every line logged while serving the request, the tasks it enqueues included, carries its id.
    "config.logging_context.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a sign-in refused for too many failures into the 429 page (dispatch.signin).
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy on every response (django-csp 4: the CONTENT_SECURITY_POLICY dict).
# Scripts and styles come from our own static files only; the odd inline <style> a third-party
# page needs (the API docs) carries the request's nonce. No inline handlers, no eval (htmx is
# told so: allowEval false), no plugins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", CSP_NONCE],
        "style-src": ["'self'", CSP_NONCE],
        # Swagger UI draws its icons from data: URIs; the phone previews photos from blob: URLs.
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = env.str("PRONTO_URLCONF", default="config.urls")
WSGI_APPLICATION = "config.wsgi.application"

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
                "dispatch.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'pronto.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60 if PRODUCTION else 0))
# A kept connection is checked before its first use in each request or task, so one broken by a
# database restart is replaced instead of failing that request.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout let the web process and the worker share the demo database.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# AxesStandaloneBackend first: it refuses a locked-out user or address before any password is
# checked (the right password included), and counts the failures of every backend after it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dispatch:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="it")
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Rome")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
if not PRODUCTION:
    # WhiteNoise warns on every request while collectstatic has not made the folder yet.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dispatch.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Bounded limit (dispatch/api/pagination.py); JSON bodies parsed with a depth limit.
    "DEFAULT_PAGINATION_CLASS": "dispatch.api.pagination.LimitOffsetPage",
    "DEFAULT_PARSER_CLASSES": [
        "dispatch.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "dispatch.api.schema.ProntoAutoSchema",
    "EXCEPTION_HANDLER": "dispatch.api.exception_handlers.api_exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
from config.api_schema import SPECTACULAR_SETTINGS  # noqa: E402,F401  (the OpenAPI schema's settings)

# Celery: with no broker configured, tasks run in-process so the demo needs no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Celery's Django fix-up closes the connection around every task unless this is set (a connection
# per task cost each notification ~6 ms); config/celery.py applies CONN_MAX_AGE and the health check.
CELERY_DB_REUSE_MAX = 1000
# Major incidents: the rules' sweep period, the SMS rate and parallel gateway calls (docs/settings.md).
PRONTO_INCIDENT_SWEEP_SECONDS = env.float("PRONTO_INCIDENT_SWEEP_SECONDS", default=30.0)
PRONTO_INCIDENT_SMS_RATE_PER_SECOND = env.float("PRONTO_INCIDENT_SMS_RATE_PER_SECOND", default=20.0)
PRONTO_INCIDENT_SMS_PARALLEL = env.int("PRONTO_INCIDENT_SMS_PARALLEL", default=8)
from config.feedback_settings import *  # noqa: E402,F403  (issue 21: caller satisfaction)
from config.inbound_settings import *  # noqa: E402,F403  (issue 20: inbound mail and faxes)
from config.ops_settings import *  # noqa: E402,F403  (issue 22: health, readiness, metrics)
from config.poller_settings import *  # noqa: E402,F403  (issue 22: several fleet pollers)
from config.quality_settings import *  # noqa: E402,F403  (issue 21: call recordings)
from config.queues_settings import *  # noqa: E402,F403  (issue 22: the queues, docs/queues.md)
from config.reviews_settings import *  # noqa: E402,F403  (issue 21: the quality group's reviews)

CELERY_BEAT_SCHEDULE = {
    "telephony-receipts-prune": {"task": "dispatch.tasks.telephony_receipts_prune", "schedule": 3600.0},
    "notifications-sweep": {"task": "notifications.tasks.notifications_sweep", "schedule": 30.0},
    "callbacks-remind": {"task": "dispatch.tasks.callbacks_remind", "schedule": 30.0},
    # Operators held by offers a restarted switch forgot (routing/services/sweep.py).
    "routes-sweep": {"task": "routing.tasks.routes_sweep", "schedule": 30.0},
    # Service-level clocks past due recorded as breaches in the case's history (clocks/services.py).
    "clocks-breaches": {"task": "clocks.tasks.clocks_breaches_record", "schedule": 30.0},
    # Escalation chains: start, stop, pause and fire the steps due (escalations/services.py).
    "escalations-sweep": {"task": "escalations.tasks.escalations_sweep", "schedule": 30.0},
    # Major incidents: the rules declare, resolved incidents close (incidents/services/rules.py).
    "incidents-sweep": {"task": "incidents.tasks.incidents_sweep", "schedule": PRONTO_INCIDENT_SWEEP_SECONDS},
    # Last month's service-level report to each customer's contacts; hourly, so a day the
    # worker was down is caught up (each customer's month is computed and sent once).
    "reports-monthly": {"task": "dispatch.tasks.reports_monthly_send", "schedule": 3600.0},
    # Personal data past its retention policy (docs/privacy.md); idempotent, in short batches.
    "privacy-retention": {"task": "privacy.tasks.personal_data_retention", "schedule": 86400.0},
    "inbound-poll": {"task": "inbound.tasks.inbound_poll", "schedule": PRONTO_INBOUND_POLL_SECONDS},  # noqa: F405
    **FEEDBACK_BEAT_SCHEDULE,  # noqa: F405
    "review-samples": {"task": "reviews.tasks.review_samples_draw", "schedule": 3600.0},  # last month's, once
}

# Telephony webhook: HMAC-SHA256 over "<timestamp>.<body>" with this shared secret.
PRONTO_TELEPHONY_SECRET = env.str(
    "PRONTO_TELEPHONY_SECRET", default="" if PRODUCTION else PRONTO_DEMO_VALUES["PRONTO_TELEPHONY_SECRET"]
)
PRONTO_TELEPHONY_MAX_SKEW_SECONDS = env.int("PRONTO_TELEPHONY_MAX_SKEW_SECONDS", default=300)
# Call routing (docs/telephony.md): the public holidays its rules know (`holidays` country and subdivision
# codes); how long each process keeps its reference tables (classes, lines, teams, queues' skills).
PRONTO_HOLIDAYS_COUNTRY = env.str("PRONTO_HOLIDAYS_COUNTRY", default="IT")
PRONTO_HOLIDAYS_SUBDIVISION = env.str("PRONTO_HOLIDAYS_SUBDIVISION", default="")
PRONTO_ROUTING_CATALOGUE_SECONDS = env.int("PRONTO_ROUTING_CATALOGUE_SECONDS", default=5)

# Key of the history's hash chain (HMAC-SHA256). Changing it makes verify_history fail for
# every event sealed before: rotate only with a documented re-seal. Production has no fallback
# (dispatch.E023): a SECRET_KEY rotated for another reason must not break the chain.
PRONTO_HISTORY_KEY = env.str("PRONTO_HISTORY_KEY", default="" if PRODUCTION else SECRET_KEY)
# Key of the callers' pseudonyms (dispatch.personal.caller_token): kept out of the database, so
# that the tokens that group an erased caller's calls cannot be turned back into a number by
# trying every number. Changing it splits every caller's earlier calls from the later ones.
PRONTO_CALLER_TOKEN_KEY = env.str(
    "PRONTO_CALLER_TOKEN_KEY", default="" if PRODUCTION else f"caller-token:{SECRET_KEY}"
)

# Retention of personal data (docs/privacy.md, "Retention and legal holds"): days kept per kind
# when no policy row (privacy.RetentionPolicy, set by supervisors per contract) says otherwise.
# Evidence kept for the regulator's inspections (numbers, notes, photos, recordings): six years,
# five full calendar years after the year of the call; technicians' positions: a week.
PRONTO_RETENTION_DAYS = {
    "caller_number": env.int("PRONTO_RETENTION_CALLER_NUMBER_DAYS", default=2192),
    "note": env.int("PRONTO_RETENTION_NOTE_DAYS", default=2192),
    "photo": env.int("PRONTO_RETENTION_PHOTO_DAYS", default=2192),
    "recording": env.int("PRONTO_RETENTION_RECORDING_DAYS", default=2192),
    "position": env.int("PRONTO_RETENTION_POSITION_DAYS", default=7),
}
# The job erases at most this many calls (or interventions) per transaction, and a batch that
# has held its row locks this long commits and leaves the rest to the next one.
PRONTO_RETENTION_BATCH_SIZE = env.int("PRONTO_RETENTION_BATCH_SIZE", default=100)

# Failed sign-ins (page, admin and POST /api/auth/token/; django-axes, dispatch/signin.py): the Nth failure
# within the lock-out window locks that username out, from any address, and the Mth locks that address out,
# for any username; either answers 429 with Retry-After until PRONTO_SIGNIN_LOCKOUT_MINUTES have passed
# without another attempt. The address limit is higher because a control room signs in from one address.
PRONTO_SIGNIN_USER_FAILURE_LIMIT = env.int("PRONTO_SIGNIN_USER_FAILURE_LIMIT", default=5)
PRONTO_SIGNIN_ADDRESS_FAILURE_LIMIT = env.int("PRONTO_SIGNIN_ADDRESS_FAILURE_LIMIT", default=20)
PRONTO_SIGNIN_LOCKOUT_MINUTES = env.int("PRONTO_SIGNIN_LOCKOUT_MINUTES", default=15)
# Proxies in front of the web server that append the client's address to X-Forwarded-For (the
# TLS proxy of a production install): the address counted is the one the outermost of them saw.
PRONTO_TRUSTED_PROXY_COUNT = env.int("PRONTO_TRUSTED_PROXY_COUNT", default=1 if PRODUCTION else 0)
AXES_HANDLER = "dispatch.signin.SigninAttemptHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "dispatch.signin.user_failure_limit"
AXES_COOLOFF_TIME = "dispatch.signin.lockout_time"
AXES_CLIENT_IP_CALLABLE = "dispatch.signin.client_address"
AXES_LOCKOUT_CALLABLE = "dispatch.signin.lockout_response"
# A success must not clear the address's count: one valid account would reset it between guesses.
AXES_RESET_ON_SUCCESS = False
# Successful sign-ins are in the web server's log already; axes keeps only the failures.
AXES_DISABLE_ACCESS_LOG = True
# axes' own log lines hide usernames and addresses; dispatch.signin logs each lock-out with both.
AXES_VERBOSE = False
# API tokens (django-rest-knox): only a SHA-512 digest is stored; each expires this many hours
# after it was obtained and can be revoked (POST /api/auth/token/revoke/, .../revoke-all/).
PRONTO_API_TOKEN_HOURS = env.int("PRONTO_API_TOKEN_HOURS", default=12)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=PRONTO_API_TOKEN_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# Shared cache: Redis in production (CACHE_URL=redis://...), per-process memory otherwise.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://pronto")}
# How long a user's roles may be served from the cache (0: read the groups on every request).
PRONTO_ROLE_CACHE_SECONDS = env.int("PRONTO_ROLE_CACHE_SECONDS", default=30)
# The live board: seconds between its refreshes, and how long a call the phone system never
# reported ended still shows as in progress.
PRONTO_BOARD_REFRESH_SECONDS = env.int("PRONTO_BOARD_REFRESH_SECONDS", default=5)
# How often every staff page asks whether callbacks have come due (the header and the alert).
PRONTO_CALLBACKS_POLL_SECONDS = env.int("PRONTO_CALLBACKS_POLL_SECONDS", default=30)
PRONTO_BOARD_CALL_HOURS = env.int("PRONTO_BOARD_CALL_HOURS", default=4)
# A step taken on a technician's phone and received later than this is applied at its receipt
# time and flagged (see dispatch.services.intervention_step_apply).
PRONTO_STEP_MAX_DELAY_HOURS = env.int("PRONTO_STEP_MAX_DELAY_HOURS", default=24)
# A technician's position (shared from the phone) older than this no longer ranks them by
# distance in the suggestion of whom to send.
PRONTO_POSITION_MAX_AGE_MINUTES = env.int("PRONTO_POSITION_MAX_AGE_MINUTES", default=120)
# A service-level report over more days than this is computed in the background (a month at a
# time, with a progress bar), not while the page waits.
PRONTO_REPORT_INLINE_MAX_DAYS = env.int("PRONTO_REPORT_INLINE_MAX_DAYS", default=92)
# Photos from the site: the phone shrinks them to PRONTO_PHOTO_MAX_PIXELS on its longest side
# before queueing them; the server refuses files larger than PRONTO_PHOTO_MAX_BYTES.
PRONTO_PHOTO_MAX_PIXELS = env.int("PRONTO_PHOTO_MAX_PIXELS", default=1600)
PRONTO_PHOTO_MAX_BYTES = env.int("PRONTO_PHOTO_MAX_BYTES", default=15 * 1024 * 1024)

# Region used to read caller numbers written without an international prefix.
PRONTO_PHONE_REGION = env.str("PRONTO_PHONE_REGION", default="IT")

# Telecontrol (docs/telecontrol.md). Backends are classes, so another stack plugs in here.
PRONTO_MODBUS_BACKEND = env.str(
    "PRONTO_MODBUS_BACKEND", default="telecontrol.backends.modbus.PymodbusBackend"
)
PRONTO_MQTT_BACKEND = env.str("PRONTO_MQTT_BACKEND", default="telecontrol.backends.mqtt.PahoMqttSubscriber")
PRONTO_MQTT_HOST = env.str("PRONTO_MQTT_HOST", default="127.0.0.1")
PRONTO_MQTT_PORT = env.int("PRONTO_MQTT_PORT", default=1883)
PRONTO_MQTT_USERNAME = env.str("PRONTO_MQTT_USERNAME", default="")
PRONTO_MQTT_PASSWORD = env.str("PRONTO_MQTT_PASSWORD", default="")
PRONTO_MQTT_CLIENT_ID = env.str("PRONTO_MQTT_CLIENT_ID", default="pronto-telemetry")
PRONTO_MQTT_TOPIC_PREFIX = env.str("PRONTO_MQTT_TOPIC_PREFIX", default="plants").strip("/")
PRONTO_TELEMETRY_MAX_PAYLOAD_BYTES = env.int("PRONTO_TELEMETRY_MAX_PAYLOAD_BYTES", default=8192)
PRONTO_TELEMETRY_FLUSH_SECONDS = env.float("PRONTO_TELEMETRY_FLUSH_SECONDS", default=0.25)
PRONTO_COMMS_SWEEP_SECONDS = env.int("PRONTO_COMMS_SWEEP_SECONDS", default=30)
PRONTO_POLL_CONCURRENCY = env.int("PRONTO_POLL_CONCURRENCY", default=100)
PRONTO_TELECONTROL_SETTINGS_CACHE_SECONDS = env.int("PRONTO_TELECONTROL_SETTINGS_CACHE_SECONDS", default=30)
from config.mqtt_settings import *  # noqa: E402,F403  (issue 22: shared subscriptions, TLS)

# Notifications (docs/notifications.md). One backend class per channel; the embedded default
# stores messages in the outbox table and shows them in the UI: nothing leaves this machine.
_OUTBOX = "notifications.backends.outbox.OutboxBackend"
PRONTO_NOTIFICATION_BACKENDS = {
    "sms": {
        "BACKEND": env.str("PRONTO_SMS_BACKEND", default=_OUTBOX),
        "OPTIONS": {
            "url": env.str("PRONTO_KANNEL_URL", default="http://127.0.0.1:13013/cgi-bin/sendsms"),
            "username": env.str("PRONTO_KANNEL_USERNAME", default=""),
            "password": env.str("PRONTO_KANNEL_PASSWORD", default=""),
            "sender": env.str("PRONTO_SMS_SENDER", default="Pronto"),
            "timeout": env.float("PRONTO_SMS_TIMEOUT_SECONDS", default=10.0),
        },
    },
    "email": {
        "BACKEND": env.str("PRONTO_EMAIL_BACKEND", default=_OUTBOX),
        "OPTIONS": {
            "host": env.str("PRONTO_SMTP_HOST", default="127.0.0.1"),
            "port": env.int("PRONTO_SMTP_PORT", default=25),
            "username": env.str("PRONTO_SMTP_USERNAME", default=""),
            "password": env.str("PRONTO_SMTP_PASSWORD", default=""),
            "starttls": env.bool("PRONTO_SMTP_STARTTLS", default=False),
            "timeout": env.float("PRONTO_SMTP_TIMEOUT_SECONDS", default=10.0),
            "from_address": env.str("PRONTO_EMAIL_FROM", default="pronto@localhost"),
        },
    },
    "fax": {
        "BACKEND": env.str("PRONTO_FAX_BACKEND", default=_OUTBOX),
        "OPTIONS": {
            # Email-to-fax gateway (notifications.backends.fax_email.EmailFaxBackend): SMTP as above.
            "host": env.str("PRONTO_FAX_SMTP_HOST", default=env.str("PRONTO_SMTP_HOST", default="127.0.0.1")),
            "port": env.int("PRONTO_FAX_SMTP_PORT", default=env.int("PRONTO_SMTP_PORT", default=25)),
            "from_address": env.str("PRONTO_EMAIL_FROM", default="pronto@localhost"),
            "address_template": env.str("PRONTO_FAX_EMAIL_ADDRESS", default="{number}@fax.localhost"),
            "attach": env.str("PRONTO_FAX_EMAIL_FORMAT", default="pdf"),
            "timeout": env.float("PRONTO_FAX_TIMEOUT_SECONDS", default=10.0),
            # HylaFAX (notifications.backends.hylafax.HylafaxFaxBackend): hfaxd's client protocol.
            "hylafax_host": env.str("PRONTO_HYLAFAX_HOST", default="127.0.0.1"),
            "hylafax_port": env.int("PRONTO_HYLAFAX_PORT", default=4559),
            "hylafax_user": env.str("PRONTO_HYLAFAX_USER", default="pronto"),
            "hylafax_password": env.str("PRONTO_HYLAFAX_PASSWORD", default=""),
        },
    },
}
# Base URL of the web UI, for the links sent to technicians and the gateways' callbacks.
PRONTO_PUBLIC_URL = env.str("PRONTO_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")
# Kannel's sms-service passes replies on with this token (?token=... or X-Pronto-Token).
PRONTO_SMS_INBOUND_TOKEN = env.str(
    "PRONTO_SMS_INBOUND_TOKEN", default="" if PRODUCTION else PRONTO_DEMO_VALUES["PRONTO_SMS_INBOUND_TOKEN"]
)
# Addresses (IPs or CIDR networks) the inbound-SMS endpoint takes requests from; empty: any.
PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES = env.list("PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES", default=[])
PRONTO_NOTIFICATION_MAX_ATTEMPTS = env.int("PRONTO_NOTIFICATION_MAX_ATTEMPTS", default=6)
PRONTO_NOTIFICATION_RETRY_BASE_SECONDS = env.float("PRONTO_NOTIFICATION_RETRY_BASE_SECONDS", default=30.0)
PRONTO_NOTIFICATION_RETRY_MAX_SECONDS = env.float("PRONTO_NOTIFICATION_RETRY_MAX_SECONDS", default=1800.0)
# A row left in "sending" this long belongs to a worker that died: the sweeper takes it back.
PRONTO_NOTIFICATION_STUCK_SECONDS = env.int("PRONTO_NOTIFICATION_STUCK_SECONDS", default=120)
PRONTO_NOTIFICATION_SWEEP_SECONDS = env.float("PRONTO_NOTIFICATION_SWEEP_SECONDS", default=30.0)
# A backstop beside each gateway's own timeout: a delivery task still running after this many
# seconds is interrupted (and retried like an outage); 30 s later its worker process is killed and
# the sweeper takes the row back. A stuck gateway call can never hold a worker for good.
PRONTO_NOTIFICATION_TASK_TIME_LIMIT_SECONDS = env.int(
    "PRONTO_NOTIFICATION_TASK_TIME_LIMIT_SECONDS", default=60
)
# Gateways without push delivery reports (HylaFAX) are asked by the sweeper about rows sent
# within this many hours; a row still "sent" after that is left alone.
PRONTO_DELIVERY_POLL_MAX_HOURS = env.int("PRONTO_DELIVERY_POLL_MAX_HOURS", default=48)
# A callback not done this many minutes after its time is flagged overdue.
PRONTO_CALLBACK_OVERDUE_MINUTES = env.int("PRONTO_CALLBACK_OVERDUE_MINUTES", default=5)
# Attachments of plant documents to emails: at most this many bytes in all.
PRONTO_EMAIL_ATTACHMENTS_MAX_BYTES = env.int("PRONTO_EMAIL_ATTACHMENTS_MAX_BYTES", default=10 * 1024 * 1024)
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"

from config.logging_settings import *  # noqa: E402,F403  (issue 22: JSON lines, the request id)

STORAGES["recordings"], CELERY_BEAT_SCHEDULE["recordings-expire"] = RECORDING_STORAGE, RECORDING_EXPIRE_BEAT  # noqa: F405
from config.centre import *  # noqa: E402, F403  (the dispatch fax's header: PRONTO_CENTRE_*)
from config.database_settings import *  # noqa: E402, F403  (issue 22: history partitions, reports replica)

DATABASES.update(DATABASE_REPLICA)  # noqa: F405
CELERY_BEAT_SCHEDULE.update(DATABASE_BEAT_SCHEDULE)  # noqa: F405
