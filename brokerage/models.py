"""Brokerage events (Kooperationsbörsen): B2B meeting days in time slots at numbered tables or in
online rooms, optionally at a trade fair, during a delegation or beside a project workshop.

An event has sessions (a day's block, cut into slots of 15, 20 or 30 minutes with an optional
pause between them), meeting points (tables with a capacity, online rooms with a link), and
participants (an organisation's registration: who attends, on site or online, which sessions,
which languages). Participants send each other meeting requests; an accepted request becomes a
meeting in a slot at a point, booked by the participants or placed by the organiser's scheduler.

The database keeps a slot from being given twice: a point hosts one meeting per slot, and a
participant sits in one meeting per slot (``MeetingSeat``), so two bookings of the last shared
slot cannot both succeed, whatever the application checked before."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from brokerage.choices import (
    SPOKEN_LANGUAGES,
    AgreementKind,
    Attendance,
    EventFormat,
    EventState,
    FollowUpAnswer,
    MeetingRequestState,
    MeetingVerdict,
    ParticipantState,
    SchedulingMode,
)
from companies.models.contacts import contact_person_field
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from delegations.models import Delegation
from fairs.models import TradeFair
from matchmaking.models.introductions import ContactRequest
from projects.models import Workshop
from wfs_portal.constraints import not_before, not_self, one_per
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
