"""Shared model pieces."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from wfs_portal.constraints import one_per


class TimeStampedModel(models.Model):
    """Abstract base: when a record was created and last changed."""

    created = models.DateTimeField(_("created"), auto_now_add=True, editable=False)
    updated = models.DateTimeField(_("updated"), auto_now=True, editable=False, db_index=True)

    class Meta:
        abstract = True


def localised(obj, field: str) -> str:
    """The value of ``<field>_de`` or ``<field>_en`` in the active language, falling back to the other
    language when the preferred one is empty (free-text fields are often filled in one language only)."""
    first, second = ("en", "de") if (get_language() or "de").startswith("en") else ("de", "en")
    return getattr(obj, f"{field}_{first}") or getattr(obj, f"{field}_{second}")


def localised_property(field: str) -> property:
    """A read-only attribute with the value of ``<field>_de`` or ``<field>_en`` (see localised)."""

    def value(obj) -> str:
        return localised(obj, field)

    return property(value, doc=f"{field} in the active language")


def user_reference(verbose_name, **options) -> models.ForeignKey:
    """The user who requested, decided or answers for a record. The user's side has no relation back
    to the records, and a deleted account leaves the record with nobody named."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        **options,
    )


class IdempotencyRecord(models.Model):
    """The first answer to a request that may be sent again: an API POST with an ``Idempotency-Key``
    header, or a portal form (its hidden submission token). A client that lost the answer (a
    timeout, a dropped connection) sends the same request again and gets the first answer instead of
    doing the thing twice or reading "already registered". Kept for a day (the outbox's clean-up)."""

    scope = models.CharField(_("scope"), max_length=100, help_text=_("Whose key: an API key or a portal user."))
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    body = models.JSONField(_("answer"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=500, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            one_per(["scope", "key"], _("This key was used already."), name="unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}: {self.key}"
