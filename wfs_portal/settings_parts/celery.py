"""Celery: the broker and result backend, delivery that survives a killed worker or a Redis
outage, time limits, and beat's schedule in the database."""

from django.core.exceptions import ImproperlyConfigured

from wfs_portal.env import env_int, env_redis_url
from wfs_portal.settings_parts.i18n import TIME_ZONE

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
