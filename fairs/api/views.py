"""The fairs app's partner API: the public fair calendar (read) and registrations of a partner's
member organisations for joint booths (read back and create, through the service)."""

from companies.choices import ApiScope
from companies.selectors import partner_members
from fairs import selectors, services
from fairs.api import serializers as s
from fairs.filtersets import BoothRegistrationFilterSet, TradeFairFilterSet
from fairs.models import BoothRegistration
from wfs_portal.api_views import ReadOnlyViewSet, document
from wfs_portal.registration_api import MemberRegistrationViewSet, document_create


@document(
    plural="trade fairs",
    singular="trade fair",
    description="Trade fairs of the state fair programme at which the agency organises a joint company booth, with "
    "the booths' state, places, area, registration deadline and what is still free. Booths still being planned "
    "do not appear, nor do fairs without any other booth.",
)
class TradeFairViewSet(ReadOnlyViewSet):
    serializer_class = s.TradeFairSerializer
    filterset_class = TradeFairFilterSet
    ordering_fields = ["start_date", "name", "updated"]
    scopes = {"read": ApiScope.EVENTS_READ}

    def get_queryset(self):
        return selectors.public_trade_fairs()


@document(
    plural="booth registrations",
    singular="booth registration",
    description="Applications of the partner's member organisations for a place on a joint booth, whoever made "
    "them, with the agency's decision (`state`).",
)
@document_create(
    summary="Register a member organisation for a joint booth",
    description="Applies for a place on a joint booth on behalf of one of the partner's member organisations; the "
    "agency confirms, waitlists or rejects it later. Refused (400) when the organisation is not a member, the "
    "booth is not open or its registration deadline has passed, the organisation has registered already, or no "
    "place or not enough area is left.",
)
class BoothRegistrationViewSet(MemberRegistrationViewSet):
    serializer_class = s.BoothRegistrationSerializer
    filterset_class = BoothRegistrationFilterSet
    queryset = BoothRegistration.objects.all()
    scopes = {"read": ApiScope.REGISTRATIONS_WRITE, "write": ApiScope.REGISTRATIONS_WRITE}
    members_of = staticmethod(partner_members)

    def apply(self, **fields):
        return services.booth_registration_apply(**fields)
