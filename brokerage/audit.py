"""The audit reasons of brokerage events (wfs_portal.audit)."""

from django.utils.translation import pgettext_lazy

from wfs_portal.audit import declare

# participants (services/participants.py)
PARTICIPANT_REGISTERED = declare(
    "brokerage.participant.registered", pgettext_lazy("change reason", "registered for the brokerage event")
)
PARTICIPANT_VALIDATED = declare(
    "brokerage.participant.validated", pgettext_lazy("change reason", "participant validated")
)
PARTICIPANT_REJECTED = declare("brokerage.participant.rejected", pgettext_lazy("change reason", "participant rejected"))
PARTICIPANT_WITHDRAWN = declare(
    "brokerage.participant.withdrawn", pgettext_lazy("change reason", "participant withdrew")
)

# meeting requests (services/requests.py)
REQUEST_SENT = declare("brokerage.request.sent", pgettext_lazy("change reason", "meeting requested"))
REQUEST_ACCEPTED = declare("brokerage.request.accepted", pgettext_lazy("change reason", "meeting request accepted"))
REQUEST_DECLINED = declare("brokerage.request.declined", pgettext_lazy("change reason", "meeting request declined"))
REQUEST_WITHDRAWN = declare("brokerage.request.withdrawn", pgettext_lazy("change reason", "meeting request withdrawn"))
REQUEST_EXPIRED = declare(
    "brokerage.request.expired", pgettext_lazy("change reason", "meeting request expired without an answer")
)

# meetings (services/meetings.py)
MEETING_BOOKED = declare("brokerage.meeting.booked", pgettext_lazy("change reason", "meeting booked by a participant"))
MEETING_SCHEDULED = declare("brokerage.meeting.scheduled", pgettext_lazy("change reason", "placed by the scheduler"))
MEETING_PUBLISHED = declare("brokerage.meeting.published", pgettext_lazy("change reason", "schedule published"))

# what came of the meetings (services/outcomes.py)
OUTCOME_REPORTED = declare(
    "brokerage.outcome.reported", pgettext_lazy("change reason", "outcome reported in the portal")
)
OUTCOME_FOLLOWED_UP = declare(
    "brokerage.outcome.followed_up", pgettext_lazy("change reason", "asked whether an agreement came about")
)
OUTCOME_FOLLOW_UP_ANSWERED = declare(
    "brokerage.outcome.follow_up_answered", pgettext_lazy("change reason", "follow-up answered in the portal")
)
