"""Reads of brokerage events."""

from brokerage.models import Meeting, Participant


def agenda(participant: Participant) -> list[Meeting]:
    """The participant's published meetings in time order, each with ``partner_name``."""
    meetings = list(
        Meeting.objects.filter(seats__participant=participant, published=True)
        .select_related(
            "slot__session__event", "point", "request__requester__organisation", "request__recipient__organisation"
        )
        .order_by("slot__starts_at")
    )
    for meeting in meetings:
        other = (
            meeting.request.recipient if meeting.request.requester_id == participant.pk else meeting.request.requester
        )
        meeting.partner_name = other.organisation.name
    return meetings
