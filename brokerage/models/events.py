"""Brokerage events and what they are made of: sessions cut into time slots, meeting points
(tables or online rooms) and the kinds of participation an event offers."""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from brokerage.choices import (
    EventFormat,
    SchedulingMode,
)
from delegations.models import Delegation
from fairs.models import TradeFair
from projects.models import Workshop
from wfs_portal.choices import EventState
from wfs_portal.constraints import not_before, one_per
from wfs_portal.models import TimeStampedModel, user_reference
from wfs_portal.registration_targets import (
    OpeningRule,
    RegistrationTarget,
    RegistrationTargetQuerySet,
    Requirement,
    deadline_not_passed,
)


def time_span(start: datetime.datetime, end: datetime.datetime, zone, day_format: str = "SHORT_DATE_FORMAT") -> str:
    """ "12.03.2027 10:00–10:30" in ``zone`` (an event's time zone), the day in ``day_format``."""
    start, end = timezone.localtime(start, zone), timezone.localtime(end, zone)
    return f"{date_format(start, day_format)} {date_format(start, 'TIME_FORMAT')}–{date_format(end, 'TIME_FORMAT')}"


SLOT_LENGTHS = [(15, _("15 minutes")), (20, _("20 minutes")), (30, _("30 minutes"))]


class BrokerageEvent(RegistrationTarget, TimeStampedModel):
    """A B2B meeting day (Kooperationsbörse)."""

    registration_rule = OpeningRule(
        Requirement(
            lambda today: Q(state=EventState.OPEN),
            lambda event: gettext("This brokerage event is not open for registration."),
        ),
        deadline_not_passed(optional=True),
    )

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    trade_fair = models.ForeignKey(
        TradeFair,
        verbose_name=_("trade fair"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="brokerage_events",
    )
    delegation = models.ForeignKey(
        Delegation,
        verbose_name=_("delegation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="brokerage_events",
    )
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("project workshop"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="brokerage_events",
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Berlin",
        help_text=_("The time zone of the place, e.g. Europe/Berlin or Asia/Shanghai; agendas show its times."),
    )
    format = models.CharField(_("format"), max_length=10, choices=EventFormat.choices, default=EventFormat.ON_SITE)
    state = models.CharField(_("state"), max_length=20, choices=EventState.choices, default=EventState.PLANNED)
    scheduling = models.CharField(
        _("scheduling"), max_length=20, choices=SchedulingMode.choices, default=SchedulingMode.SELF_BOOKING
    )
    registration_deadline = models.DateField(_("registration deadline"), null=True, blank=True)
    validate_participants = models.BooleanField(
        _("validate participants"),
        default=False,
        help_text=_("Participants are seen by others only after staff validated them."),
    )
    max_meetings = models.PositiveSmallIntegerField(
        _("meetings per participant"), default=12, help_text=_("At most this many meetings per participant.")
    )
    max_meetings_per_session = models.PositiveSmallIntegerField(
        _("meetings per participant and session"), default=0, help_text=_("0: no limit besides the slots.")
    )
    request_expiry_days = models.PositiveSmallIntegerField(
        _("requests expire after (days)"),
        default=5,
        help_text=_("A meeting request not answered within this many days expires."),
    )
    languages = models.CharField(
        _("languages"), max_length=100, blank=True, default="de,en", help_text=_("Comma-separated, e.g. de,en,cs.")
    )
    organiser = user_reference(_("responsible staff member"))
    schedule_figures = models.JSONField(
        _("last scheduler run"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("When the scheduler last ran and what it placed."),
    )
    history = HistoricalRecords()

    objects = RegistrationTargetQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("brokerage event")
        verbose_name_plural = _("brokerage events")

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> datetime.tzinfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return timezone.get_default_timezone()

    def clean(self):
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": _("Unknown time zone; write it as Europe/Berlin.")}) from None


class EventSession(models.Model):
    """A block of meetings on one day, cut into slots."""

    event = models.ForeignKey(
        BrokerageEvent, verbose_name=_("brokerage event"), on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length"), choices=SLOT_LENGTHS, default=30)
    pause_minutes = models.PositiveSmallIntegerField(
        _("pause between slots (minutes)"), default=0, help_text=_("Time to change tables between two meetings.")
    )

    class Meta:
        ordering = ["event", "starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            not_before("ends_at", "starts_at", _("A session cannot end before it starts."), name="ends_after_start"),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at, self.event.zone)
        return self.title or date_format(start, "SHORT_DATETIME_FORMAT")

    @property
    def label(self) -> str:
        """The session as a participant reads it: its title, day and hours in the event's time zone."""
        hours = time_span(self.starts_at, self.ends_at, self.event.zone, "DATE_FORMAT")
        return f"{self.title} ({hours})" if self.title else hours


class Slot(models.Model):
    """A time slot of a session; written by brokerage.services.events.session_slots_update."""

    session = models.ForeignKey(EventSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            one_per(["session", "starts_at"], _("This session has a slot at this time already."), name="one_per_time"),
        ]

    def __str__(self) -> str:
        return time_span(self.starts_at, self.ends_at, self.session.event.zone)


class MeetingPoint(models.Model):
    """A numbered table on site or an online room."""

    event = models.ForeignKey(
        BrokerageEvent, verbose_name=_("brokerage event"), on_delete=models.CASCADE, related_name="points"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    online = models.BooleanField(_("online room"), default=False)
    capacity = models.PositiveSmallIntegerField(_("seats"), default=4)
    interpreter = models.BooleanField(_("with interpreter"), default=False)
    link = models.URLField(_("link to the online room"), blank=True)

    class Meta:
        ordering = ["event", "online", "number"]
        verbose_name = _("meeting point")
        verbose_name_plural = _("meeting points")
        constraints = [
            one_per(["event", "number"], _("This event has a meeting point with this number already."), name="number"),
        ]

    def __str__(self) -> str:
        if self.online:
            return gettext("Online room %(number)s") % {"number": self.number}
        return gettext("Table %(number)s") % {"number": self.number}


class ParticipationType(models.Model):
    """A role the organiser offers at an event (e.g. buyer, supplier, research partner), and whom
    its participants may ask for a meeting."""

    event = models.ForeignKey(
        BrokerageEvent, verbose_name=_("brokerage event"), on_delete=models.CASCADE, related_name="participation_types"
    )
    name = models.CharField(_("name"), max_length=100)
    may_request = models.ManyToManyField(
        "self",
        verbose_name=_("may request meetings with"),
        symmetrical=False,
        blank=True,
        help_text=_("Empty: with every participant."),
    )

    class Meta:
        ordering = ["event", "name"]
        verbose_name = _("participation type")
        verbose_name_plural = _("participation types")
        constraints = [
            one_per(["event", "name"], _("This event has a participation type of this name already."), name="name"),
        ]

    def __str__(self) -> str:
        return self.name
