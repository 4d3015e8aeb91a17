"""Matchmaking's audit reasons (wfs_portal.audit): staff overrides, the organisations' feedback on
proposed partners, and introductions."""

from django.utils.translation import pgettext_lazy

from matchmaking.choices import FeedbackVerdict, OverrideAction
from wfs_portal.audit import declare

# staff overrides and feedback (services/steering.py), by the action or verdict
OVERRIDE_SET = {
    OverrideAction.PIN: declare("matchmaking.override.pinned", pgettext_lazy("change reason", "partner pinned")),
    OverrideAction.HIDE: declare("matchmaking.override.hidden", pgettext_lazy("change reason", "partner hidden")),
}
FEEDBACK_GIVEN = {
    FeedbackVerdict.INTERESTING: declare(
        "matchmaking.feedback.interesting", pgettext_lazy("change reason", "feedback: interesting")
    ),
    FeedbackVerdict.NOT_RELEVANT: declare(
        "matchmaking.feedback.not_relevant", pgettext_lazy("change reason", "feedback: not relevant")
    ),
}

# introductions (services/introductions.py); staff decide on the requested organisation's behalf
INTRODUCTION_REQUESTED = declare(
    "matchmaking.introduction.requested", pgettext_lazy("change reason", "introduction requested")
)
INTRODUCTION_ACCEPTED = declare(
    "matchmaking.introduction.accepted", pgettext_lazy("change reason", "introduction accepted")
)
INTRODUCTION_DECLINED = declare(
    "matchmaking.introduction.declined", pgettext_lazy("change reason", "introduction declined")
)
INTRODUCTION_WITHDRAWN = declare(
    "matchmaking.introduction.withdrawn", pgettext_lazy("change reason", "introduction withdrawn")
)
INTRODUCTION_ACCEPTED_BY_STAFF = declare(
    "matchmaking.introduction.accepted_by_staff",
    pgettext_lazy("change reason", "introduction accepted by the agency on behalf of the organisation"),
)
INTRODUCTION_DECLINED_BY_STAFF = declare(
    "matchmaking.introduction.declined_by_staff",
    pgettext_lazy("change reason", "introduction declined by the agency on behalf of the organisation"),
)
