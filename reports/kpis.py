"""The agency's key figures for a period, in one place.

``compute(start=..., end=...)`` returns the figures a report freezes: headline KPIs (those of
reports.kpi_registry, which gives each its label, kind of number and area), the tables behind them
and, for every KPI, the ids of the records that produced it (drill-down). Every definition is made
here or in the selector of the app it reads from (``investment_projects_accompanied``,
``investment_totals``, ``fairs_with_joint_booth``, ``exhibitors``, ``delegations_in_period``), so
the report, the staff dashboard, the command line and the partner API all count the same way.

Definitions (a period is the closed date range [start, end] in the agency's time zone):

- **Settlements and expansions accompanied**: investment projects whose production started in the
  period (stage "production started", start-of-production date in the period), new settlements,
  expansions and retentions alike. A project that ran over several years counts once, in the year
  production started; open, paused and lost projects are pipeline, not results.
- **Investment volume**: the sum of those projects' confirmed figures; announced and estimated
  figures are summed separately (``investment_volume_estimated_eur``), never mixed in.
- **New / secured jobs**: the sums of those projects' job figures, whatever their provenance.
- **Pipeline**: projects in an open stage (lead … permits) or on hold whose first contact was on or
  before the period's end, by their stage at the time the report was made (the stage is not kept
  per date); ``site_offers_sent`` counts the site-offer milestones dated in the period.
- **Fairs with a joint booth**: fairs starting in the period with a booth that was not cancelled.
  **Exhibitors**: confirmed places on those booths (withdrawn, rejected, waitlisted and undecided
  applications do not count); **first-time** ones had no confirmed place at an earlier edition of
  the same fair; **area booked**: the confirmed places' area.
- **Delegations**: outbound trips and inbound delegations that started in the period and were not
  cancelled; **participants**: their confirmed participant entries (persons; an entry whose person
  was erased still counts, it keeps its organisation).
- **Workshops**: project workshops (not cancelled) with a session in the period; **sessions**: their
  sessions in the period; **participating organisations**: organisations taking part in them at any
  time in the period, by kind.
- **Matchmaking funnel**: matches of the last match generation switched to in the period (every
  organisation's list as it stood then), partners marked "interesting" in the period, introductions
  requested in the period, introductions accepted in the period.
- **Brokerage events**: events (not planned or cancelled) whose first session starts in the period,
  with their validated participants. The brokerage funnel counts by its own dates: meeting requests
  sent in the period, requests accepted in the period, published meetings held (by their slot) in
  the period; of those, the ones that **took place** (at least one side reported, and no side said
  it did not take place) and those where a side saw a **cooperation possible**; and partnership
  agreements concluded in the period (from a meeting, an introduction or otherwise).

Each figure costs a fixed number of queries, whatever the number of records: aggregation happens
in SQL. The only rows that reach Python are the period's ids (for the drill-down), the period's
fairs and delegations (a few hundred at most), and grouped rows.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal

from reports.area_kpis import (
    brokerage_figures,
    delegation_figures,
    fair_figures,
    investment_figures,
    matchmaking_figures,
    workshop_figures,
)
from reports.kpi_registry import KPIS, is_decimal

SCHEMA = 1

Progress = Callable[[int], None]

AREAS = (
    investment_figures,
    fair_figures,
    delegation_figures,
    workshop_figures,
    matchmaking_figures,
    brokerage_figures,
)


def compute(*, start: datetime.date, end: datetime.date, progress: Progress | None = None) -> dict:
    """Every KPI of [start, end] with its tables and sources (the frozen figures of a report).
    ``progress`` is called with 0–100 after each area."""
    if end < start:
        raise ValueError(f"The period ends ({end}) before it starts ({start}).")
    kpis, tables, sources = {}, {}, {}
    for done, area in enumerate(AREAS, start=1):
        area_kpis, area_tables, area_sources = area(start, end)
        kpis.update(area_kpis)
        tables.update(area_tables)
        sources.update(area_sources)
        if progress is not None:
            progress(round(100 * done / len(AREAS)))
    return {
        "schema": SCHEMA,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "kpis": {key: kpis[key] for key in KPIS},
        "tables": tables,
        "sources": sources,
    }


def headline(figures: dict) -> dict:
    """The headline KPIs with decimal amounts as Decimal (for arithmetic and comparisons)."""
    return {key: Decimal(value) if is_decimal(key) else value for key, value in figures["kpis"].items()}
