"""The Celery application: configured from Django settings (CELERY_* names), tasks discovered in
every installed app's ``tasks`` module."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wfs_portal.settings")

app = Celery("wfs_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
