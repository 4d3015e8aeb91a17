"""Reads about investment projects and workshops that are more than a filter."""

import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

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
    totals = investment_projects_accompanied(start=start, end=end).aggregate(
        investment_volume_eur=Sum("investment_volume_eur", filter=confirmed, default=Decimal("0.00")),
        investment_volume_unconfirmed_eur=Sum("investment_volume_eur", filter=~confirmed, default=Decimal("0.00")),
        new_jobs=Sum("new_jobs", default=0),
        secured_jobs=Sum("secured_jobs", default=0),
    )
    totals["projects"] = investment_projects_accompanied(start=start, end=end).count()
    return totals
