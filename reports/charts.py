"""Charts of frozen report figures, drawn on the server with matplotlib.

Each chart is built on its own ``matplotlib.figure.Figure`` with an Agg canvas and never touches
pyplot: pyplot keeps a global "current figure" that two requests (or two Celery threads) rendering
at once would draw into each other's, and it would select a GUI backend on a developer's machine.
No global ``rcParams`` are changed either, for the same reason; the default font, DejaVu Sans,
ships with matplotlib, so nothing is downloaded and umlauts, ß, € and ² render.

Labels come from ``reports.labels`` in the active language (or the ``language`` passed in). An
empty table gives a chart that says "No data" instead of raising, so a quarter without delegations
still produces a report.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext, override
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports import labels

Figures = Mapping[str, Any]

# Colours of the agency's print layout; the light one marks figures that are not confirmed yet.
PRIMARY = "#1b6e4f"
SECONDARY = "#e0a030"
LIGHT = "#9cc9b4"
TEXT = "#333333"

WIDTH_INCHES = 6.3  # the PDF's text width (A4 less margins), so the PNG is embedded at 1:1
DPI = 150
# Countries and sectors have long tails; the chart shows the largest and sums the rest, the full
# list is in the table next to it.
MAX_BARS = 12
MAX_LABEL_CHARS = 42


def investment_volume_by_district(figures: Figures, *, language: str | None = None) -> bytes:
    """PNG: confirmed and announced/estimated investment volume per district, horizontal bars."""
    return chart_png("investment_volume_by_district", figures, language=language)


def investment_volume_by_sector(figures: Figures, *, language: str | None = None) -> bytes:
    """PNG: confirmed and announced/estimated investment volume per NACE section."""
    return chart_png("investment_volume_by_sector", figures, language=language)


def exhibitors_by_country(figures: Figures, *, language: str | None = None) -> bytes:
    """PNG: exhibitors on joint booths per country of the fair."""
    return chart_png("exhibitors_by_country", figures, language=language)


def delegations_by_country(figures: Figures, *, language: str | None = None) -> bytes:
    """PNG: outbound trips and inbound delegations per country, side by side."""
    return chart_png("delegations_by_country", figures, language=language)


def matchmaking_funnel(figures: Figures, *, language: str | None = None) -> bytes:
    """PNG: the matchmaking funnel, each step with its share of the step before."""
    return chart_png("matchmaking_funnel", figures, language=language)


def chart_png(name: str, figures: Figures, *, language: str | None = None) -> bytes:
    """The chart ``name`` (a key of ``CHARTS``) as PNG bytes."""
    buffer = io.BytesIO()
    # Drawing happens in savefig (tick labels are formatted only then), so it runs in the language too.
    with _language(language):
        figure = build_chart(name, figures)
        # Fixed metadata keeps two renders of the same figures byte-identical (no version string).
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def chart_svg(name: str, figures: Figures, *, language: str | None = None) -> str:
    """The chart ``name`` as SVG text for the web dashboard (scales without blurring; text is drawn
    as paths, so the browser needs no font)."""
    buffer = io.StringIO()
    with _language(language):
        figure = build_chart(name, figures)
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def build_chart(name: str, figures: Figures, *, language: str | None = None) -> Figure:
    """The chart as a matplotlib Figure (for callers that want another format). Its tick labels are
    formatted when it is drawn: save it in the same language."""
    with _language(language):
        return CHARTS[name](figures)


def _language(language: str | None) -> AbstractContextManager[Any]:
    # None: the caller's active language (an export already inside override(), a request).
    return nullcontext() if language is None else override(language)


def _rows(figures: Figures, table: str) -> list[Mapping[str, Any]]:
    return list((figures.get("tables") or {}).get(table) or [])


def _short(text: str) -> str:
    return textwrap.shorten(text, MAX_LABEL_CHARS, placeholder="…")


def _new_figure(bars: int) -> Figure:
    # Height grows with the number of bars so a bar keeps its thickness and its label stays legible.
    figure = Figure(figsize=(WIDTH_INCHES, 1.2 + 0.32 * max(bars, 3)), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _no_data(title: str) -> Figure:
    figure = Figure(figsize=(WIDTH_INCHES, 1.6), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.set_title(title, loc="left", color=TEXT, fontsize=11)
    axes.text(0.5, 0.4, gettext("No data"), ha="center", va="center", fontsize=12, color="#888888")
    return figure


def _top(items: list[tuple[str, list[float]]], other_label: str) -> list[tuple[str, list[float]]]:
    """The MAX_BARS largest items (by their first series), the rest summed as one bar."""
    items = sorted(items, key=lambda item: item[1][0] + sum(item[1][1:]), reverse=True)
    if len(items) <= MAX_BARS:
        return items
    head, tail = items[: MAX_BARS - 1], items[MAX_BARS - 1 :]
    summed = [sum(values[i] for _, values in tail) for i in range(len(tail[0][1]))]
    return [*head, (other_label, summed)]


def _barh(
    title: str,
    items: list[tuple[str, list[float]]],
    series: Sequence[tuple[str, str]],
    *,
    value_text: Callable[[float], str],
    axis_label: str = "",
    counts: bool = False,
) -> Figure:
    """Horizontal bars, largest on top, one bar per series and item, each annotated with its value."""
    if not items or not any(any(values) for _, values in items):
        return _no_data(title)
    figure = _new_figure(len(items) * max(1, len(series) - 0.5))
    axes = figure.add_subplot()
    height = 0.8 / len(series)
    positions = range(len(items))
    largest = max(max(values) for _, values in items) or 1
    for index, (name, colour) in enumerate(series):
        offsets = [p - 0.4 + height * (index + 0.5) for p in positions]
        values = [values[index] for _, values in items]
        bars = axes.barh(offsets, values, height=height, color=colour, label=name)
        for bar, value in zip(bars, values, strict=True):
            if value:
                axes.text(
                    bar.get_width() + largest * 0.01,
                    bar.get_y() + bar.get_height() / 2,
                    value_text(value),
                    va="center",
                    fontsize=7,
                    color=TEXT,
                )
    axes.set_yticks(list(positions), [_short(name) for name, _ in items], fontsize=8)
    axes.invert_yaxis()  # largest first, as the table lists it
    axes.set_xlim(0, largest * 1.18)  # room for the value of the longest bar
    if counts:
        # Half a delegation is not a thing: integer ticks only, also when the largest count is 3.
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(_tick))
    axes.tick_params(axis="x", labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(title, loc="left", color=TEXT, fontsize=11)
    if axis_label:
        axes.set_xlabel(axis_label, fontsize=8, color=TEXT)
    if len(series) > 1:
        axes.legend(fontsize=7, frameon=False, loc="lower right")
    return figure


def _tick(value: float, _position: int) -> str:
    # Axis ticks in the active language's digits ("1.500" / "1,500"; "2,5" / "2.5").
    decimals = 0 if float(value).is_integer() else 1
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def _millions(value: Any) -> float:
    return float(Decimal(str(value or 0)) / Decimal(1_000_000))


def _volume_chart(figures: Figures, table: str, title: str) -> Figure:
    rows = _rows(figures, table)
    items = [
        (
            labels.label(table, row.get("key"), row),
            [_millions(row.get("investment_volume_eur")), _millions(row.get("investment_volume_estimated_eur"))],
        )
        for row in rows
    ]
    series = [(gettext("Confirmed"), PRIMARY), (gettext("Announced or estimated"), LIGHT)]
    if not any(values[1] for _, values in items):
        # No unconfirmed figures: one series, no legend, no empty second bar per row.
        items = [(name, values[:1]) for name, values in items]
        series = series[:1]
    return _barh(
        title,
        _top(items, gettext("Other")),
        series,
        value_text=lambda v: number_format(v, decimal_pos=1, force_grouping=True),
        axis_label=gettext("EUR million"),
    )


def _district_figure(figures: Figures) -> Figure:
    return _volume_chart(figures, "investments_by_district", gettext("Investment volume by district"))


def _sector_figure(figures: Figures) -> Figure:
    return _volume_chart(figures, "investments_by_sector", gettext("Investment volume by sector"))


def _integer(value: float) -> str:
    return number_format(round(value), force_grouping=True)


def _exhibitors_figure(figures: Figures) -> Figure:
    table = "fairs_by_country"
    items = [
        (labels.label(table, row.get("key"), row), [float(row.get("exhibitors") or 0)]) for row in _rows(figures, table)
    ]
    return _barh(
        gettext("Exhibitors by country of the trade fair"),
        _top(items, gettext("Other")),
        [(gettext("Exhibitors"), PRIMARY)],
        value_text=_integer,
        counts=True,
    )


def _delegations_figure(figures: Figures) -> Figure:
    table = "delegations_by_country"
    items = [
        (labels.label(table, row.get("key"), row), [float(row.get("outbound") or 0), float(row.get("inbound") or 0)])
        for row in _rows(figures, table)
    ]
    return _barh(
        gettext("Delegations by country"),
        _top(items, gettext("Other")),
        [(gettext("Outbound delegation trips"), PRIMARY), (gettext("Inbound foreign delegations"), SECONDARY)],
        value_text=_integer,
        counts=True,
    )


def _funnel_figure(figures: Figures) -> Figure:
    table = "matchmaking_funnel"
    title = gettext("Matchmaking funnel")
    # The funnel keeps its order (each step follows from the one before); it is never sorted.
    rows = _rows(figures, table)
    counts = [int(row.get("count") or 0) for row in rows]
    if not rows or not any(counts):
        return _no_data(title)
    figure = _new_figure(len(rows))
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    axes.barh(positions, counts, color=PRIMARY, height=0.6)
    largest = max(counts) or 1
    previous = None
    for position, count in zip(positions, counts, strict=True):
        text = _integer(count)
        if previous:
            share = number_format(100 * count / previous, decimal_pos=1, force_grouping=True)
            text = f"{text} ({share} %)"
        axes.text(count + largest * 0.01, position, text, va="center", fontsize=8, color=TEXT)
        previous = count
    axes.set_yticks(positions, [_short(labels.label(table, row.get("key"), row)) for row in rows], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, largest * 1.3)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(_tick))
    axes.tick_params(axis="x", labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(title, loc="left", color=TEXT, fontsize=11)
    axes.set_xlabel(gettext("Percentages: share of the step before"), fontsize=7, color=TEXT)
    return figure


# name → builder; the PDF embeds them in this order, each after its area's tables.
CHARTS: dict[str, Callable[[Figures], Figure]] = {
    "investment_volume_by_district": _district_figure,
    "investment_volume_by_sector": _sector_figure,
    "exhibitors_by_country": _exhibitors_figure,
    "delegations_by_country": _delegations_figure,
    "matchmaking_funnel": _funnel_figure,
}

# Which area's chapter of the PDF shows which charts.
AREA_CHARTS: dict[str, tuple[str, ...]] = {
    "investments": ("investment_volume_by_district", "investment_volume_by_sector"),
    "fairs": ("exhibitors_by_country",),
    "delegations": ("delegations_by_country",),
    "matchmaking": ("matchmaking_funnel",),
}
