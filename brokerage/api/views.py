"""Brokerage events in the partner API."""

from django.db.models import Q

from brokerage.api import serializers as s
from brokerage.models.events import BrokerageEvent
from brokerage.models.meetings import Meeting
from brokerage.selectors import event_figures, portal_events
from companies.choices import ApiScope
from companies.selectors import partner_members
from wfs_portal.api import partner_key
from wfs_portal.api_views import ReadOnlyViewSet, document


@document(
    plural="brokerage events",
    singular="brokerage event",
    description="B2B meeting days (Kooperationsbörsen) the agency organises at trade fairs, during delegations "
    "and beside workshops, with their sessions and counts: validated participants, meetings scheduled and meetings "
    "realised. Events still being planned or cancelled do not appear; participants never do.",
)
class BrokerageEventViewSet(ReadOnlyViewSet):
    queryset = BrokerageEvent.objects.none()  # the schema's model; requests get get_queryset()
    serializer_class = s.BrokerageEventSerializer
    ordering_fields = ["registration_deadline", "title", "updated"]
    scopes = {"read": ApiScope.EVENTS_READ}

    def get_queryset(self):
        return event_figures(portal_events()).order_by("-pk")


@document(
    plural="brokerage meetings",
    singular="brokerage meeting",
    description="The published meetings of the key's member organisations at brokerage events, where both sides "
    "agreed to share their meetings with their networks; time, meeting point and the two organisations.",
)
class BrokerageMeetingViewSet(ReadOnlyViewSet):
    queryset = Meeting.objects.none()
    serializer_class = s.BrokerageMeetingSerializer
    ordering_fields = ["updated"]
    scopes = {"read": ApiScope.MATCHES_READ}

    def get_queryset(self):
        meetings = (
            Meeting.objects.filter(
                published=True,
                request__requester__share_meetings=True,
                request__recipient__share_meetings=True,
            )
            .select_related("slot", "point", "request__requester__organisation", "request__recipient__organisation")
            .order_by("slot__starts_at", "pk")
        )
        key = partner_key(self.request)
        if key is None:
            return meetings
        members = partner_members(key.organisation)
        return meetings.filter(
            Q(request__requester__organisation__in=members) | Q(request__recipient__organisation__in=members)
        ).distinct()
