"""/api/: version 1 of the partner API, its OpenAPI schema and its documentation pages (served
from the packages' own static files: no CDN; no inline script, for the Content-Security-Policy)."""

from importlib import import_module

from csp.constants import NONCE
from csp.decorators import csp_update
from django.apps import apps
from django.urls import include, path
from django.utils.module_loading import module_has_submodule
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

# The apps whose api/urls.py registers its viewsets (a function ``register(router)``).
API_APPS = ("companies", "matchmaking", "projects", "fairs", "delegations", "brokerage", "reports", "webhooks")


class Router(DefaultRouter):
    include_root_view = False


router = Router()
for label in API_APPS:
    if apps.is_installed(label) and module_has_submodule(import_module(label), "api"):
        api = import_module(f"{label}.api")
        if module_has_submodule(api, "urls"):
            import_module(f"{label}.api.urls").register(router)

# What Redoc needs beyond the portal's policy (settings.CONTENT_SECURITY_POLICY):
# - its styles are <style> elements. Those it writes once started carry this response's nonce, which
#   static/wfs_portal/redoc-init.js hands to it; the one its bundle writes while loading (the side
#   menu's scroll bar styles, written empty first) comes before any nonce and is allowed by the hashes
#   of its two states. They belong to the pinned drf-spectacular-sidecar: after an update that changes
#   them, tests/e2e/test_csp.py reports the violation with the new hash.
# - its search index runs in a web worker made from a blob: URL.
REDOC_CSP = {
    "style-src": [
        NONCE,
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
    ],
    "worker-src": ["'self'", "blob:"],
}

urlpatterns = [
    path("v1/", include((router.urls, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up code as a script of its own (?script), not inline.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", csp_update(REDOC_CSP)(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
]
