"""Operational endpoints and the error pages."""

import logging
import sys
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# /health/ answers within this many seconds whatever hangs (the orchestrator's check gives up at 5).
HEALTH_DEADLINE_SECONDS = 1.5
# A failed request is answered "come back in a minute" when it failed because a service is away.
RETRY_AFTER_SECONDS = 30
INFRASTRUCTURE_ERRORS = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerError,
    ConnectionError,
    TimeoutError,
)


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # the checking thread's own connection
    return {"status": "ok"}


def _check_cache() -> dict:
    if hasattr(cache, "ping"):
        # Redis itself: the fallback would answer for it while it is away.
        cache.ping()
        return {"status": "ok"}
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("value written to the cache could not be read back")
    cache.delete(key)
    return {"status": "ok"}


def _check_broker() -> dict:
    from wfs_portal.celery import app

    if app.conf.task_always_eager:
        # No broker configured: tasks run in-process, there is nothing to be down.
        return {"status": "not_configured"}
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=1)
    return {"status": "ok"}


def _check_outbox() -> dict:
    """What waits to be delivered and what failed for good. Informative: a backlog means a service
    is (or was) away, which the other checks say; it does not make the portal unhealthy."""
    from outbox.selectors import backlog

    try:
        return {"status": "ok", **backlog()}
    finally:
        connection.close()


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker, "outbox": _check_outbox}
INFORMATIVE = {"outbox"}

# The checks run in threads of their own, so that one that hangs (a database that accepts the
# connection but never answers) cannot hold up the answer. A check still running from an earlier
# request is not started again: the answer says it timed out, and no threads pile up.
_executor = ThreadPoolExecutor(max_workers=len(CHECKS) * 2, thread_name_prefix="health")
_running: dict[str, Future] = {}
_running_lock = threading.Lock()


def _start(name: str, check) -> Future:
    with _running_lock:
        future = _running.get(name)
        if future is None or future.done():
            future = _running[name] = _executor.submit(check)
        return future


@never_cache
@require_GET
def health(request):
    """The state of the database, the cache, the Celery broker and the outbox as JSON: 200 when
    everything that is configured answers, 503 otherwise, within HEALTH_DEADLINE_SECONDS. Errors
    name only their type, not hosts or credentials."""
    deadline = time.monotonic() + HEALTH_DEADLINE_SECONDS
    futures = {name: _start(name, check) for name, check in CHECKS.items()}
    results = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(deadline - time.monotonic(), 0))
        except FutureTimeout:
            results[name] = {"status": "error", "error": "Timeout"}
        except Exception as exc:  # a health check reports every failure instead of raising it
            logger.warning("health check %s failed: %r", name, exc)
            results[name] = {"status": "error", "error": type(exc).__name__}
    healthy = all(result["status"] != "error" for name, result in results.items() if name not in INFORMATIVE)
    return JsonResponse({"status": "ok" if healthy else "error", "checks": results}, status=200 if healthy else 503)


def not_found(request, exception=None):
    """404: JSON under /api/ (a client of the API never gets an HTML page), Django's page elsewhere."""
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    """500, or 503 with Retry-After when the request failed because the database, Redis or the
    broker is away: JSON under /api/, else the portal's own page in the reader's language. The page
    is rendered without the context processors, which might need the database that is away."""
    error = sys.exc_info()[1]
    unavailable = isinstance(error, INFRASTRUCTURE_ERRORS)
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        detail = _("The service is unavailable for a moment. Please try again shortly.") if unavailable else None
        response = JsonResponse({"detail": detail or _("Server error.")}, status=status)
    else:
        template = loader.get_template("503.html" if unavailable else "500.html")
        response = HttpResponse(template.render({"retry_after": RETRY_AFTER_SECONDS}), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
