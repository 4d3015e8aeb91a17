"""The companies app's partner API: thin read-only viewsets over the public directory."""

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.response import Response

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
from companies.models.classifications import Sector, TechnologyField
from companies.models.clusters import Cluster, ClusterMembership
from companies.models.organisations import Organisation
from companies.services.member_sync import StaleMemberList, cluster_members_sync, member_list, member_list_version
from wfs_portal.api import actor, partner_key
from wfs_portal.api_views import (
    ERRORS,
    IDEMPOTENCY_ERRORS,
    IDEMPOTENCY_KEY,
    NOT_FOUND,
    ErrorSerializer,
    ReadOnlyViewSet,
    document,
)
from wfs_portal.idempotency import IdempotentPostMixin

DIRECTORY = {"read": ApiScope.DIRECTORY_READ}


@document(
    plural="sectors",
    singular="sector",
    description="The NACE Rev. 2 classification (WZ 2008) that organisations and profiles are classified by: "
    "sections (letters), divisions, groups and classes.",
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
    description="The agency's technology fields (Medizin- und Biotechnologie, IKT, Robotik …).",
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
    description="The public directory: verified companies, research institutes, universities, clinics, networks "
    "and public bodies, with their sectors, technology fields and current cluster memberships. Contact persons "
    "are not part of it (see contacts).",
)
class OrganisationViewSet(ReadOnlyViewSet):
    queryset = Organisation.objects.none()  # the schema's model; requests get get_queryset()
    serializer_class = s.OrganisationSerializer
    filterset_class = OrganisationFilterSet
    ordering_fields = ["name", "updated", "city"]
    scopes = DIRECTORY

    def get_queryset(self):
        # Built per request: which memberships are current depends on the day.
        return selectors.public_organisations()


@document(
    plural="clusters",
    singular="cluster",
    description="Clusters, sector networks and industry associations.",
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
    description="Current memberships of verified organisations in clusters and networks.",
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
                ClusterMembership.current_q(on=today),
                organisation__verification_state=VerificationState.VERIFIED,
            )
            .select_related("organisation")
            .order_by("cluster_id", "organisation__name", "pk")
        )


@document(
    plural="partnering profiles",
    singular="partnering profile",
    description="Published, still valid business and technology offers and requests of verified organisations.",
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
    description="Contact persons of verified organisations who consented to their details being shared with "
    "partner organisations (and have not withdrawn that consent). Nobody else appears.",
)
class ContactViewSet(ReadOnlyViewSet):
    serializer_class = s.ContactSerializer
    filterset_class = ContactFilterSet
    ordering_fields = ["last_name", "updated"]
    scopes = {"read": ApiScope.CONTACTS_READ}

    def get_queryset(self):
        return selectors.shareable_contacts()


# --- member lists ---------------------------------------------------------------------------------------


class MemberListViewSet(IdempotentPostMixin, viewsets.GenericViewSet):
    """The member list of a cluster the key's organisation manages: read it, synchronise it."""

    scopes = {"read": ApiScope.MEMBERS_WRITE, "write": ApiScope.MEMBERS_WRITE}
    serializer_class = s.MemberSyncSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        key = partner_key(self.request)
        clusters = Cluster.objects.order_by("name", "pk")
        return clusters if key is None else clusters.filter(managing_organisation=key.organisation)

    @extend_schema(
        summary="List the clusters whose member lists the key keeps",
        description="The clusters and networks that the key's organisation manages (all of them for staff), with "
        "the number of current members: the `id` to read and synchronise a member list with.\n\n"
        "Scope: `members:write`.",
        responses={200: s.ManagedClusterSerializer(many=True), **ERRORS},
    )
    def list(self, request):
        today = timezone.localdate()
        current = ClusterMembership.current_q("memberships__", on=today)
        clusters = self.get_queryset().annotate(current_members=Count("memberships", filter=current))
        return Response(s.ManagedClusterSerializer(clusters, many=True).data)

    @extend_schema(
        summary="Get a cluster's member list",
        description="The current members of a cluster that the key's organisation manages, in the format a "
        "sync takes, and the list's `version` (also the `ETag`): send it back as `If-Match` with a sync so that "
        "a list that changed meanwhile is not overwritten.\n\nScope: `members:write`.",
        responses={200: s.MemberListSerializer, **ERRORS, **NOT_FOUND},
    )
    def retrieve(self, request, pk=None):
        cluster = self.get_object()
        version = member_list_version(cluster)
        response = Response({"cluster": cluster.pk, "version": version, "members": member_list(cluster)})
        response["ETag"] = f'"{version}"'
        return response

    @extend_schema(
        summary="Synchronise a cluster's member list",
        description="Matches each row to an organisation by register court and number, VAT ID or website domain "
        "(in that order) and creates, updates or keeps the cluster membership; an organisation that is not "
        "found is created, awaiting verification by the agency. With `end_missing`, members missing from the "
        "list have their membership ended. All or nothing: with an error in any row nothing is written and "
        "the answer is 400 naming the rows; with `dry_run` the answer shows what would change. Repeating a "
        "batch changes nothing. Send `If-Match` with the version you read to get 412 instead of overwriting "
        "a list that changed meanwhile.\n\nScope: `members:write`.",
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="The member list version (ETag) the client read.",
            ),
            IDEMPOTENCY_KEY,
        ],
        request=s.MemberSyncSerializer,
        responses={
            200: s.MemberSyncReportSerializer,
            400: OpenApiResponse(s.MemberSyncReportSerializer, description="A row (or the request) is invalid."),
            412: OpenApiResponse(ErrorSerializer, description="The member list changed since the version sent."),
            **ERRORS,
            **NOT_FOUND,
            **IDEMPOTENCY_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        cluster = self.get_object()
        try:
            data = request.data
            problem = None if isinstance(data, dict) else _("Send a JSON object.")
        except ParseError as exc:
            problem = str(exc.detail)
        if problem is not None:  # not a JSON object: answered in the report's shape like every refused sync
            body = {**_invalid_rows({"non_field_errors": [problem]}), "version": member_list_version(cluster)}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        payload = s.MemberSyncSerializer(data=data)
        if not payload.is_valid():
            body = {**_invalid_rows(payload.errors), "version": member_list_version(cluster)}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        expected = request.headers.get("If-Match")
        try:
            report = cluster_members_sync(
                cluster=cluster,
                rows=payload.validated_data["members"],
                dry_run=payload.validated_data["dry_run"],
                end_missing=payload.validated_data["end_missing"],
                expected_version=expected.strip().strip('"').removeprefix("W/").strip('"') if expected else None,
                **actor(request),
            )
        except StaleMemberList:
            return Response(
                {"detail": _("The member list changed since you read it: read it again and repeat the sync.")},
                status=status.HTTP_412_PRECONDITION_FAILED,
            )
        version = member_list_version(cluster)
        body = {
            "dry_run": report.dry_run,
            "applied": report.applied,
            "counts": report.counts,
            "rows": [vars(row) for row in report.rows],
            "ended": report.ended,
            "version": version,
        }
        response = Response(body, status=status.HTTP_400_BAD_REQUEST if report.has_errors else status.HTTP_200_OK)
        response["ETag"] = f'"{version}"'
        return response


def _invalid_rows(errors: dict) -> dict:
    """A refused request in the report's shape: the rows that do not parse, and what is wrong with
    the request itself (``errors``, by field)."""
    members = errors.get("members")
    # Errors of rows come as a dict by row number; an error of the field itself as a list, or as a
    # dict of non-field errors when ``members`` is no list at all.
    by_row = {int(n): e for n, e in members.items() if str(n).isdigit() and e} if isinstance(members, dict) else {}
    rows = [
        {
            "row": n,
            "action": "error",
            "organisation": None,
            "matched_by": "",
            # A row that is not an object at all (null, a number) has one message for the whole row.
            "errors": e if isinstance(e, dict) else {"non_field_errors": e if isinstance(e, list) else [e]},
        }
        for n, e in sorted(by_row.items())
    ]
    other = {}
    for name, value in errors.items():
        if name == "members" and by_row:
            continue
        if isinstance(value, dict):
            value = [
                str(m) for messages in value.values() for m in (messages if isinstance(messages, list) else [messages])
            ]
        other[name] = [str(m) for m in value] if isinstance(value, list) else [str(value)]
    return {
        "dry_run": False,
        "applied": False,
        "counts": {"error": len(rows)} if rows else {},
        "rows": rows,
        "ended": [],
        "errors": other,
    }
