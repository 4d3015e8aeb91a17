"""WSGI entry point (gunicorn wfs_portal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wfs_portal.settings")

application = get_wsgi_application()
