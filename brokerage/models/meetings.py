"""Meetings in a slot at a meeting point, the seats that keep a participant in one meeting per
slot, what came of a meeting, the agreements it led to, and a participant's calendar feed."""

from django.conf import settings
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from brokerage.choices import (
    AgreementKind,
    FollowUpAnswer,
    MeetingVerdict,
)
from brokerage.models.events import MeetingPoint, Slot
from brokerage.models.participants import MeetingRequest, Participant
from companies.models.organisations import Organisation
from matchmaking.models.introductions import ContactRequest
from wfs_portal.constraints import one_per
from wfs_portal.models import TimeStampedModel, user_reference


class Meeting(TimeStampedModel):
    """An accepted request in a slot at a meeting point. ``published`` is false while it is only the
    scheduler's proposal; a meeting booked by the participants is published at once."""

    request = models.OneToOneField(
        MeetingRequest, verbose_name=_("meeting request"), on_delete=models.CASCADE, related_name="meeting"
    )
    slot = models.ForeignKey(Slot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="meetings")
    point = models.ForeignKey(
        MeetingPoint, verbose_name=_("meeting point"), on_delete=models.PROTECT, related_name="meetings"
    )
    booked = models.BooleanField(
        _("booked by the participants"), default=False, help_text=_("The scheduler keeps a booked meeting where it is.")
    )
    published = models.BooleanField(_("published"), default=False)
    booked_by = user_reference(_("booked by"))
    reminded_day_before_at = models.DateTimeField(_("reminded the day before"), null=True, blank=True, editable=False)
    reminded_soon_at = models.DateTimeField(_("reminded shortly before"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["slot__starts_at", "point__number"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            one_per(
                ["slot", "point"],
                _("This meeting point is taken in this slot already."),
                name="one_per_point_and_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.slot} · {self.point}"


class MeetingSeat(models.Model):
    """A participant's seat in a meeting: one per participant and slot, so the database refuses a
    second meeting in the same slot."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="seats")
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="seats"
    )
    slot = models.ForeignKey(Slot, verbose_name=_("slot"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        constraints = [
            one_per(
                ["participant", "slot"],
                _("This participant has a meeting in this slot already."),
                name="one_per_participant_and_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.slot}"


class MeetingOutcome(TimeStampedModel):
    """What came of a meeting as one side reports it; seen by staff only. Those who report
    "cooperation possible" are asked again three and six months later whether an agreement came
    about (``follow_up_*``)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="outcomes")
    participant = models.ForeignKey(
        Participant, verbose_name=_("reported by participant"), on_delete=models.CASCADE, related_name="outcomes"
    )
    verdict = models.CharField(_("what came of it"), max_length=30, choices=MeetingVerdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    reported_by = user_reference(_("reported by"))
    follow_up_3_sent_at = models.DateTimeField(_("asked after three months"), null=True, blank=True)
    follow_up_6_sent_at = models.DateTimeField(_("asked after six months"), null=True, blank=True)
    follow_up_answer = models.CharField(
        _("answer to the follow-up"), max_length=20, choices=FollowUpAnswer.choices, blank=True
    )
    follow_up_answered_at = models.DateTimeField(_("follow-up answered at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("meeting outcome")
        verbose_name_plural = _("meeting outcomes")
        constraints = [
            one_per(
                ["meeting", "participant"],
                _("Your organisation has reported on this meeting already."),
                name="one_per_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting.request} · {self.get_verdict_display()}"


class PartnershipAgreement(TimeStampedModel):
    """A partnership agreement that came of the agency's matchmaking, recorded by staff."""

    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    organisations = models.ManyToManyField(Organisation, verbose_name=_("partners"), related_name="agreements")
    signed_on = models.DateField(_("concluded on"))
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("from the meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreements",
    )
    introduction = models.ForeignKey(
        ContactRequest,
        verbose_name=_("from the introduction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    description = models.TextField(_("description"), blank=True)
    recorded_by = user_reference(_("recorded by"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-signed_on", "-pk"]
        verbose_name = _("partnership agreement")
        verbose_name_plural = _("partnership agreements")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({date_format(self.signed_on)})"


class CalendarFeed(models.Model):
    """A private calendar subscription of one person for one participant's agenda: the secret token
    is the only key, so it can be revoked (a new one replaces it)."""

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")
        constraints = [
            one_per(
                ["participant", "user"], _("This person has a calendar subscription already."), name="one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.participant}"
