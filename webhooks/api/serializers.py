"""Serializers of the webhooks' partner API."""

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from webhooks.choices import SUBSCRIBABLE, DeliveryState, WebhookEvent
from webhooks.models import WebhookDelivery, WebhookEndpoint


class TextField(serializers.CharField):
    """A string, not a number turned into one (the schema says string)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "string",
        "format": "uri",
        "pattern": r"^https://([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(/[a-z0-9_-]+)*/?$",
        "maxLength": 200,
    }
)
class UrlField(TextField):
    """An https URL (plain http only to localhost where the portal allows it: development)."""


@extend_schema_field(
    {"type": "array", "items": {"type": "string", "enum": [str(e) for e in SUBSCRIBABLE]}, "minItems": 1}
)
class EventsField(serializers.MultipleChoiceField):
    """Events to receive, at least one."""


ENDPOINT_FIELDS = [
    "id",
    "url",
    "description",
    "events",
    "enabled",
    "failing_since",
    "disabled_at",
    "created",
    "updated",
]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "An endpoint",
            value={
                "id": 7,
                "url": "https://cluster.example/wfs-webhooks",
                "description": "Member registrations to our CRM",
                "events": ["registration.state_changed", "match.created"],
                "enabled": True,
                "failing_since": None,
                "disabled_at": None,
                "previous_secret_until": None,
                "created": "2026-11-02T10:15:00+01:00",
                "updated": "2026-11-02T10:15:00+01:00",
            },
        )
    ]
)
class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = EventsField(
        choices=[(e.value, e.label) for e in SUBSCRIBABLE],
        allow_empty=False,
        help_text="The events to receive; each needs the scope under which the API shows its data "
        "(directory:read, events:read, registrations:write, matches:read).",
    )
    url = UrlField(max_length=200, help_text="https:// (http:// only to localhost in development).")
    description = TextField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = WebhookEndpoint
        fields = [*ENDPOINT_FIELDS[:-2], "previous_secret_until", *ENDPOINT_FIELDS[-2:]]
        read_only_fields = ["enabled", "failing_since", "disabled_at", "previous_secret_until", "created", "updated"]

    def to_representation(self, instance):
        return {**super().to_representation(instance), "events": sorted(instance.events)}


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (whsec_…), shown only in this answer: verify `webhook-signature` with it.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret, shown only in this answer.")
    previous_secret_until = serializers.DateTimeField(help_text="Until then the previous secret signs too.")


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = serializers.ChoiceField(choices=WebhookEvent.choices)
    state = serializers.ChoiceField(choices=DeliveryState.choices)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "message_id",
            "endpoint",
            "event",
            "state",
            "payload",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_status",
            "last_response",
            "last_error",
            "delivered_at",
            "created",
        ]
        read_only_fields = fields
