"""Which year the staff dashboard opens on: the latest one with results.

A year "has results" when something the agency reports on happened in it: an investment project
started production, a fair with a joint booth, a delegation or a project workshop session took
place (the KPIs marked ``is_result`` in reports.kpi_registry). The definitions are those of
reports.kpis (through the same selectors), so a year the dashboard calls empty shows nothing but
zeros there. Computed matches and the open pipeline do not count: a match run happens every night,
and the pipeline is a state, not a result of the year."""

import datetime

from django.db.models import Max
from django.utils import timezone

from delegations.choices import Direction
from delegations.selectors import delegations_in_period
from fairs.selectors import fairs_with_joint_booth
from projects.choices import WorkshopState
from projects.models import WorkshopSession
from projects.selectors import investment_projects_accompanied
from reports.kpi_registry import KPIS

# The dashboard's earliest year.
FIRST_YEAR = 1990


def latest_year_with_results(*, until: datetime.date) -> int | None:
    """The latest year up to ``until`` (inclusive) with results, None when there are none at all."""
    start = datetime.date(FIRST_YEAR, 1, 1)
    dates = [
        investment_projects_accompanied(start=start, end=until).aggregate(last=Max("production_start_date"))["last"],
        fairs_with_joint_booth(start=start, end=until).aggregate(last=Max("start_date"))["last"],
    ]
    for direction in Direction:
        dates.append(
            delegations_in_period(direction=direction, start=start, end=until).aggregate(last=Max("start_date"))["last"]
        )
    after = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min)
    session = (
        WorkshopSession.objects.filter(starts_at__lt=timezone.make_aware(after))
        .exclude(workshop__state=WorkshopState.CANCELLED)
        .aggregate(last=Max("starts_at"))["last"]
    )
    if session is not None:
        dates.append(timezone.localtime(session).date())
    dates = [day for day in dates if day is not None]
    return max(dates).year if dates else None


def has_results(figures: dict) -> bool:
    """Whether the computed figures of a period (reports.kpis.compute) hold any result."""
    kpis = figures["kpis"]
    return any(kpis[kpi.key] for kpi in KPIS.values() if kpi.is_result)
