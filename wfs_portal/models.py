"""Shared model pieces."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


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
