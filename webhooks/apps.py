from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Partner webhooks")

    def ready(self):
        from webhooks.services.publishing import event_published
        from wfs_portal import events

        events.subscribe(event_published)
