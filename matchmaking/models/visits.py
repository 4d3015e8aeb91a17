"""What the portal remembers of a user's visits to an organisation's pages: the partner list as it
stood, so that the home and the match list can say which partner suggestions are new since."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from companies.models.organisations import Organisation
from wfs_portal.constraints import one_per


class PortalVisit(models.Model):
    """A user's visits to the portal for one organisation (one row per user and organisation).

    A visit is a run of portal pages with no pause longer than
    matchmaking.services.visits.VISIT_PAUSE; ``partners_before`` is the organisation's partner list
    as the previous visit last saw it, ``partners_seen`` the list as the current visit last saw it.
    A suggestion is new while its partner is missing from ``partners_before``, so it stays marked
    for the whole visit in which it first shows, on the home as in the match list. Matches carry no
    date of their own (a recompute rewrites every row), which is why the list itself is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    started_at = models.DateTimeField(_("visit started at"))
    seen_at = models.DateTimeField(_("last seen at"))
    partners_before = models.JSONField(_("partners at the previous visit"), default=list, blank=True)
    partners_seen = models.JSONField(_("partners at this visit"), default=list, blank=True)

    class Meta:
        ordering = ["user", "organisation"]
        verbose_name = _("portal visit")
        verbose_name_plural = _("portal visits")
        constraints = [
            one_per(
                ["user", "organisation"],
                _("This user's visits to this organisation are recorded already."),
                name="unique_user_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation}"
