from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WfsPortalConfig(AppConfig):
    name = "wfs_portal"
    verbose_name = _("WFS Portal")

    def ready(self):
        from wfs_portal import lookups  # noqa: F401  (registers the lookups on every field)
        from wfs_portal.schedules import ensure_periodic_tasks

        # After migrate, once django-celery-beat's tables exist.
        post_migrate.connect(ensure_periodic_tasks, sender=self, dispatch_uid="wfs_portal.ensure_periodic_tasks")
