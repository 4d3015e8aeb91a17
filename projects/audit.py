"""The projects' audit reasons (wfs_portal.audit): workshop join requests and the participants
they make."""

from django.utils.translation import pgettext_lazy

from wfs_portal.audit import declare

JOIN_REQUEST_REQUESTED_IN_PORTAL = declare(
    "projects.join_request.requested_in_portal",
    pgettext_lazy("change reason", "participation requested in the portal"),
)
JOIN_REQUEST_ACCEPTED = declare("projects.join_request.accepted", pgettext_lazy("change reason", "accepted"))
JOIN_REQUEST_DECLINED = declare("projects.join_request.declined", pgettext_lazy("change reason", "declined"))
# The participant an accepted join request makes.
PARTICIPANT_ACCEPTED = declare(
    "projects.participant.accepted", pgettext_lazy("change reason", "participation request accepted")
)
