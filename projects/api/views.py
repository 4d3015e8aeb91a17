"""The projects app's partner API: public project workshops, investment projects without
confidential data, and the year's investment figures."""

import datetime

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from companies.choices import ApiScope
from projects import selectors
from projects.api import serializers as s
from projects.filtersets import InvestmentProjectFilterSet, WorkshopFilterSet
from wfs_portal.api_views import ERRORS, ReadOnlyViewSet, document

YearErrorSerializer = inline_serializer(
    "YearError", fields={"year": serializers.ListField(child=serializers.CharField())}
)


@document(
    plural="project workshops",
    singular="project workshop",
    description="The agency's project workshops: cross-sector working groups on one topic (e.g. hospital logistics), "
    "planned, active or completed, with their sessions (dates, place, host, agenda), sectors, technology fields and "
    "the number of organisations taking part. Cancelled workshops, the participants themselves, contact persons and "
    "session minutes are not part of it.",
)
class WorkshopViewSet(ReadOnlyViewSet):
    serializer_class = s.WorkshopSerializer
    filterset_class = WorkshopFilterSet
    ordering_fields = ["title_de", "first_session_at", "last_session_at", "updated"]
    scopes = {"read": ApiScope.EVENTS_READ}

    def get_queryset(self):
        return selectors.public_workshops()


@document(
    plural="investment projects",
    singular="investment project",
    description="New settlements, expansions and retentions the agency accompanies, from the first contact to the "
    "start of production: kind, stage, site district, sectors, figures and key dates. Lost projects are not part "
    "of it. Internal code names, notes and persons never are; for a project whose investor is confidential "
    "(`is_confidential`), `investor` is null.",
)
class InvestmentProjectViewSet(ReadOnlyViewSet):
    serializer_class = s.InvestmentProjectSerializer
    filterset_class = InvestmentProjectFilterSet
    # Never the investor or the code name: the order of rows would disclose them.
    ordering_fields = [
        "updated",
        "decision_date",
        "production_start_date",
        "investment_volume_eur",
        "new_jobs",
        "secured_jobs",
    ]
    scopes = {"read": ApiScope.INVESTMENTS_READ}

    def get_queryset(self):
        return selectors.public_investment_projects()

    @extend_schema(
        summary="Investment figures of a year",
        description="The settlements, expansions and retentions the agency accompanied in a calendar year, in "
        "figures: a project counts in the year its production started (the definition of the agency's annual "
        "report). Investment volume is given confirmed and unconfirmed (announced or estimated) separately. "
        "Confidential projects are counted like any other; the figures identify no investor."
        f"\n\nScope: `{ApiScope.INVESTMENTS_READ}`.",
        parameters=[
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": 1990, "maximum": 9999},
                OpenApiParameter.QUERY,
                description="Calendar year, 1990 to 9999; default: the current year.",
                examples=[
                    OpenApiExample("The year of the 2018 annual report", value=2018),
                    OpenApiExample("A recent year", value=2025),
                ],
            )
        ],
        responses={
            200: s.InvestmentSummarySerializer,
            400: OpenApiResponse(YearErrorSerializer, description="`year` is not a whole number from 1990 to 9999."),
            **ERRORS,
        },
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request):
        query = s.InvestmentSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year", timezone.localdate().year)
        totals = selectors.investment_totals(start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31))
        return Response(s.InvestmentSummarySerializer({"year": year, **totals}).data)
