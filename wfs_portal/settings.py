"""Settings of the WFS Portal, read from the environment only (see .env.example).

Two modes: with DJANGO_DEBUG=true (the default of a source checkout) a laptop runs the portal with
nothing installed: SQLite, a local-memory cache, the console e-mail backend and Celery tasks run
in-process. With DJANGO_DEBUG=false (the default of the container image) a secret key and allowed
hosts are required and the security settings below are on, so that
``manage.py check --deploy --fail-level WARNING`` passes.
"""

import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from wfs_portal.env import (
    env_bool,
    env_choice,
    env_db_url,
    env_email_url,
    env_int,
    env_list,
    env_redis_url,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# .env is optional; values already in the environment win.
if (BASE_DIR / ".env").is_file():
    import environ

    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env_bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", default="insecure-development-key-only-for-DEBUG-mode")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith(("django-insecure", "insecure")):
        raise ImproperlyConfigured(
            "Unexpected value DJANGO_SECRET_KEY: use at least 50 random characters in production, e.g. from "
            '`python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
        )
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Missing value: DJANGO_ALLOWED_HOSTS must name at least one host.")

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The portal's address for links in e-mails sent outside a request (Celery beat jobs such as the
# renewal reminders), e.g. https://portal.wfs.de; empty: https:// and the first allowed host.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", default="").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # The portal's name and address in allauth's e-mails ("Hello from WFS Portal!") instead of the
    # host of the request; set by the migration wfs_portal 0002 and editable under "Websites".
    "django.contrib.sites",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "simple_history",
    "import_export",
    "django_celery_beat",
    # Company users' accounts at /portal/ (sign-up, e-mail verification, password reset, TOTP).
    "allauth",
    "allauth.account",
    # allauth.mfa under translated names in the admin (wfs_portal/allauth_apps.py).
    "wfs_portal.allauth_apps.MfaConfig",
    "wfs_portal",
    "outbox",
    "notifications",
    "companies",
    "matchmaking",
    "projects",
    "fairs",
    "delegations",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wfs_portal.middleware.GermanFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every GET answer and 304 for a matching If-None-Match (the API's conditional GETs).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff without an authenticator app set up reach only its set-up page (STAFF_MFA_REQUIRED).
    "wfs_portal.staff_login.StaffMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The Content-Security-Policy header (section "Content-Security-Policy" below); a header that a
    # view set itself (the logo's sandbox) is kept.
    "csp.middleware.CSPMiddleware",
    # Records the requesting user on every history entry written during a request.
    "simple_history.middleware.HistoryRequestMiddleware",
]

# The history page shows every version but offers no "revert": a reverted form would write back a
# verification or registration state, a publication date or a capacity without the services' rules
# (capacity check, e-mails, the change reason), and the history would record it as a plain edit.
SIMPLE_HISTORY_REVERT_DISABLED = True

ROOT_URLCONF = "wfs_portal.urls"
WSGI_APPLICATION = "wfs_portal.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# psycopg 3 (binary wheel): Django's recommended PostgreSQL driver, with server-side cursors and
# connection pooling available without a C toolchain on the host.
DATABASES = {"default": env_db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", default=0, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A health check or a request must not hang forever on an unreachable database.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DATABASE_CONNECT_TIMEOUT", default=5, minimum=1
    )
else:
    # SQLite: wait for a concurrent writer (runserver + eager tasks) instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env_redis_url("REDIS_URL", default=None)
if REDIS_URL:
    # Redis, with the process's memory standing in while Redis is unreachable (wfs_portal/cache.py):
    # logins and the API's rate limits keep working. Short timeouts: Redis answers in a millisecond
    # or not at all.
    CACHES = {
        "default": {
            "BACKEND": "wfs_portal.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "wfs",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "wfs"}}

# --- Authentication -------------------------------------------------------------------------
# Argon2 first: new and changed passwords are hashed with it; the others only verify old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# CommonPasswordValidator refuses the 20,000 most common passwords from a list shipped with Django.
# A breached-password check (e.g. against Have I Been Pwned) is left out on purpose: it needs a
# call to an online service, which the agency's users behind firewalls and offline installations
# cannot make, and a validator that fails open would only pretend to check.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff log in at /admin/ with their user name (ModelBackend); company users log in at
# /accounts/login/ with their e-mail address (allauth's backend, which also enforces verification).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:start"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# Sign-up with an e-mail address and a password only; allauth derives the (hidden) user name.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_DISPLAY = "notifications.accounts.user_display"
# Nobody uses the portal before proving they own the address: an organisation's representatives
# are reached by e-mail, and join requests are decided on the strength of that address.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[WFS Portal] "
# allauth's e-mails go through the outbox like every other e-mail.
ACCOUNT_ADAPTER = "notifications.accounts.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Throttling (counted in the cache; Redis in production, so all web processes share the counts).
# Logins: 30 per IP address per minute (allauth's default, stated here), failed ones 5 per e-mail
# address in 5 minutes and 20 per IP address per minute; the login form then says "Too many failed
# login attempts. Try again later." Other limits answer 429.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "20/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# Behind the TLS proxy every request comes from the proxy's address, and the limits per address above
# would hold for all clients together: they count the client address the proxy adds last to
# X-Forwarded-For instead (the number of proxies in front of gunicorn; 0 without one).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", default=0 if DEBUG else 1, minimum=0)
# Two-factor authentication with an authenticator app (TOTP) and one-time recovery codes: optional
# for company users, required for staff (they reach every company's data) unless switched off for a
# laptop demo (STAFF_MFA_REQUIRED=false; off by default in debug mode). The admin's login asks for the
# code once a staff member has set it up (wfs_portal/staff_login.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
STAFF_MFA_REQUIRED = env_bool("STAFF_MFA_REQUIRED", default=not DEBUG)
MFA_TOTP_ISSUER = "WFS Portal"
# The one Site of django.contrib.sites (name and domain: wfs_portal/migrations/0002_portal_site.py).
SITE_ID = 1

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# locale_overrides/ holds our German for texts of third-party packages (allauth's pages and e-mails
# in formal German, the API-key library, the admin's JavaScript); listed first, its entries win
# over the packages' own catalogs. wfs_portal/third_party_messages.py explains why it is separate.
LOCALE_PATHS = [BASE_DIR / "locale_overrides", BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
COUNTRIES_FIRST = ["DE"]

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail ---------------------------------------------------------------------------------
# EMAIL_URL as understood by django-environ, e.g. smtp+tls://user:password@mail.example.org:587
vars().update(env_email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", default="WFS Portal <portal@wfs.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", default=31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # /health/ is polled by the orchestrator over plain HTTP inside the private network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# --- Content-Security-Policy ----------------------------------------------------------------
# Every page loads scripts, styles, images, fonts and data from the portal only, and runs no inline
# script: our code is in static/, third-party pages that carry inline code have templates of ours
# (templates/drf_spectacular/, templates/admin/djcelery/, templates/admin/import_export/).
# Style attributes are allowed (style-src-attr): the dashboard's matplotlib charts write every fill
# and stroke as one, as do django-simple-history's history list and django-import-export's export
# form; they cannot load anything, since images and fonts come from 'self' only. <style> elements
# are not, except where a view adds their hash or nonce (the dashboard, Redoc: wfs_portal/urls.py,
# wfs_portal/api_urls.py). data: images: allauth's TOTP QR code. A view that sets a policy of its own
# keeps it (the logo's sandbox).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("DJANGO_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO"),
    },
}

# --- REST framework -------------------------------------------------------------------------
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", default="600/min")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", API_THROTTLE_RATE):
    raise ImproperlyConfigured(f"Unexpected value API_THROTTLE_RATE={API_THROTTLE_RATE} (e.g. 600/min)")

# The partner API (/api/v1/): partner API keys in the Authorization header, or a staff member's
# session (with CSRF); every endpoint names the scope a key needs (wfs_portal/api.py).
# The model of partner API keys (wfs_portal/api.py reads it as Django reads AUTH_USER_MODEL).
API_KEY_MODEL = "companies.PartnerApiKey"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "wfs_portal.api.PartnerKeyAuthentication",
        "wfs_portal.api.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["wfs_portal.api.ScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["wfs_portal.api.PartnerKeyThrottle"],
    "DEFAULT_THROTTLE_RATES": {"partner_key": API_THROTTLE_RATE},
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "wfs_portal.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "wfs_portal.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_PAGE_SIZE_MAX = 200

SPECTACULAR_SETTINGS = {
    "TITLE": "WFS Portal partner API",
    "DESCRIPTION": (
        "The directory, events and matchmaking data of the WFS Portal for partner organisations "
        "(clusters, chambers, regional agencies, technology parks).\n\n"
        "**Authentication**: send the API key that agency staff gave you in the header "
        "`Authorization: Api-Key <key>`. Keys in the URL are refused. Each operation names the "
        "scope it needs; a request without a key gets 401, a key without the scope 403.\n\n"
        "**Lists** are paginated (`page`, `page_size` up to 200) and filterable; "
        "`updated_since` returns only what changed, for incremental synchronisation. "
        "Responses carry an `ETag`; send it back as `If-None-Match` to get 304 when nothing "
        "changed.\n\n**Limits**: requests per key are limited (default 600 per minute); above "
        "the limit the answer is 429 with `Retry-After`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Three models have a field "kind"; each keeps a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "companies.choices.OrganisationKind",
        "ReportKindEnum": "reports.choices.ReportKind",
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}

# --- Celery ---------------------------------------------------------------------------------
# Without CELERY_BROKER_URL tasks run eagerly in-process, so a laptop needs no Redis.
CELERY_BROKER_URL = env_redis_url("CELERY_BROKER_URL", default=None)
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
if CELERY_BROKER_URL is None:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = env_redis_url("CELERY_RESULT_BACKEND", default=None) or "cache+memory://"
else:
    CELERY_RESULT_BACKEND = env_redis_url("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged after it ran, so a killed worker's task is delivered again; tasks are
# written to be idempotent for that reason.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", default=10 * 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", default=9 * 60, minimum=1)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"Unexpected value CELERY_TASK_SOFT_TIME_LIMIT={CELERY_TASK_SOFT_TIME_LIMIT}: it must be below "
        f"CELERY_TASK_TIME_LIMIT={CELERY_TASK_TIME_LIMIT}, so a task can clean up before it is killed."
    )
# Nothing a request does waits on the broker: tasks are written to the outbox and published by the
# relay (outbox.relay) with its own quick, bounded attempt. The worker and beat, on the other hand,
# reconnect for ever: an outage of Redis delays their work, it must never end them.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task running when the connection drops goes on; its second delivery finds its work claimed.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "socket_keepalive": True,
    # A message whose worker died without acknowledging it is handed out again after this long.
    # Every task claims its work (and long ones renew the claim), so a second delivery of one that
    # is still running does nothing; the watchdogs (reports, matching) resend stalled work sooner.
    "visibility_timeout": max(CELERY_TASK_TIME_LIMIT, 5 * 60) + 60,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
}
# Results are stored only for tasks that declare ignore_result=False (chord parts, tasks whose
# caller waits): storing every result costs Redis memory, and subscribing to a result before
# publishing would turn "broker down" into a result-backend error.
CELERY_TASK_IGNORE_RESULT = True
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
# Periodic work is declared in one place, wfs_portal/schedules.py; after each migrate the missing
# entries are created in django-celery-beat's tables, where staff see and change them in the admin
# ("Periodic tasks"). Entries that exist are never overwritten, so staff edits stay.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Outbox ---------------------------------------------------------------------------------
# Every e-mail and task is written to the outbox in the transaction that causes it and delivered by
# the relay (``manage.py outbox_relay``; see outbox/relay.py). An outage of the mail server or the
# broker postpones delivery by OUTBOX_OUTAGE_RETRY_SECONDS at a time, for as long as it lasts; a
# message that fails by itself is tried again after 30 s, 1 min, 2 min … (at most
# OUTBOX_RETRY_MAX_SECONDS apart) and set aside for staff after OUTBOX_MAX_ATTEMPTS failures.
OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", default=50, minimum=1)
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", default=300, minimum=10)
OUTBOX_OUTAGE_RETRY_SECONDS = env_int("OUTBOX_OUTAGE_RETRY_SECONDS", default=5, minimum=1)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", default=30, minimum=1)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", default=3600, minimum=1)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", default=10, minimum=1)
OUTBOX_BROKER_TIMEOUT_SECONDS = env_int("OUTBOX_BROKER_TIMEOUT_SECONDS", default=2, minimum=1)
# Delivered messages are deleted after this many days, failed ones after the second figure.
OUTBOX_KEEP_DELIVERED_DAYS = env_int("OUTBOX_KEEP_DELIVERED_DAYS", default=30, minimum=1)
OUTBOX_KEEP_FAILED_DAYS = env_int("OUTBOX_KEEP_FAILED_DAYS", default=180, minimum=1)

# --- Demo -----------------------------------------------------------------------------------
DEMO_SUPERUSER_NAME = env_str("DEMO_SUPERUSER_NAME", default="demo-admin")

# --- Admin export ---------------------------------------------------------------------------
# "Export selected" in the admin downloads CSV straight away (no format form in between).
IMPORT_EXPORT_SKIP_ADMIN_ACTION_EXPORT_UI = True

# --- Reports --------------------------------------------------------------------------------
# A report queued or running with no sign of life for this long (no worker took it, or the one
# that did died) is sent to the workers again by the watchdog; a running one beats every fifth.
REPORT_STALL_SECONDS = env_int("REPORT_STALL_SECONDS", default=180, minimum=5)

# --- Matchmaking ----------------------------------------------------------------------------
# The engine's parameters (matchmaking/engine/params.py documents each one and its default):
# list length, weights of text / structure / fit, lexical share, feedback and diversity. Only
# values given here override the defaults.
MATCHING = {
    "k": env_int("MATCHING_K", default=20, minimum=1),
}
# Organisations per block of the full recompute; a Celery chunk takes two block rows of the
# pair matrix (map) or one block of lists (reduce).
MATCHING_BLOCK_SIZE = env_int("MATCHING_BLOCK_SIZE", default=1024, minimum=16)
# Seconds to wait after a change before updating the lists it affects (more changes of the same
# organisation within this time are handled by one update).
MATCHING_DEBOUNCE_SECONDS = env_int("MATCHING_DEBOUNCE_SECONDS", default=30, minimum=0)
# Time limits of the recompute's tasks: one chunk (seconds, usually done in a few), and the
# preparation, which embeds every new text (the first run of a large directory takes long).
MATCHING_CHUNK_TIME_LIMIT = env_int("MATCHING_CHUNK_TIME_LIMIT", default=5 * 60, minimum=60)
MATCHING_PREPARE_TIME_LIMIT = env_int("MATCHING_PREPARE_TIME_LIMIT", default=60 * 60, minimum=120)
# A recompute that shows no sign of life for this long (no heartbeat of its preparation, no chunk
# claimed, renewed or finished; workers renew five times in this period) is resumed by the watchdog.
MATCHING_STALL_SECONDS = env_int("MATCHING_STALL_SECONDS", default=150, minimum=5)
# Threads of the sentence encoder (and numpy's BLAS) per worker process.
MATCHING_THREADS = env_int("MATCHING_THREADS", default=2, minimum=1)

# --- Domain ---------------------------------------------------------------------------------
# How long a partnering profile stays published unless its owner renews it.
PARTNERING_PROFILE_VALIDITY_DAYS = env_int("PARTNERING_PROFILE_VALIDITY_DAYS", default=365, minimum=1)
