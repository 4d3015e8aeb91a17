"""Reads about investment projects and workshops that are more than a filter."""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from projects.choices import FigureProvenance, InvestmentStage
from projects.models import InvestmentProject


def investment_projects_accompanied(*, start: datetime.date, end: datetime.date) -> QuerySet[InvestmentProject]:
    """The settlements, expansions and retentions the agency accompanied in [start, end].

    This is the one definition the reports use: a project counts as accompanied in the period in
    which its production started (stage "production started", start-of-production date in the
    period). Open, paused and lost projects are pipeline, not results."""
    return InvestmentProject.objects.filter(
        stage=InvestmentStage.PRODUCTION_STARTED, production_start_date__range=(start, end)
    )


def investment_totals(*, start: datetime.date, end: datetime.date) -> dict:
    """Count, investment volume and jobs of the projects accompanied in [start, end]. The volume
    counts confirmed figures; announced and estimated ones are summed separately."""
    confirmed = Q(figure_provenance=FigureProvenance.CONFIRMED)
    projects = investment_projects_accompanied(start=start, end=end)
    # Aliases differ from the field names: an aggregate named like a field would shadow it.
    sums = projects.aggregate(
        count=Count("pk"),
        volume=Sum("investment_volume_eur", filter=confirmed, default=Decimal("0.00")),
        volume_unconfirmed=Sum("investment_volume_eur", filter=~confirmed, default=Decimal("0.00")),
        new=Sum("new_jobs", default=0),
        secured=Sum("secured_jobs", default=0),
    )
    return {
        "projects": sums["count"],
        "investment_volume_eur": sums["volume"],
        "investment_volume_unconfirmed_eur": sums["volume_unconfirmed"],
        "new_jobs": sums["new"],
        "secured_jobs": sums["secured"],
    }
