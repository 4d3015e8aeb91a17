"""What the partner API shows of the fairs app (the public fair calendar with its joint booths, never
fees, internal notes or exhibitors) and what a partner sends to register a member organisation."""

from decimal import Decimal

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from companies.api.serializers import SectorRefSerializer
from fairs.models import BoothRegistration, JointBooth, TradeFair
from fairs.selectors import public_booths
from wfs_portal.api_choices import choice_field
from wfs_portal.choices import EventState
from wfs_portal.registration_api import MemberRegistrationSerializer

BoothStateField = choice_field(EventState, "BoothState")


# --- the fair calendar --------------------------------------------------------------------------------


class JointBoothSerializer(serializers.ModelSerializer):
    state = BoothStateField(choices=EventState.choices, read_only=True)
    free_places = serializers.IntegerField(
        read_only=True, help_text="Places not taken by confirmed registrations (applications take none)."
    )
    free_area_m2 = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True, help_text="Area (m²) not taken by confirmed registrations."
    )
    is_open_for_registration = serializers.BooleanField(
        read_only=True, help_text="Open, and the registration deadline has not passed."
    )

    class Meta:
        model = JointBooth
        fields = [
            "id",
            "title",
            "hall",
            "stand",
            "state",
            "capacity",
            "total_area_m2",
            "registration_deadline",
            "is_open_for_registration",
            "free_places",
            "free_area_m2",
            "updated",
        ]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A fair with a joint booth",
            value={
                "id": 12,
                "name": "Arab Health",
                "city": "Dubai",
                "country": "AE",
                "start_date": "2027-01-25",
                "end_date": "2027-01-28",
                "programme_year": 2027,
                "website": "https://www.arabhealthonline.com",
                "description_de": "Die größte Gesundheitsmesse im Nahen Osten.",
                "description_en": "The largest healthcare fair in the Middle East.",
                "sectors": [{"code": "26.60", "name_de": "…", "name_en": "…"}],
                "booths": [
                    {
                        "id": 31,
                        "title": "Sachsen live",
                        "hall": "Z1",
                        "stand": "A10",
                        "state": "open",
                        "capacity": 8,
                        "total_area_m2": "100.00",
                        "registration_deadline": "2026-11-25",
                        "is_open_for_registration": True,
                        "free_places": 5,
                        "free_area_m2": "64.00",
                        "updated": "2026-11-02T10:15:00+01:00",
                    }
                ],
                "updated": "2026-11-02T10:15:00+01:00",
            },
        )
    ]
)
class TradeFairSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True, help_text="ISO 3166-1 alpha-2 code.")
    sectors = SectorRefSerializer(many=True, read_only=True)
    booths = JointBoothSerializer(
        many=True, read_only=True, source="public_booths", help_text="The agency's joint booths at this fair."
    )

    class Meta:
        model = TradeFair
        fields = [
            "id",
            "name",
            "city",
            "country",
            "start_date",
            "end_date",
            "programme_year",
            "website",
            "description_de",
            "description_en",
            "sectors",
            "booths",
            "updated",
        ]


# --- registrations on behalf of member organisations ---------------------------------------------------


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A registration for a joint booth",
            request_only=True,
            value={
                "booth": 31,
                "organisation": 42,
                "requested_area_m2": "12.00",
                "with_stand_construction": True,
                "products": "MEMS pressure sensors for infusion pumps",
                "de_minimis_declared": True,
                "no_double_funding_declared": True,
            },
        ),
        OpenApiExample(
            "A registration as stored",
            response_only=True,
            value={
                "id": 501,
                "booth": 31,
                "organisation": 42,
                "organisation_name": "Beispiel Sensorik GmbH",
                "contact": None,
                "requested_area_m2": "12.00",
                "with_stand_construction": True,
                "products": "MEMS pressure sensors for infusion pumps",
                "co_exhibitors": "",
                "de_minimis_declared": True,
                "no_double_funding_declared": True,
                "state": "applied",
                "applied_at": "2026-11-02T10:15:00+01:00",
                "decided_at": None,
                "updated": "2026-11-02T10:15:00+01:00",
            },
        ),
    ]
)
class BoothRegistrationSerializer(MemberRegistrationSerializer):
    booth = serializers.PrimaryKeyRelatedField(
        queryset=public_booths(), help_text="A joint booth (see the booths of trade-fairs)."
    )

    class Meta(MemberRegistrationSerializer.Meta):
        model = BoothRegistration
        fields = [
            "id",
            "booth",
            "organisation",
            "organisation_name",
            "contact",
            "requested_area_m2",
            "with_stand_construction",
            "products",
            "co_exhibitors",
            "de_minimis_declared",
            "no_double_funding_declared",
            "state",
            "applied_at",
            "decided_at",
            "updated",
        ]
        extra_kwargs = {"requested_area_m2": {"min_value": Decimal("0.01")}}
