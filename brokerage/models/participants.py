"""Who takes part in a brokerage event, and the meeting requests participants send each other."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from brokerage.choices import (
    SPOKEN_LANGUAGES,
    Attendance,
    MeetingRequestState,
    ParticipantState,
)
from brokerage.models.events import BrokerageEvent, EventSession, ParticipationType
from companies.models.contacts import contact_person_field
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from wfs_portal.constraints import not_self, one_per
from wfs_portal.models import TimeStampedModel, user_reference


class Participant(TimeStampedModel):
    """An organisation's registration for a brokerage event."""

    event = models.ForeignKey(
        BrokerageEvent, verbose_name=_("brokerage event"), on_delete=models.CASCADE, related_name="participants"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="brokerage_participations",
    )
    participation_type = models.ForeignKey(
        ParticipationType,
        verbose_name=_("taking part as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participants",
    )
    contact = contact_person_field(_("attending person"))
    persons = models.PositiveSmallIntegerField(_("persons attending"), default=1)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.ON_SITE
    )
    sessions = models.ManyToManyField(
        EventSession, verbose_name=_("available in"), related_name="participants", blank=True
    )
    languages = models.CharField(_("languages spoken"), max_length=100, default="de,en")
    offer = models.TextField(_("what we offer"), blank=True)
    request = models.TextField(_("what we are looking for"), blank=True)
    profiles = models.ManyToManyField(
        PartneringProfile,
        verbose_name=_("partnering profiles shown"),
        blank=True,
        related_name="brokerage_participations",
        help_text=_("Published profiles of the organisation that other participants see in the participant list."),
    )
    share_meetings = models.BooleanField(
        _("share our meetings with our networks"),
        default=False,
        help_text=_(
            "The clusters and networks your organisation belongs to may read your meetings at this event "
            "through the partner interface, where the other side agreed too."
        ),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ParticipantState.choices, default=ParticipantState.REGISTERED
    )
    registered_by = user_reference(_("registered by"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["event", "organisation__name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            one_per(
                ["event", "organisation"],
                _("This organisation is registered for this event already."),
                name="one_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.event}"

    @property
    def language_set(self) -> frozenset[str]:
        return frozenset(code.strip().lower() for code in self.languages.split(",") if code.strip())

    @property
    def language_names(self) -> str:
        names = dict(SPOKEN_LANGUAGES)
        return ", ".join(str(names.get(code, code)) for code in sorted(self.language_set, key=list(names).index))


class MeetingRequest(TimeStampedModel):
    """One participant asks another for a meeting."""

    event = models.ForeignKey(
        BrokerageEvent, verbose_name=_("brokerage event"), on_delete=models.CASCADE, related_name="meeting_requests"
    )
    requester = models.ForeignKey(
        Participant, verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="requests_sent"
    )
    recipient = models.ForeignKey(
        Participant, verbose_name=_("requested from"), on_delete=models.CASCADE, related_name="requests_received"
    )
    message = models.TextField(_("message"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=MeetingRequestState.choices, default=MeetingRequestState.REQUESTED
    )
    mutual = models.BooleanField(
        _("wanted by both"), default=False, help_text=_("The recipient had asked for this meeting too.")
    )
    score = models.PositiveSmallIntegerField(
        _("match score (%)"), default=0, help_text=_("The engine's score for the pair when the request was made.")
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["event", "-created"]
        verbose_name = _("meeting request")
        verbose_name_plural = _("meeting requests")
        constraints = [
            not_self("requester", "recipient", _("A participant cannot request a meeting with itself.")),
            one_per(
                ["requester", "recipient"],
                _("You have asked this participant for a meeting already."),
                name="one_open_per_pair",
                condition=Q(state__in=[MeetingRequestState.REQUESTED, MeetingRequestState.ACCEPTED]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester.organisation} → {self.recipient.organisation}"
