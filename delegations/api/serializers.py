"""What the partner API shows of the delegations app (the public delegation calendar, never
participants, the responsible staff member or internal notes) and what a partner sends to register
a member organisation."""

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from companies.api.serializers import SectorRefSerializer
from delegations.choices import ParticipantRole
from delegations.models import Delegation, DelegationParticipant
from delegations.selectors import public_delegations
from wfs_portal.api_choices import choice_field
from wfs_portal.choices import EventState
from wfs_portal.registration_api import MemberRegistrationSerializer

DelegationStateField = choice_field(EventState, "DelegationState")
ParticipantRoleField = choice_field(ParticipantRole, "ParticipantRole")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "An outbound delegation trip",
            value={
                "id": 7,
                "direction": "outbound",
                "title": "Unternehmerreise Vietnam",
                "countries": ["VN"],
                "cities": "Hanoi, Ho-Chi-Minh-Stadt",
                "start_date": "2027-03-08",
                "end_date": "2027-03-12",
                "theme": "Medizintechnik",
                "description": "Besuche bei Kliniken und Distributoren, Kooperationsbörse in Hanoi.",
                "political_lead": "Staatsminister für Wirtschaft, Arbeit und Verkehr",
                "sectors": [{"code": "26.60", "name_de": "…", "name_en": "…"}],
                "state": "open",
                "capacity": 15,
                "registration_deadline": "2027-02-15",
                "is_open_for_registration": True,
                "free_places": 9,
                "updated": "2026-11-02T10:15:00+01:00",
            },
        )
    ]
)
class DelegationSerializer(serializers.ModelSerializer):
    countries = serializers.SerializerMethodField(help_text="ISO 3166-1 alpha-2 codes.")
    sectors = SectorRefSerializer(many=True, read_only=True)
    state = DelegationStateField(choices=EventState.choices, read_only=True)
    is_open_for_registration = serializers.BooleanField(
        read_only=True, help_text="Open, and the registration deadline (if any) has not passed."
    )
    free_places = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Places not held by confirmed participants (applications hold none); null without a limit.",
    )

    class Meta:
        model = Delegation
        fields = [
            "id",
            "direction",
            "title",
            "countries",
            "cities",
            "start_date",
            "end_date",
            "theme",
            "description",
            "political_lead",
            "sectors",
            "state",
            "capacity",
            "registration_deadline",
            "is_open_for_registration",
            "free_places",
            "updated",
        ]

    def get_countries(self, obj) -> list[str]:
        return [country.code for country in obj.countries]


# --- registrations on behalf of member organisations ---------------------------------------------------


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A registration for a delegation",
            request_only=True,
            value={"delegation": 7, "organisation": 42, "contact": 5},
        ),
        OpenApiExample(
            "A registration as stored",
            response_only=True,
            value={
                "id": 88,
                "delegation": 7,
                "organisation": 42,
                "organisation_name": "Beispiel Sensorik GmbH",
                "contact": 5,
                "role": "participant",
                "state": "applied",
                "applied_at": "2026-11-02T10:15:00+01:00",
                "decided_at": None,
                "updated": "2026-11-02T10:15:00+01:00",
            },
        ),
    ]
)
class DelegationParticipantSerializer(MemberRegistrationSerializer):
    delegation = serializers.PrimaryKeyRelatedField(
        queryset=public_delegations(), help_text="A delegation (see delegations)."
    )
    role = ParticipantRoleField(choices=ParticipantRole.choices, read_only=True)

    class Meta(MemberRegistrationSerializer.Meta):
        model = DelegationParticipant
        fields = [
            "id",
            "delegation",
            "organisation",
            "organisation_name",
            "contact",
            "role",
            "state",
            "applied_at",
            "decided_at",
            "updated",
        ]
        extra_kwargs = {"contact": {"help_text": "The organisation's person on the trip (optional)."}}
