"""The webhooks' partner API: a key's own endpoints (list, create with the secret shown once,
change, delete, rotate the secret, switch on again) and their delivery log (read, send again)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from companies.choices import ApiScope
from webhooks.api import serializers as s
from webhooks.filtersets import WebhookDeliveryFilterSet, WebhookEndpointFilterSet
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.deliveries import webhook_delivery_resend
from webhooks.services.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_enable,
    webhook_endpoint_update,
    webhook_secret_rotate,
)
from wfs_portal.api import actor, partner_key
from wfs_portal.api_views import (
    BAD_REQUEST,
    ERRORS,
    IDEMPOTENCY_ERRORS,
    IDEMPOTENCY_KEY,
    NOT_FOUND,
    ReadOnlyViewSet,
    document,
)

MANAGE = {"read": ApiScope.WEBHOOKS_MANAGE, "write": ApiScope.WEBHOOKS_MANAGE}
SIGNING = (
    "Every message is a POST of JSON `{type, timestamp, data}` signed as the Standard Webhooks specification "
    "describes (www.standardwebhooks.com): headers `webhook-id` (`msg_…`, the same on every retry of a message: "
    "use it to drop duplicates), `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>`; two "
    "signatures while a rotated secret overlaps). Verify with a Standard Webhooks library, e.g. Python's "
    "`standardwebhooks.Webhook(secret).verify(body, headers)`. Answer 2xx within a few seconds; anything else "
    "(redirects included, which are not followed) is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h "
    "(the agency may configure this); an endpoint that fails for a day without a success is switched off and "
    "the partner's representatives are told. A key receives only what its scopes let it read: "
    "organisation.updated, profile.published and profile.withdrawn need `directory:read`; event.published "
    "`events:read`; registration.state_changed `registrations:write` (member organisations only); "
    "match.created `matches:read` (member organisations only)."
)
ENDPOINT_ERROR = inline_serializer(
    "WebhookEndpointError",
    fields={
        **{
            name: serializers.ListField(child=serializers.CharField(), required=False)
            for name in ["url", "description", "events", "non_field_errors"]
        },
        "detail": serializers.CharField(required=False, help_text="A body that is no JSON object."),
    },
)
WRITE_ERRORS = {
    400: OpenApiResponse(ENDPOINT_ERROR, description="Refused; the messages name the field concerned."),
    **ERRORS,
}


def _service(call):
    try:
        return call()
    except ValidationError as exc:
        raise exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None


@document(
    plural="webhook endpoints",
    singular="webhook endpoint",
    description="The API key's own webhook endpoints: where the portal sends the events the key chose. " + SIGNING,
)
@extend_schema_view(
    create=extend_schema(
        summary="Register a webhook endpoint",
        description="Registers a URL for the events chosen. The answer holds the signing `secret`, shown only "
        "this once.\n\nScope: `webhooks:manage`.",
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.WebhookEndpointCreatedSerializer, **WRITE_ERRORS, **IDEMPOTENCY_ERRORS},
    ),
    update=extend_schema(
        summary="Change a webhook endpoint",
        description="URL, description and events.\n\nScope: `webhooks:manage`.",
        responses={200: s.WebhookEndpointSerializer, **WRITE_ERRORS, **NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a webhook endpoint",
        description="URL, description or events.\n\nScope: `webhooks:manage`.",
        responses={200: s.WebhookEndpointSerializer, **WRITE_ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Delete a webhook endpoint",
        description="With its delivery log; waiting messages are not sent.\n\nScope: `webhooks:manage`.",
        responses={204: None, **ERRORS, **NOT_FOUND},
    ),
)
class WebhookEndpointViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, ReadOnlyViewSet
):
    serializer_class = s.WebhookEndpointSerializer
    filterset_class = WebhookEndpointFilterSet
    ordering_fields = ["created", "updated", "url"]
    scopes = MANAGE
    queryset = WebhookEndpoint.objects.none()  # the schema's model; requests get get_queryset()

    def get_queryset(self):
        endpoints = WebhookEndpoint.objects.select_related("api_key").order_by("pk")
        key = partner_key(self.request)
        return endpoints if key is None else endpoints.filter(api_key=key)

    def create(self, request, *args, **kwargs):
        key = partner_key(request)
        if key is None:
            raise exceptions.PermissionDenied(_("Endpoints belong to an API key: staff register them in the admin."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            endpoint, secret = _service(
                lambda: webhook_endpoint_create(api_key=key, **serializer.validated_data, **actor(request))
            )
        data = s.WebhookEndpointCreatedSerializer(endpoint).data
        data["secret"] = secret
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        endpoint = serializer.instance
        serializer.instance = _service(
            lambda: webhook_endpoint_update(endpoint=endpoint, data=serializer.validated_data, **actor(self.request))
        )

    def perform_destroy(self, instance):
        webhook_endpoint_delete(endpoint=instance)

    @extend_schema(
        summary="Rotate an endpoint's signing secret",
        description="A new secret, shown only in this answer. The previous one keeps signing (a second "
        "`webhook-signature`) until `previous_secret_until`, so that the receiver can switch without losing a "
        "message.\n\nScope: `webhooks:manage`.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: s.SecretSerializer, **ERRORS, **NOT_FOUND, **IDEMPOTENCY_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = self.get_object()
        secret = webhook_secret_rotate(endpoint=endpoint, **actor(request))
        endpoint.refresh_from_db()
        return Response({"secret": secret, "previous_secret_until": endpoint.previous_secret_until})

    @extend_schema(
        summary="Switch a switched-off endpoint on again",
        description="After fixing the receiver. Messages given up meanwhile can be sent again from the delivery "
        "log.\n\nScope: `webhooks:manage`.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: s.WebhookEndpointSerializer, **ERRORS, **NOT_FOUND, **IDEMPOTENCY_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        endpoint = self.get_object()
        webhook_endpoint_enable(endpoint=endpoint, user=actor(request)["user"])
        endpoint.refresh_from_db()
        return Response(s.WebhookEndpointSerializer(endpoint).data)


@document(
    plural="webhook deliveries",
    singular="webhook delivery",
    description="The delivery log of the key's webhook endpoints (`endpoint` filters one): each message with its "
    "payload, state (waiting, delivered, given up), attempts and the receiver's last answer.",
)
class WebhookDeliveryViewSet(ReadOnlyViewSet):
    serializer_class = s.WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilterSet
    ordering_fields = ["created"]
    scopes = MANAGE
    queryset = WebhookDelivery.objects.none()

    def get_queryset(self):
        deliveries = WebhookDelivery.objects.order_by("-created", "-pk")
        key = partner_key(self.request)
        return deliveries if key is None else deliveries.filter(endpoint__api_key=key)

    @extend_schema(
        summary="Send a delivery again",
        description="Now, with the same `webhook-id`, its retries starting afresh (e.g. after switching its "
        "endpoint on again).\n\nScope: `webhooks:manage`.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            202: s.WebhookDeliverySerializer,
            **BAD_REQUEST,
            **ERRORS,
            **NOT_FOUND,
            **IDEMPOTENCY_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        delivery = self.get_object()
        _service(lambda: webhook_delivery_resend(delivery=delivery, user=actor(request)["user"]))
        delivery.refresh_from_db()
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
