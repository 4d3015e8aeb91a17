"""Reads of the reports app that are more than a filter."""

from django.db.models import Exists, OuterRef, QuerySet

from reports.choices import ReportState
from reports.models import Report


def finished_reports() -> QuerySet[Report]:
    """Done reports with ``is_latest``: no newer finished version exists for the same period."""
    newer = Report.objects.filter(
        state=ReportState.DONE,
        kind=OuterRef("kind"),
        period_start=OuterRef("period_start"),
        period_end=OuterRef("period_end"),
        version__gt=OuterRef("version"),
    )
    return Report.objects.filter(state=ReportState.DONE).annotate(is_latest=~Exists(newer))


# The breakdowns partners may see. By investor country is left out: for a confidential investor the
# API withholds the country, and a country with one project in a period would name it.
PUBLIC_TABLES = (
    "investments_by_kind",
    "investments_by_district",
    "investments_by_sector",
    "pipeline_by_stage",
    "fairs",
    "fairs_by_country",
    "delegations_by_country",
    "workshop_organisations_by_kind",
    "matchmaking_funnel",
)
