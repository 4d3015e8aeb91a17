"""Clusters, sector networks and industry associations, and the organisations' memberships in them."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.choices import ClusterRole
from companies.models.classifications import Sector, TechnologyField
from companies.models.organisations import Organisation
from wfs_portal.constraints import not_before, one_per
from wfs_portal.models import TimeStampedModel, localised_property


class Cluster(TimeStampedModel):
    """A cluster, sector network or industry association (e.g. biosaxony) and its members."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    managing_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("managing organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_clusters",
        help_text=_("The association or company that runs the cluster."),
    )
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="clusters")
    technology_fields = models.ManyToManyField(
        TechnologyField, verbose_name=_("technology fields"), blank=True, related_name="clusters"
    )
    members = models.ManyToManyField(
        Organisation, through="ClusterMembership", related_name="clusters", verbose_name=_("members")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self) -> str:
        return self.name

    description = localised_property("description")


class ClusterMembership(TimeStampedModel):
    """An organisation's membership in a cluster or network."""

    @staticmethod
    def current_q(prefix: str = "", on=None) -> Q:
        """The condition of a membership that is current on a day (today by default): not ended
        before it. ``prefix`` reaches memberships through a relation, e.g. "cluster_memberships__"."""
        on = on or timezone.localdate()
        return Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": on})

    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="cluster_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=ClusterRole.choices, default=ClusterRole.MEMBER)
    since = models.DateField(_("member since"), null=True, blank=True)
    until = models.DateField(_("member until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["cluster", "organisation"]
        verbose_name = _("cluster membership")
        verbose_name_plural = _("cluster memberships")
        permissions = [("import_clustermembership", _("Can import cluster memberships from a spreadsheet"))]
        constraints = [
            one_per(
                ["cluster", "organisation"],
                _("This organisation is already a member of this cluster."),
                name="unique_member",
            ),
            not_before(
                "until",
                "since",
                _("A membership cannot end before it began."),
                name="until_after_since",
                unless_empty=("until", "since"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.cluster}"
