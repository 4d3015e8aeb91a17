"""Serializers of the webhooks' partner API."""

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from webhooks.choices import SUBSCRIBABLE, DeliveryState, WebhookEvent
from webhooks.models import WebhookDelivery, WebhookEndpoint

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
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[(e.value, e.label) for e in SUBSCRIBABLE]),
        allow_empty=False,
        help_text="The events to receive; each needs the scope under which the API shows its data "
        "(directory:read, events:read, registrations:write, matches:read).",
    )
    url = serializers.CharField(max_length=500, help_text="https:// (http:// only to localhost in development).")

    class Meta:
        model = WebhookEndpoint
        fields = [*ENDPOINT_FIELDS[:-2], "previous_secret_until", *ENDPOINT_FIELDS[-2:]]
        read_only_fields = ["enabled", "failing_since", "disabled_at", "previous_secret_until", "created", "updated"]


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
