"""Matchmaking in the partner API: the current partner proposals of the key's member organisations."""

from rest_framework.response import Response

from companies.choices import ApiScope
from companies.selectors import partner_members
from matchmaking.api import serializers as s
from matchmaking.filtersets import MatchFilterSet
from matchmaking.models.matches import Match
from matchmaking.reasons import render_all
from matchmaking.selectors import active_matches
from wfs_portal.api import partner_key
from wfs_portal.api_views import (
    ReadOnlyViewSet,
    document,
)


@document(
    plural="matches",
    singular="match",
    description="The current partner proposals of the key's member organisations (members of the clusters its "
    "organisation manages), best first, with the score, its components and the reasons in German or English "
    "(`lang`).",
)
class MatchViewSet(ReadOnlyViewSet):
    queryset = Match.objects.none()  # the schema's model; requests get get_queryset()
    serializer_class = s.MatchSerializer
    filterset_class = MatchFilterSet
    ordering_fields = ["score", "rank"]
    scopes = {"read": ApiScope.MATCHES_READ}

    def get_queryset(self):
        matches = (
            active_matches()
            .select_related("organisation", "partner")
            .order_by("organisation__name", "organisation_id", "rank")
        )
        key = partner_key(self.request)
        if key is None:
            return matches
        return matches.filter(organisation__in=partner_members(key.organisation))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "language": self.request.query_params.get("lang", "de")}

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        context = {**self.get_serializer_context(), "reasons": self._reasons(page)}
        return self.get_paginated_response(self.get_serializer_class()(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        match = self.get_object()
        context = {**self.get_serializer_context(), "reasons": self._reasons([match])}
        return Response(self.get_serializer_class()(match, context=context).data)

    def _reasons(self, matches) -> dict:
        language = self.request.query_params.get("lang", "de")
        return render_all(matches, language if language in ("de", "en") else "de")
