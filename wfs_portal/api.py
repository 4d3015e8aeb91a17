"""The partner API's shared parts: authentication by API key or staff session, the scope each
endpoint needs, throttling per key, pagination, error bodies, and who writes. (The base viewset and
the documentation helpers are in wfs_portal/api_views.py, the routes in wfs_portal/api_urls.py:
REST framework imports this module while it starts, before any view may be imported.)"""

from __future__ import annotations

import datetime
import time

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, permissions, throttling
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework_api_key.permissions import KeyParser

from wfs_portal.audit import API_KEY_WRITE, API_WRITE, with_detail

# Query parameters a client might put a key in; a key in a URL ends up in logs and browser
# histories, so such a request is refused rather than ignored.
KEY_QUERY_PARAMETERS = ("api_key", "apikey", "api-key", "key", "token", "access_token")
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)  # how often "last used" is written


def api_key_model():
    """The model of partner API keys (settings.API_KEY_MODEL, as AUTH_USER_MODEL names the user
    model): the shell knows the keys' behaviour (prefix, is_valid, has_expired, has_scope,
    throttle_rate, organisation), not the app that keeps them."""
    return django_apps.get_model(settings.API_KEY_MODEL)


class PartnerKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>``: the request acts for the key's partner organisation
    (``request.auth`` is the ``PartnerApiKey``; ``request.user`` stays anonymous)."""

    keyword = "Api-Key"
    parser = KeyParser()

    def authenticate(self, request):
        PartnerApiKey = api_key_model()
        if any(name in request.query_params for name in KEY_QUERY_PARAMETERS):
            raise exceptions.AuthenticationFailed(
                _("API keys are accepted only in the Authorization header, never in the URL.")
            )
        key = self.parser.get(request._request)
        if key is None:
            return None
        key = key.strip()
        prefix = key.partition(".")[0]
        api_key = PartnerApiKey.objects.select_related("organisation").filter(prefix=prefix, revoked=False).first()
        if api_key is None or not api_key.is_valid(key):
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            PartnerApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
            api_key.last_used_at = now
        return (AnonymousUser(), api_key)

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class StaffSessionAuthentication(SessionAuthentication):
    """Agency staff use the API with their admin session (CSRF checked on writes)."""


def partner_key(request):
    """The request's partner API key, or None (staff session)."""
    return request.auth if isinstance(request.auth, api_key_model()) else None


class ScopePermission(permissions.BasePermission):
    """A partner key needs the scope the view names for the action (``view.scopes``: action or
    "read"/"write" -> scope); active staff may use every endpoint with their session; anybody
    else is refused: 401 without credentials, 403 for a company user's session."""

    def has_permission(self, request, view):
        key = partner_key(request)
        if key is not None and getattr(view, "action", "") is None:
            return True  # a method the endpoint does not have: the view answers 405
        if key is not None:
            scope = required_scope(view, request)
            if scope is None:
                raise exceptions.PermissionDenied(_("This endpoint is not open to API keys."))
            if not key.has_scope(scope):
                raise exceptions.PermissionDenied(_("This API key lacks the scope “%(scope)s”.") % {"scope": scope})
            return True
        user = request.user
        if user is None or not user.is_authenticated:
            raise exceptions.NotAuthenticated(_("Send an API key: Authorization: Api-Key <key>."))
        if not (user.is_active and user.is_staff):
            raise exceptions.PermissionDenied(_("The partner API is open to partner API keys and agency staff."))
        return True


def required_scope(view, request) -> str | None:
    scopes = getattr(view, "scopes", {})
    action = getattr(view, "action", None)
    if action in scopes:
        return scopes[action]
    return scopes.get("read" if request.method in permissions.SAFE_METHODS else "write")


class PartnerKeyThrottle(throttling.BaseThrottle):
    """Requests per API key and period: the key's own limit, or API_THROTTLE_RATE. Counted in fixed
    windows (the current minute, hour, …) with one atomic increment in the shared cache (Redis INCR),
    so a key gets exactly its limit per window however many web processes serve it; a sliding log
    of timestamps, read and written back by each process, lets concurrent requests through
    uncounted. Staff sessions are not limited."""

    scope = "partner_key"

    def __init__(self):
        self._wait: float | None = None

    def allow_request(self, request, view):
        key = partner_key(request)
        if key is None:
            return True
        allowed, duration = throttling.SimpleRateThrottle.parse_rate(
            None, key.throttle_rate or settings.API_THROTTLE_RATE
        )
        now = time.time()
        window = int(now // duration)
        counter = f"throttle:{self.scope}:{key.pk}:{duration}:{window}"
        # The counter outlives its window a little, then Redis drops it.
        cache.add(counter, 0, timeout=duration + 60)
        try:
            count = cache.incr(counter)
        except ValueError:  # dropped between add and incr (the cache was emptied): start again
            cache.add(counter, 0, timeout=duration + 60)
            count = cache.incr(counter)
        if count > allowed:
            self._wait = (window + 1) * duration - now
            return False
        return True

    def wait(self):
        return self._wait


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"

    @property
    def max_page_size(self):
        return settings.API_PAGE_SIZE_MAX


def exception_handler(exc, context):
    """DRF's error answers; a 401 always says how to authenticate."""
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 401 and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = PartnerKeyAuthentication().authenticate_header(context.get("request"))
    return response


def actor(request) -> dict:
    """Who writes, for a service's ``user`` and ``reason`` arguments: the staff member, or for a
    partner key no user and a change reason naming the key (the audit history shows it)."""
    key = partner_key(request)
    if key is not None:
        return {"user": None, "reason": with_detail(API_KEY_WRITE, f"{key.prefix} ({key.organisation})")}
    return {"user": request.user, "reason": API_WRITE}
