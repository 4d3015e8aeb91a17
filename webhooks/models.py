"""Partner webhooks: the endpoints a partner's API key registered, and every message sent to them.

An endpoint's secret (``whsec_`` and base64) signs each message as the Standard Webhooks
specification describes; it is shown once, when it is made (by the API, the admin or
``create_webhook``), and never again. After a rotation the previous secret signs too until
``previous_secret_until``."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models.api_keys import PartnerApiKey
from webhooks.choices import SUBSCRIBABLE, DeliveryState, WebhookEvent
from wfs_portal.constraints import filled_when
from wfs_portal.models import TimeStampedModel


def validate_events(value) -> None:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Choose at least one event."), code="invalid")
    unknown = sorted(set(value) - {str(event) for event in SUBSCRIBABLE})
    if unknown:
        raise ValidationError(_("Unknown events: %(events)s"), code="invalid", params={"events": ", ".join(unknown)})


class WebhookEndpoint(TimeStampedModel):
    """A URL of a partner that receives the events it chose, for what its API key may read."""

    api_key = models.ForeignKey(
        PartnerApiKey, verbose_name=_("API key"), on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=200)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list, validators=[validate_events])
    enabled = models.BooleanField(_("switched on"), default=True)
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    previous_secret = models.CharField(_("previous signing secret"), max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(_("previous secret valid until"), null=True, blank=True)
    failing_since = models.DateTimeField(
        _("failing since"), null=True, blank=True, help_text=_("The first failure since the last success.")
    )
    disabled_at = models.DateTimeField(_("switched off at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["secret", "previous_secret"])

    class Meta:
        ordering = ["api_key", "pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            filled_when(
                Q(previous_secret__gt=""),
                ["previous_secret_until"],
                _("A previous secret needs the time until which it stays valid."),
                name="previous_secret_has_end",
            ),
        ]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One message to one endpoint: its id (``webhook-id``, the same on every retry), event and
    payload, and what became of it."""

    message_id = models.CharField(_("message id"), max_length=40, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=50, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    locked_until = models.DateTimeField(_("being sent until"), null=True, blank=True, editable=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_response = models.CharField(_("last response (beginning)"), max_length=500, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhooks_delivery_due_idx",
                condition=Q(state=DeliveryState.PENDING),
            ),
        ]
        constraints = [
            filled_when(
                Q(state=DeliveryState.DELIVERED),
                ["delivered_at"],
                _("A delivered message needs its delivery date."),
                name="delivered_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.event})"
