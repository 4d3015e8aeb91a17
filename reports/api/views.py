"""The reports app's partner API: the aggregate figures of finished reports."""

from companies.choices import ApiScope
from reports import selectors
from reports.api.serializers import ReportSerializer
from reports.filtersets import ReportFilterSet
from wfs_portal.api_views import ReadOnlyViewSet, document


@document(
    plural="reports",
    singular="report",
    description="The agency's finished annual, quarterly and custom reports as frozen aggregate figures: settlements "
    "and expansions accompanied, investment volume (confirmed; estimated separately), jobs, fairs and exhibitors, "
    "delegations, workshops and the matchmaking funnel, with their breakdowns by kind, district, sector, stage and "
    "country. A regenerated report is a new version; `latest=true` gives the newest per period. No per-project data "
    "and no breakdown by investor country are part of it.",
)
class ReportViewSet(ReadOnlyViewSet):
    serializer_class = ReportSerializer
    filterset_class = ReportFilterSet
    ordering_fields = ["period_start", "version", "finished_at", "updated"]
    scopes = {"read": ApiScope.INVESTMENTS_READ}

    def get_queryset(self):
        return selectors.finished_reports().order_by("-period_start", "kind", "-version", "pk")
