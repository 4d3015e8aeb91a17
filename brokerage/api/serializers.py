"""What the partner API shows of brokerage events: published events with their counts, and the
meetings of a key's member organisations that both sides agreed to share."""

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from brokerage.choices import EventFormat
from brokerage.models.events import BrokerageEvent, EventSession
from brokerage.models.meetings import Meeting
from wfs_portal.api_choices import choice_field
from wfs_portal.choices import EventState

EventStateField = choice_field(EventState, "BrokerageEventState")
EventFormatField = choice_field(EventFormat, "BrokerageEventFormat")


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventSession
        fields = ["title", "starts_at", "ends_at", "slot_minutes"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A brokerage event at a trade fair",
            value={
                "id": 3,
                "title": "Kooperationsbörse Medizintechnik – CMEF 2027",
                "description": "Vereinbaren Sie vorab Gespräche mit Kliniken und Distributoren.",
                "trade_fair": 41,
                "delegation": None,
                "workshop": None,
                "place": "Shanghai, Gemeinschaftsstand Sachsen",
                "time_zone": "Asia/Shanghai",
                "format": "hybrid",
                "state": "open",
                "registration_deadline": "2027-03-28",
                "is_open_for_registration": True,
                "sessions": [
                    {
                        "title": "Vormittag",
                        "starts_at": "2027-04-12T10:00:00+08:00",
                        "ends_at": "2027-04-12T12:00:00+08:00",
                        "slot_minutes": 30,
                    }
                ],
                "participants": 42,
                "meetings_scheduled": 118,
                "meetings_realised": 0,
                "updated": "2026-11-02T10:15:00+01:00",
            },
        )
    ]
)
class BrokerageEventSerializer(serializers.ModelSerializer):
    state = EventStateField(choices=EventState.choices, read_only=True)
    format = EventFormatField(choices=EventFormat.choices, read_only=True)
    is_open_for_registration = serializers.BooleanField(
        read_only=True, help_text="Open, and the registration deadline (if any) has not passed."
    )
    sessions = SessionSerializer(many=True, read_only=True)
    participants = serializers.IntegerField(
        source="participant_count", read_only=True, help_text="Validated participants."
    )
    meetings_scheduled = serializers.IntegerField(read_only=True, help_text="Meetings published in the agendas.")
    meetings_realised = serializers.IntegerField(
        read_only=True, help_text="Scheduled meetings that took place, as at least one side reported."
    )

    class Meta:
        model = BrokerageEvent
        fields = [
            "id",
            "title",
            "description",
            "trade_fair",
            "delegation",
            "workshop",
            "place",
            "time_zone",
            "format",
            "state",
            "registration_deadline",
            "is_open_for_registration",
            "sessions",
            "participants",
            "meetings_scheduled",
            "meetings_realised",
            "updated",
        ]


class BrokerageMeetingSerializer(serializers.ModelSerializer):
    event = serializers.IntegerField(source="request.event_id", read_only=True)
    organisations = serializers.SerializerMethodField(help_text="The two organisations that meet (id and name).")
    starts_at = serializers.DateTimeField(source="slot.starts_at", read_only=True)
    ends_at = serializers.DateTimeField(source="slot.ends_at", read_only=True)
    meeting_point = serializers.CharField(source="point.__str__", read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "event", "organisations", "starts_at", "ends_at", "meeting_point", "updated"]

    def get_organisations(self, meeting) -> list[dict]:
        sides = (meeting.request.requester.organisation, meeting.request.recipient.organisation)
        return [{"id": organisation.pk, "name": organisation.name} for organisation in sides]
