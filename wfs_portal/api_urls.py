"""/api/: version 1 of the partner API, its OpenAPI schema and its documentation pages (served
from the packages' own static files: no CDN)."""

from importlib import import_module

from django.apps import apps
from django.urls import include, path
from django.utils.module_loading import module_has_submodule
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

# The apps whose api/urls.py registers its viewsets (a function ``register(router)``).
API_APPS = ("companies", "projects", "fairs", "delegations", "reports")


class Router(DefaultRouter):
    include_root_view = False


router = Router()
for label in API_APPS:
    if apps.is_installed(label) and module_has_submodule(import_module(label), "api"):
        api = import_module(f"{label}.api")
        if module_has_submodule(api, "urls"):
            import_module(f"{label}.api.urls").register(router)

urlpatterns = [
    path("v1/", include((router.urls, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
