"""The partner API: Django REST framework (authentication, scopes, throttling, pagination) and the
OpenAPI schema of drf-spectacular."""

import re

from django.core.exceptions import ImproperlyConfigured

from wfs_portal.env import env_str

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
