"""API keys of partner organisations (clusters, chambers, regional agencies, technology parks).

The key itself is shown once when it is created and stored only as a hash
(djangorestframework-api-key); requests send it as ``Authorization: Api-Key <key>``."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey
from simple_history.models import HistoricalRecords

from companies.choices import ApiScope
from companies.models.organisations import Organisation


def validate_scopes(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Scopes are a list of names."), code="invalid")
    unknown = sorted(set(value) - set(ApiScope.values))
    if unknown:
        raise ValidationError(_("Unknown scopes: %(scopes)s"), code="invalid", params={"scopes": ", ".join(unknown)})


def validate_rate(value: str) -> None:
    """A DRF throttle rate such as ``600/min`` (or blank for the default)."""
    count, _sep, period = value.partition("/")
    if not (count.isdigit() and int(count) > 0 and period[:1] in {"s", "m", "h", "d"}):
        raise ValidationError(_("Write a rate as requests per period, e.g. 600/min or 10000/day."), code="invalid")


class PartnerApiKey(AbstractAPIKey):
    """An API key of one partner organisation, with the scopes it was granted."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("partner organisation"), on_delete=models.CASCADE, related_name="api_keys"
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True, validators=[validate_scopes])
    throttle_rate = models.CharField(
        _("request limit"),
        max_length=20,
        blank=True,
        validators=[validate_rate],
        help_text=_("Requests per period for this key, e.g. 600/min; blank for the default."),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["hashed_key", "last_used_at"])

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
