"""Security headers, HTTPS in production, and the Content-Security-Policy."""

from wfs_portal.env import env_bool, env_int
from wfs_portal.settings_parts.mode import DEBUG

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
