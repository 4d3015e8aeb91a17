"""What the XLSX, PDF and CSV exports share: the type of the figures they read, the publisher's
name, the period as one line of text, and the tables grouped by area."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.formats import date_format

from reports import formats, labels

Figures = Mapping[str, Any]
TablesByArea = dict[str, list[tuple[labels.Table, list[Mapping[str, Any]]]]]

AGENCY = "Wirtschaftsförderung Sachsen GmbH"


def period_text(figures: Figures) -> str:
    start, end = formats.period(figures)
    if start is None or end is None:
        return ""
    return f"{date_format(start, 'DATE_FORMAT')} – {date_format(end, 'DATE_FORMAT')}"


def tables_by_area(figures: Figures) -> TablesByArea:
    """The figures' tables (labels.ordered_tables) by area, the areas in the order of their first
    table: one XLSX sheet, one PDF chapter each."""
    by_area: TablesByArea = {}
    for table, rows in labels.ordered_tables(figures):
        by_area.setdefault(table.area, []).append((table, rows))
    return by_area
