from django.db import models
from django.utils.translation import gettext_lazy as _

from companies.choices import ApiScope
from wfs_portal import events


class WebhookEvent(models.TextChoices):
    """The events a partner's endpoint may subscribe to (wfs_portal.events), and the ping."""

    ORGANISATION_UPDATED = events.ORGANISATION_UPDATED, _("An organisation of the directory changed")
    PROFILE_PUBLISHED = events.PROFILE_PUBLISHED, _("A partnering profile was published")
    PROFILE_WITHDRAWN = events.PROFILE_WITHDRAWN, _("A partnering profile was withdrawn")
    EVENT_PUBLISHED = events.EVENT_PUBLISHED, _("A trade fair booth or a delegation was announced")
    REGISTRATION_STATE_CHANGED = (
        events.REGISTRATION_STATE_CHANGED,
        _("A registration of a member organisation changed its state"),
    )
    MATCH_CREATED = events.MATCH_CREATED, _("A member organisation got a new partner match")
    PING = "webhook.ping", _("Test message (ping)")


# The scope a key needs for an event: the scope under which the API shows the same data.
EVENT_SCOPES = {
    WebhookEvent.ORGANISATION_UPDATED: ApiScope.DIRECTORY_READ,
    WebhookEvent.PROFILE_PUBLISHED: ApiScope.DIRECTORY_READ,
    WebhookEvent.PROFILE_WITHDRAWN: ApiScope.DIRECTORY_READ,
    WebhookEvent.EVENT_PUBLISHED: ApiScope.EVENTS_READ,
    WebhookEvent.REGISTRATION_STATE_CHANGED: ApiScope.REGISTRATIONS_WRITE,
    WebhookEvent.MATCH_CREATED: ApiScope.MATCHES_READ,
}
# Events an endpoint may choose (the ping is sent on request only).
SUBSCRIBABLE = [event for event in WebhookEvent if event != WebhookEvent.PING]


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("waiting")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("given up")
