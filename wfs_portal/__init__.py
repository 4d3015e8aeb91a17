# Load the Celery app with Django, so that @shared_task binds to it (the outbox relay publishes by task name).
from wfs_portal.celery import app as celery_app

__all__ = ("celery_app",)
