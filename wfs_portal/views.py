"""Operational endpoints."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok"}


def _check_cache() -> dict:
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
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"status": "ok"}


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
@require_GET
def health(request):
    """The state of the database, the cache and the Celery broker as JSON: 200 when everything that
    is configured answers, 503 otherwise. Errors name only their type, not hosts or credentials."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a health check reports every failure instead of raising it
            logger.warning("health check %s failed: %r", name, exc)
            results[name] = {"status": "error", "error": type(exc).__name__}
    healthy = all(result["status"] != "error" for result in results.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": results}, status=200 if healthy else 503)


def not_found(request, exception=None):
    """404: JSON under /api/ (a client of the API never gets an HTML page), Django's page elsewhere."""
    from django.utils.translation import gettext as _
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    """500: JSON under /api/, Django's page elsewhere."""
    from django.utils.translation import gettext as _
    from django.views.defaults import server_error as page_server_error

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return page_server_error(request)
