"""Choices of brokerage events: the event's format and scheduling mode (its state is the shared
``wfs_portal.choices.EventState``), a participant's attendance and state, a meeting request's state."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventFormat(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid (on site and online)")


class SchedulingMode(models.TextChoices):
    SELF_BOOKING = "self_booking", _("Participants book a free slot that suits both sides")
    ORGANISER = "organiser", _("The organiser runs the scheduler and publishes the result")


class Attendance(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    ONLINE = "online", _("Online")


class ParticipantState(models.TextChoices):
    REGISTERED = "registered", _("Registered, awaiting validation")
    VALIDATED = "validated", _("Validated")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MeetingRequestState(models.TextChoices):
    REQUESTED = "requested", _("Awaiting an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired without an answer")


class MeetingVerdict(models.TextChoices):
    """What came of a meeting, as each side reports it (seen by staff only)."""

    NOT_HELD = "not_held", _("Did not take place")
    NO_INTEREST = "no_interest", _("No interest")
    INFORMATIVE = "informative", _("Informative, no cooperation planned")
    COOPERATION_POSSIBLE = "cooperation_possible", _("Cooperation possible")


class AgreementKind(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial agreement")
    TECHNICAL = "technical", _("Technical cooperation")
    RESEARCH = "research", _("Research cooperation")


class FollowUpAnswer(models.TextChoices):
    AGREEMENT = "agreement", _("Yes, we concluded an agreement")
    NEGOTIATING = "negotiating", _("Still in talks")
    NO_AGREEMENT = "no_agreement", _("No, nothing came of it")


# The languages a participant may name (ISO 639-1), in the order the form offers them.
SPOKEN_LANGUAGES = [
    ("de", _("German")),
    ("en", _("English")),
    ("cs", _("Czech")),
    ("pl", _("Polish")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("ru", _("Russian")),
    ("zh", _("Chinese")),
    ("ja", _("Japanese")),
    ("ar", _("Arabic")),
]
