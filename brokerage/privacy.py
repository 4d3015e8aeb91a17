"""What the brokerage app holds about a company user and their organisations (wfs_portal.privacy):
the organisations' participations in brokerage events with their meeting requests, meetings and
their own reports on them, and the user's calendar subscriptions (whose tokens are erased with
the account: CalendarFeed's user cascades)."""

from django.db.models import Q

from brokerage.models.meetings import CalendarFeed, MeetingOutcome
from brokerage.models.participants import MeetingRequest, Participant
from wfs_portal.privacy import json_value, organisation_ref


def organisation_export(organisation, user) -> dict:
    participations = []
    for participant in Participant.objects.filter(organisation=organisation).select_related("event").order_by("pk"):
        requests = MeetingRequest.objects.filter(Q(requester=participant) | Q(recipient=participant)).select_related(
            "requester__organisation", "recipient__organisation", "meeting__slot", "meeting__point"
        )
        own_reports = {o.meeting_id: o for o in MeetingOutcome.objects.filter(participant=participant)}
        rows = []
        for request in requests.order_by("created", "pk"):
            meeting = getattr(request, "meeting", None)
            rows.append(
                {
                    "from": organisation_ref(request.requester.organisation),
                    "to": organisation_ref(request.recipient.organisation),
                    "message": request.message,
                    "state": request.state,
                    "created": json_value(request.created),
                    "meeting": {
                        "starts_at": json_value(meeting.slot.starts_at),
                        "point": str(meeting.point),
                        "your_report": own_reports[meeting.pk].verdict if meeting.pk in own_reports else None,
                    }
                    if meeting is not None and meeting.published
                    else None,
                }
            )
        participations.append(
            {
                "event": participant.event.title,
                "state": participant.state,
                "attendance": participant.attendance,
                "languages": participant.languages,
                "offer": participant.offer,
                "request": participant.request,
                "share_meetings": participant.share_meetings,
                "registered": json_value(participant.created),
                "meeting_requests": rows,
            }
        )
    return {"brokerage_participations": participations}


def user_export(user) -> dict:
    return {
        "calendar_subscriptions": [
            {"event": feed.participant.event.title, "organisation": organisation_ref(feed.participant.organisation)}
            for feed in CalendarFeed.objects.filter(user=user).select_related(
                "participant__event", "participant__organisation"
            )
        ]
    }
