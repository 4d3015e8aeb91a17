"""Settings of the WFS Portal, read from the environment only (see .env.example).

Two modes: with DJANGO_DEBUG=true (the default of a source checkout) a laptop runs the portal with
nothing installed: SQLite, a local-memory cache, the console e-mail backend and Celery tasks run
in-process. With DJANGO_DEBUG=false (the default of the container image) a secret key and allowed
hosts are required and the security settings are on (wfs_portal/settings_parts/security.py), so
that ``manage.py check --deploy --fail-level WARNING`` passes.

The settings of one concern are a module of their own in wfs_portal/settings_parts/, named for it
and imported below (accounts, api, celery, i18n, logging, mode, security); this module holds the
rest: secret key and hosts, apps and middleware, database, cache, files, e-mail and the figures of
the outbox, reports and matchmaking.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from wfs_portal.env import env_bool, env_db_url, env_email_url, env_int, env_list, env_redis_url, env_str
from wfs_portal.settings_parts.accounts import *  # noqa: F403
from wfs_portal.settings_parts.api import *  # noqa: F403
from wfs_portal.settings_parts.celery import *  # noqa: F403
from wfs_portal.settings_parts.i18n import *  # noqa: F403
from wfs_portal.settings_parts.logging import *  # noqa: F403
from wfs_portal.settings_parts.mode import BASE_DIR, DEBUG
from wfs_portal.settings_parts.security import *  # noqa: F403
from wfs_portal.settings_parts.webhooks import *  # noqa: F403

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
    "interests",
    "marketplace",
    "brokerage",
    "webhooks",
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
    # The Content-Security-Policy header (wfs_portal/settings_parts/security.py); a header that a
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
# Who the notification door tells about an organisation (notifications.door.representatives): the
# users of its approved representations, as the directory defines them.
NOTIFICATION_REPRESENTATIVES = "companies.selectors.representative_users"
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
# Without a broker (a laptop), a message due later (a webhook's retry, a debounced update) is
# delivered at its time by a timer of the process that wrote it; off, it is delivered at once like
# the rest (the test suite does not wait).
OUTBOX_DELIVER_LATER_IN_PROCESS = env_bool("OUTBOX_DELIVER_LATER_IN_PROCESS", default=True)
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
# pair matrix (map) or one block of lists (reduce). Larger blocks make fewer chunks, each of which
# costs a pass over every column for the rows its candidates left short (at 200,000 organisations
# 2,048 instead of 1,024 took the reduce phase from 55 s to 45-53 s; a block pair's matrices are 16 MB each).
MATCHING_BLOCK_SIZE = env_int("MATCHING_BLOCK_SIZE", default=2048, minimum=16)
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
# BLAS threads of a recompute's preparation (the pre-filter's products and thresholds): it runs alone,
# while the other worker processes wait for its chunks, so it may use their cores.
MATCHING_PREPARE_THREADS = env_int("MATCHING_PREPARE_THREADS", default=2, minimum=1)

# --- Domain ---------------------------------------------------------------------------------
# How long a partnering profile stays published unless its owner renews it.
PARTNERING_PROFILE_VALIDITY_DAYS = env_int("PARTNERING_PROFILE_VALIDITY_DAYS", default=365, minimum=1)
# Partnering profiles are published after staff reviewed them (companies/services/reviews.py); with
# this set, a verified organisation's profile is published as soon as its representative submits it.
PUBLISH_VERIFIED_PROFILES_WITHOUT_REVIEW = env_bool("PUBLISH_VERIFIED_PROFILES_WITHOUT_REVIEW", default=False)

# --- Search ---------------------------------------------------------------------------------
# The directory's search (companies/search.py) ranks by meaning with the function named here (the
# matchmaking's sentence embeddings), so that companies imports nothing above it; empty: without.
SEARCH_SEMANTIC_RANKER = env_str("SEARCH_SEMANTIC_RANKER", default="matchmaking.search_vectors.nearest")
# How often a process looks for changed profiles and new embeddings before a search (seconds).
SEARCH_VECTORS_REFRESH_SECONDS = env_int("SEARCH_VECTORS_REFRESH_SECONDS", default=10, minimum=0)
