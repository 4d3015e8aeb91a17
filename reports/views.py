"""The staff dashboard: a year against the one before for the headline KPIs, and the charts. It
opens on the latest year with results (reports.dashboard), and says so when a year has none."""

import datetime

from django.contrib.admin import site
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from reports import charts, kpis
from reports.dashboard import FIRST_YEAR, has_results, latest_year_with_results
from reports.formats import format_number
from reports.kpi_registry import dashboard_kpis

DASHBOARD_CHARTS = (
    "investment_volume_by_district",
    "investment_volume_by_sector",
    "exhibitors_by_country",
    "delegations_by_country",
    "matchmaking_funnel",
)
# Figures of the running year move during the day; five minutes old is recent enough to look at.
CACHE_SECONDS = 300


def _figures(start: datetime.date, end: datetime.date) -> dict:
    key = f"reports:dashboard:{start.isoformat()}:{end.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        figures = kpis.compute(start=start, end=end)
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def _latest_year(today: datetime.date) -> int | None:
    # Cached like the figures: its queries look at every year, and five minutes old is recent enough.
    key = f"reports:dashboard:latest:{today.isoformat()}"
    latest = cache.get(key, "unknown")
    if latest == "unknown":
        latest = latest_year_with_results(until=today)
        cache.set(key, latest, CACHE_SECONDS)
    return latest


def _column(end: datetime.date) -> str:
    """A column's title: the year, and the day it ends on when that is not the year's last."""
    if (end.month, end.day) == (12, 31):
        return str(end.year)
    # Outside an f-string: makemessages does not see a text inside one.
    until = gettext("to %(day)s") % {"day": date_format(end, "MONTH_DAY_FORMAT")}
    return f"{end.year} ({until})"


def _same_day(day: datetime.date, year: int) -> datetime.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


@staff_member_required
def dashboard(request):
    """``?year=2018`` compares that year with the one before; the running year is compared up to
    today with the same days of last year. Without a year, the latest year with results: a running
    year in which nothing happened yet would show only zeros."""
    if not request.user.has_perm("reports.view_report"):
        raise PermissionDenied
    today = timezone.localdate()
    latest = _latest_year(today)
    default = latest or today.year
    try:
        year = int(request.GET.get("year") or default)
    except ValueError:
        year = default
    year = min(max(year, FIRST_YEAR), today.year)
    end = today if year == today.year else datetime.date(year, 12, 31)
    current = _figures(datetime.date(year, 1, 1), end)
    previous = _figures(datetime.date(year - 1, 1, 1), _same_day(end, year - 1))
    now, before = kpis.headline(current), kpis.headline(previous)
    rows = []
    # The headline figures marked for the dashboard in the registry; the rest are in the reports.
    for kpi in dashboard_kpis():
        key, kind = kpi.key, kpi.type
        delta = now[key] - before[key]
        rows.append(
            {
                "key": key,
                "label": str(kpi.label),
                "now": now[key],
                "before": before[key],
                "delta": delta,
                "shown": [format_number(now[key], kind), format_number(before[key], kind)],
                "shown_delta": ("+" if delta > 0 else "") + format_number(delta, kind),
            }
        )
    language = get_language()
    context = {
        **site.each_context(request),
        "title": gettext("Dashboard"),
        "year": year,
        "years": sorted({*range(today.year, today.year - 12, -1), year}, reverse=True),
        "this_year": today.year,
        # The running year had nothing yet, so the page opened on an earlier one.
        "opened_on_latest": not request.GET.get("year") and year != today.year,
        "latest_year": latest,
        "latest_url": f"{reverse('dashboard')}?year={latest}" if latest else "",
        "empty": not has_results(current),
        # The table's column titles (also the labels of the figures on a phone, where it is stacked).
        "columns": [_column(end), _column(_same_day(end, year - 1)), gettext("change")],
        "rows": rows,
        # SVG made by matplotlib from our own figures (labels escaped by it), inlined so the page
        # needs no second request per chart.
        "charts": [mark_safe(charts.chart_svg(name, current, language=language)) for name in DASHBOARD_CHARTS],
    }
    return TemplateResponse(request, "reports/dashboard.html", context)
