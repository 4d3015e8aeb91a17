"""Introductions: an organisation asks the agency to introduce it to a proposed partner; contact
details are exchanged only when the partner accepts (double opt-in)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models.organisations import Organisation
from matchmaking.choices import ContactRequestState
from wfs_portal.constraints import not_self, one_per
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
            one_per(
                ["requester", "target"],
                _("An introduction to this partner has already been requested."),
                name="one_open_per_pair",
                condition=Q(state="requested"),
            ),
            not_self("requester", "target", _("An organisation cannot ask to be introduced to itself.")),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.target} ({self.get_state_display()})"
