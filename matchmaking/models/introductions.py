"""Introductions: an organisation asks the agency to introduce it to a proposed partner; contact
details are exchanged only when the partner accepts (double opt-in)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models.organisations import Organisation
from matchmaking.choices import ContactRequestState
from wfs_portal.fields import BoundedTextField
from wfs_portal.models import TimeStampedModel


class ContactRequest(TimeStampedModel):
    """A request for an introduction to a matched partner (double opt-in): contact details are shared
    only once the partner accepted."""

    requester = models.ForeignKey(
        Organisation, verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="contact_requests_sent"
    )
    target = models.ForeignKey(
        Organisation, verbose_name=_("requested partner"), on_delete=models.CASCADE, related_name="contact_requests"
    )
    message = BoundedTextField(_("message"), max_length=1000, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=ContactRequestState.choices, default=ContactRequestState.REQUESTED
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("introduction request")
        verbose_name_plural = _("introduction requests")
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "target"],
                condition=Q(state="requested"),
                name="%(app_label)s_%(class)s_one_open_per_pair",
                violation_error_message=_("An introduction to this partner has already been requested."),
            ),
            models.CheckConstraint(
                condition=~Q(requester=F("target")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message=_("An organisation cannot ask to be introduced to itself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.target} ({self.get_state_display()})"
