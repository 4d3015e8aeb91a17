"""What the partner API shows of the fairs app (the public fair calendar with its joint booths, never
fees, internal notes or exhibitors) and what a partner sends to register a member organisation."""

from decimal import Decimal

from django.db.models import (
    TextChoices,
)
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from companies import selectors as companies_selectors
from companies.api.serializers import SectorRefSerializer
from companies.models.organisations import Contact, Organisation
from fairs.choices import BoothState
from fairs.models import BoothRegistration, JointBooth, TradeFair
from fairs.selectors import public_booths
from wfs_portal.api import partner_key
from wfs_portal.choices import RegistrationState


def choice_field(choices: type[TextChoices], component_name: str) -> type[serializers.ChoiceField]:
    """A choice field whose values are their own schema component: the API has several fields called
    "state" or "role" with different choices, which drf-spectacular could otherwise only name by hash."""
    with translation.override("en"):
        described = "\n".join(f"* `{choice.value}` - {choice.label}" for choice in choices)
    schema = {"type": "string", "enum": list(choices.values), "description": described}
    field_class = type(f"{component_name}Field", (serializers.ChoiceField,), {})
    return extend_schema_field(schema, component_name=component_name)(field_class)


BoothStateField = choice_field(BoothState, "BoothState")
RegistrationStateField = choice_field(RegistrationState, "RegistrationState")


# --- the fair calendar --------------------------------------------------------------------------------


class JointBoothSerializer(serializers.ModelSerializer):
    state = BoothStateField(choices=BoothState.choices, read_only=True)
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


class MemberScopedField(serializers.PrimaryKeyRelatedField):
    """A record a partner key may name only when it is, or belongs to, one of the partner's member
    organisations (``member_field``: "pk" for an organisation, else the path to one); staff may
    name any. Unknown and foreign ids get the same answer, so a key cannot probe for them."""

    def __init__(self, *, member_field: str, **kwargs):
        self.member_field = member_field
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        key = partner_key(request) if request is not None else None
        if key is None:
            return queryset
        members = companies_selectors.partner_members(key.organisation)
        return queryset.filter(**{f"{self.member_field}__in": members})


def member_organisation_field(**kwargs) -> MemberScopedField:
    options = {"help_text": "One of the partner's member organisations (staff: any organisation).", **kwargs}
    return MemberScopedField(
        member_field="pk",
        queryset=Organisation.objects.all(),
        error_messages={"does_not_exist": _("No such organisation among those this API key may register.")},
        **options,
    )


def member_contact_field(**kwargs) -> MemberScopedField:
    options = {"help_text": "A contact person of the registered organisation (optional).", **kwargs}
    return MemberScopedField(
        member_field="organisation",
        queryset=Contact.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": _("No such contact person among those this API key may register.")},
        **options,
    )


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
class BoothRegistrationSerializer(serializers.ModelSerializer):
    booth = serializers.PrimaryKeyRelatedField(
        queryset=public_booths(), help_text="A joint booth (see the booths of trade-fairs)."
    )
    organisation = member_organisation_field()
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    contact = member_contact_field()
    state = RegistrationStateField(choices=RegistrationState.choices, read_only=True)

    class Meta:
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
        read_only_fields = ["applied_at", "decided_at", "updated"]
        extra_kwargs = {"requested_area_m2": {"min_value": Decimal("0.01")}}
        # The service answers a duplicate with its own message, inside the booth lock.
        validators = []
