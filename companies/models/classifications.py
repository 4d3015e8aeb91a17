"""The classifications organisations, clusters, profiles and events are tagged with: the sectors of
NACE Rev. 2 and the cross-cutting technology fields."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wfs_portal.models import TimeStampedModel, localised_property


class Sector(models.Model):
    """A class of the economic activity classification NACE Rev. 2 (German edition: WZ 2008).

    Four levels: section (letter, e.g. ``C``), division (``26``), group (``26.6``) and class
    (``26.60``). Loaded by a data migration from ``companies/data/nace_rev2.csv``."""

    class Level(models.IntegerChoices):
        SECTION = 1, _("Section")
        DIVISION = 2, _("Division")
        GROUP = 3, _("Group")
        CLASS = 4, _("Class")

    code = models.CharField(_("code"), max_length=8, unique=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    name_de = models.CharField(_("name (German)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    # The classification's own order (A, 01, 01.1, 01.11, …): sorting by code would put the
    # divisions before their section letters.
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        constraints = [
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="%(app_label)s_%(class)s_parent_matches_level",
                violation_error_message=_("A section has no parent; every other level needs one."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    name = localised_property("name")

    @property
    def section(self) -> "Sector":
        node = self
        while node.parent_id is not None:
            node = node.parent
        return node


class TechnologyField(TimeStampedModel):
    """A cross-cutting technology field (Querschnittstechnologie), e.g. Robotik und Automatisierung."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name_de = models.CharField(_("name (German)"), max_length=150, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=150, unique=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name_de"]
        verbose_name = _("technology field")
        verbose_name_plural = _("technology fields")

    def __str__(self) -> str:
        return self.name

    name = localised_property("name")
