"""The delegations app's partner API: the public delegation calendar (read) and registrations of a
partner's member organisations for delegations (read back and create, through the service)."""

from companies.choices import ApiScope
from companies.selectors import partner_members
from delegations import selectors, services
from delegations.api import serializers as s
from delegations.filtersets import DelegationFilterSet, DelegationParticipantFilterSet
from delegations.models import DelegationParticipant
from wfs_portal.api_views import ReadOnlyViewSet, document
from wfs_portal.registration_api import MemberRegistrationViewSet, document_create


@document(
    plural="delegations",
    singular="delegation",
    description="Outbound delegation trips of Saxon companies and inbound foreign delegations the agency hosts, "
    "with their places and what is still free. Delegations still being planned do not appear; participants "
    "never do.",
)
class DelegationViewSet(ReadOnlyViewSet):
    serializer_class = s.DelegationSerializer
    filterset_class = DelegationFilterSet
    ordering_fields = ["start_date", "title", "updated"]
    scopes = {"read": ApiScope.EVENTS_READ}

    def get_queryset(self):
        return selectors.public_delegations_with_free_places()


@document(
    plural="delegation participants",
    singular="delegation participant",
    description="Registrations of the partner's member organisations for delegations, whoever made them, with the "
    "agency's decision (`state`).",
)
@document_create(
    summary="Register a member organisation for a delegation",
    description="Applies for a place on a delegation on behalf of one of the partner's member organisations, "
    "optionally naming its person; the agency confirms, waitlists or rejects it later. Refused (400) when the "
    "organisation is not a member, the delegation is not open or its registration deadline has passed, the "
    "person (or, without a person, the organisation) is registered already, or every place is taken.",
)
class DelegationParticipantViewSet(MemberRegistrationViewSet):
    serializer_class = s.DelegationParticipantSerializer
    filterset_class = DelegationParticipantFilterSet
    queryset = DelegationParticipant.objects.all()
    scopes = {"read": ApiScope.REGISTRATIONS_WRITE, "write": ApiScope.REGISTRATIONS_WRITE}
    members_of = staticmethod(partner_members)

    def apply(self, **fields):
        return services.delegation_participant_apply(**fields)
