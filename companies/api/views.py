"""The companies app's partner API: thin read-only viewsets over the public directory."""

from django.db.models import Q
from django.utils import timezone

from companies import selectors
from companies.api import serializers as s
from companies.choices import ApiScope, VerificationState
from companies.filtersets import (
    ClusterFilterSet,
    ClusterMembershipFilterSet,
    ContactFilterSet,
    OrganisationFilterSet,
    PartneringProfileFilterSet,
    SectorFilterSet,
    TechnologyFieldFilterSet,
)
from companies.models import Cluster, ClusterMembership, Sector, TechnologyField
from wfs_portal.api_views import ReadOnlyViewSet, document

DIRECTORY = {"read": ApiScope.DIRECTORY_READ}


@document(
    plural="sectors",
    singular="sector",
    scope=ApiScope.DIRECTORY_READ,
    description="The NACE Rev. 2 classification (WZ 2008) that organisations and profiles are classified by: "
    "sections (letters), divisions, groups and classes.",
    serializer=s.SectorSerializer,
)
class SectorViewSet(ReadOnlyViewSet):
    queryset = Sector.objects.select_related("parent").order_by("code")
    serializer_class = s.SectorSerializer
    filterset_class = SectorFilterSet
    ordering_fields = ["code", "level"]
    scopes = DIRECTORY


@document(
    plural="technology fields",
    singular="technology field",
    scope=ApiScope.DIRECTORY_READ,
    description="The agency's technology fields (Medizin- und Biotechnologie, IKT, Robotik …).",
    serializer=s.TechnologyFieldSerializer,
)
class TechnologyFieldViewSet(ReadOnlyViewSet):
    queryset = TechnologyField.objects.filter(is_active=True).order_by("position", "pk")
    serializer_class = s.TechnologyFieldSerializer
    filterset_class = TechnologyFieldFilterSet
    ordering_fields = ["position", "slug", "updated"]
    scopes = DIRECTORY


@document(
    plural="organisations",
    singular="organisation",
    scope=ApiScope.DIRECTORY_READ,
    description="The public directory: verified companies, research institutes, universities, clinics, networks "
    "and public bodies, with their sectors, technology fields and current cluster memberships. Contact persons "
    "are not part of it (see contacts).",
    serializer=s.OrganisationSerializer,
)
class OrganisationViewSet(ReadOnlyViewSet):
    queryset = selectors.public_organisations()
    serializer_class = s.OrganisationSerializer
    filterset_class = OrganisationFilterSet
    ordering_fields = ["name", "updated", "city"]
    scopes = DIRECTORY


@document(
    plural="clusters",
    singular="cluster",
    scope=ApiScope.DIRECTORY_READ,
    description="Clusters, sector networks and industry associations.",
    serializer=s.ClusterSerializer,
)
class ClusterViewSet(ReadOnlyViewSet):
    queryset = Cluster.objects.prefetch_related("sectors", "technology_fields").order_by("name", "pk")
    serializer_class = s.ClusterSerializer
    filterset_class = ClusterFilterSet
    ordering_fields = ["name", "updated"]
    scopes = DIRECTORY


@document(
    plural="cluster memberships",
    singular="cluster membership",
    scope=ApiScope.DIRECTORY_READ,
    description="Current memberships of verified organisations in clusters and networks.",
    serializer=s.ClusterMembershipSerializer,
)
class ClusterMembershipViewSet(ReadOnlyViewSet):
    serializer_class = s.ClusterMembershipSerializer
    filterset_class = ClusterMembershipFilterSet
    ordering_fields = ["since", "updated"]
    scopes = DIRECTORY

    def get_queryset(self):
        today = timezone.localdate()
        return (
            ClusterMembership.objects.filter(
                Q(until__isnull=True) | Q(until__gte=today),
                organisation__verification_state=VerificationState.VERIFIED,
            )
            .select_related("organisation")
            .order_by("cluster_id", "organisation__name", "pk")
        )


@document(
    plural="partnering profiles",
    singular="partnering profile",
    scope=ApiScope.DIRECTORY_READ,
    description="Published, still valid business and technology offers and requests of verified organisations.",
    serializer=s.PartneringProfileSerializer,
)
class PartneringProfileViewSet(ReadOnlyViewSet):
    serializer_class = s.PartneringProfileSerializer
    filterset_class = PartneringProfileFilterSet
    ordering_fields = ["published_at", "valid_until", "updated"]
    scopes = DIRECTORY

    def get_queryset(self):
        return selectors.public_profiles()


@document(
    plural="contact persons",
    singular="contact person",
    scope=ApiScope.CONTACTS_READ,
    description="Contact persons of verified organisations who consented to their details being shared with "
    "partner organisations (and have not withdrawn that consent). Nobody else appears.",
    serializer=s.ContactSerializer,
)
class ContactViewSet(ReadOnlyViewSet):
    serializer_class = s.ContactSerializer
    filterset_class = ContactFilterSet
    ordering_fields = ["last_name", "updated"]
    scopes = {"read": ApiScope.CONTACTS_READ}

    def get_queryset(self):
        return selectors.shareable_contacts()
