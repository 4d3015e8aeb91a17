"""The CSV export of a report's frozen figures, for loading into other tools: one long table, one
line per number (see render_csv)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, override

from reports import formats, kpi_registry, labels
from reports.exports.common import Figures
from reports.formats import NUMERIC_TYPES
from wfs_portal.spreadsheets import escape_formula

CSV_HEADER = ("area", "table", "key", "label", "metric", "value")


def render_csv(figures: Figures, *, language: str = "de") -> bytes:
    """The figures as one long table: ``area; table; key; label; metric; value``, one line per number.

    The long shape (rather than one CSV per table) keeps every figure in one file that a pivot
    table or a script reads without knowing the tables. ``area``, ``table``, ``key`` and ``metric``
    are the stable identifiers of the figures schema, in English, so a script keeps working across
    languages; ``label`` is the row's label in the chosen language, for people.

    Dialect by language, because that is what each language's Excel opens by double-click:
    German: ";" as delimiter, "," as decimal mark, UTF-8 with a byte-order mark (without the BOM
    German Excel reads the file as Windows-1252 and garbles umlauts). English: "," as delimiter,
    "." as decimal mark, UTF-8 without BOM. Values are never grouped (no thousands separators) and
    carry no unit, so they re-import as numbers; dates are ISO (2018-01-29) and countries ISO codes.
    Totals are left out: they are sums of lines already in the file. Texts that start like a formula
    (a fair named "=1+1") get a leading "'" (``wfs_portal.spreadsheets.escape_formula``); numbers
    never do, so a negative amount re-imports as a number.
    """
    german = language.split("-")[0] != "en"
    delimiter, decimal_mark = (";", ",") if german else (",", ".")
    with override(language):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        start, end = formats.period(figures)
        for key, text, value in (("start", gettext("Period start"), start), ("end", gettext("Period end"), end)):
            writer.writerow(_csv_row("overview", "period", key, text, "date", value.isoformat() if value else ""))
        for kpi, value in kpi_registry.ordered_kpis(figures):
            writer.writerow(
                _csv_row(kpi.area, "kpis", kpi.key, str(kpi.label), "value", _csv_value(value, kpi.type, decimal_mark))
            )
        for table, rows in labels.ordered_tables(figures):
            for row in rows:
                key = row.get("key")
                row_label = labels.label(table.name, key, row)
                for column in table.columns:
                    if column.type == "label":
                        continue
                    value = _csv_value(row.get(column.key), column.type, decimal_mark)
                    writer.writerow(
                        _csv_row(table.area, table.name, "" if key is None else key, row_label, column.key, value)
                    )
        text = buffer.getvalue()
    return ("\ufeff" + text).encode("utf-8") if german else text.encode("utf-8")


def _csv_row(area: str, table: str, key: Any, label: str, metric: str, value: str) -> tuple[Any, ...]:
    # Names of tables, keys and metrics of a newer schema, and labels, come from the figures: texts
    # like any other. ``value`` is escaped by _csv_value, which knows whether it is a number.
    texts = tuple(escape_formula(text) for text in (area, table, key, label, metric))
    return (*texts, value)


def _csv_value(value: Any, type_: formats.ColumnType, decimal_mark: str) -> str:
    """The value as written to the CSV; a text is escaped against formula injection, a number or
    a date never is."""
    if value is None or value == "":
        return ""
    if type_ in NUMERIC_TYPES:
        number = formats.to_number(value, type_)
        if isinstance(number, Decimal):
            # format "f": never an exponent (Decimal("1E+3") would print as 1E+3).
            return format(number, "f").replace(".", decimal_mark)
        return str(number)
    if type_ == "date":
        parsed = formats.parse_date(value)
        return parsed.isoformat() if parsed else escape_formula(str(value))
    return escape_formula(str(value))
