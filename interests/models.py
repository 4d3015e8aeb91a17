"""Expressions of interest in partnering profiles (double opt-in, as the introductions of
matchmaking) and follows of a profile or a search, with their weekly digest."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models.contacts import contact_person_field
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from interests.choices import FollowKind, InterestState
from wfs_portal.constraints import filled_when, one_per
from wfs_portal.fields import BoundedTextField
from wfs_portal.models import TimeStampedModel, user_reference


class ExpressionOfInterest(TimeStampedModel):
    """An organisation's interest in another's published partnering profile: its answers to the
    profile's questions and a message. The profile's owner accepts or declines; only an accepted
    one shows each side the contact person the other named (interests.selectors.partner_contact)."""

    profile = models.ForeignKey(
        PartneringProfile,
        verbose_name=_("partnering profile"),
        on_delete=models.CASCADE,
        related_name="expressions_of_interest",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("interested organisation"), on_delete=models.CASCADE, related_name="interests_sent"
    )
    user = user_reference(_("expressed by"))
    contact = contact_person_field(_("contact person of the interested organisation"))
    # [{"question": ..., "answer": ...}]: the questions as they read when the interest was expressed.
    answers = models.JSONField(_("answers"), default=list, blank=True)
    message = BoundedTextField(_("message"), max_length=1000, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=InterestState.choices, default=InterestState.REQUESTED)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = user_reference(_("decided by"))
    owner_contact = contact_person_field(_("contact person of the profile's organisation"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        constraints = [
            one_per(
                ["profile", "organisation"],
                _("Your organisation has already expressed interest in this profile."),
                name="one_open_per_profile",
                condition=Q(state=InterestState.REQUESTED),
            ),
            filled_when(
                ~Q(state=InterestState.REQUESTED),
                ["decided_at"],
                _("An answered or withdrawn expression of interest has the date it was."),
                name="closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.profile} ({self.get_state_display()})"


class Follow(TimeStampedModel):
    """A portal user follows a partnering profile (its changes) or a search (new published profiles
    matching it) and is e-mailed a weekly digest; stopped follows are kept with their date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="follows"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("for organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FollowKind.choices)
    profile = models.ForeignKey(
        PartneringProfile,
        verbose_name=_("partnering profile"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follows",
    )
    # The saved search: {"q": words, "type": profile type, "technology_field": id, "sector": id}.
    query = models.JSONField(_("search"), default=dict, blank=True)
    last_digest_at = models.DateTimeField(_("last digest at"), null=True, blank=True, editable=False)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            filled_when(
                Q(kind=FollowKind.PROFILE), ["profile"], _("Name the profile to follow."), name="profile_has_profile"
            ),
            one_per(
                ["user", "profile"],
                _("You already follow this profile."),
                name="one_active_per_profile",
                condition=Q(kind=FollowKind.PROFILE, stopped_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"
