"""The webhooks' audit reasons (wfs_portal.audit): why an endpoint changed."""

from django.utils.translation import pgettext_lazy

from wfs_portal.audit import declare

ENDPOINT_CREATED = declare("webhooks.endpoint.created", pgettext_lazy("change reason", "webhook endpoint created"))
ENDPOINT_CHANGED = declare("webhooks.endpoint.changed", pgettext_lazy("change reason", "webhook endpoint changed"))
SECRET_ROTATED = declare("webhooks.endpoint.secret_rotated", pgettext_lazy("change reason", "signing secret rotated"))
ENDPOINT_ENABLED = declare("webhooks.endpoint.enabled", pgettext_lazy("change reason", "switched on again"))
ENDPOINT_DISABLED = declare(
    "webhooks.endpoint.disabled", pgettext_lazy("change reason", "switched off after a day of failures")
)
