"""The FilterSets of the webhooks: the partner API's endpoint list and delivery log."""

import django_filters
from django.utils.translation import gettext_lazy as _

from webhooks.choices import DeliveryState, WebhookEvent
from webhooks.models import WebhookDelivery, WebhookEndpoint
from wfs_portal.filters import BaseFilterSet, UpdatedSinceMixin


class WebhookEndpointFilterSet(BaseFilterSet, UpdatedSinceMixin):
    search_fields = ("url", "description")

    class Meta:
        model = WebhookEndpoint
        fields = ["enabled"]


class WebhookDeliveryFilterSet(BaseFilterSet):
    search_fields = ("message_id",)
    endpoint = django_filters.NumberFilter(field_name="endpoint", label=_("Endpoint"), help_text=_("Its id."))
    state = django_filters.MultipleChoiceFilter(choices=DeliveryState.choices)
    event = django_filters.MultipleChoiceFilter(choices=WebhookEvent.choices)
    created_since = django_filters.IsoDateTimeFilter(
        field_name="created", lookup_expr="gte", label=_("Created since"), help_text=_("ISO 8601.")
    )

    class Meta:
        model = WebhookDelivery
        fields = ["state", "event"]
