"""Company users and the organisations they act for in the portal."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.choices import RepresentationState, RepresentativeRole
from wfs_portal.constraints import filled_when, one_per
from wfs_portal.fields import BoundedTextField
from wfs_portal.models import TimeStampedModel, user_reference


class Representative(TimeStampedModel):
    """A user who acts for an organisation in the portal, or asks to.

    The user who registers an organisation becomes its first administrator at once; anybody else
    asks to join, and an administrator of the organisation or a staff member decides. Only approved
    representations give access to the organisation's data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="representations"
    )
    organisation = models.ForeignKey(
        "companies.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="representatives",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=RepresentativeRole.choices, default=RepresentativeRole.EDITOR
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=RepresentationState.choices,
        default=RepresentationState.REQUESTED,
        db_index=True,
    )
    message = BoundedTextField(
        _("message"),
        max_length=1000,
        blank=True,
        help_text=_("What the user wrote with the request, e.g. their position."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = user_reference(_("decided by"), help_text=_("Empty for the user who registered the organisation."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "-created"]
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        constraints = [
            # One row per user and organisation: a second request re-opens the declined one, so the
            # history of a person's requests stays in one place.
            one_per(
                ["user", "organisation"],
                _("This user already represents or asked to represent this organisation."),
                name="unique_user_organisation",
            ),
            filled_when(
                ~Q(state=RepresentationState.REQUESTED),
                ["decided_at"],
                _("An approved or declined request needs the date of the decision."),
                name="decided_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation}"

    @property
    def is_approved(self) -> bool:
        return self.state == RepresentationState.APPROVED
