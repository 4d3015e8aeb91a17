from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from notifications import receivers  # noqa: F401 - connects the receivers
        from notifications.services import staff_alerts_ensure

        post_migrate.connect(staff_alerts_ensure, sender=self, dispatch_uid="notifications.staff_alerts_ensure")
