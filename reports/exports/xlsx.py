"""The XLSX export of a report's frozen figures, for working with the numbers: an overview sheet,
then one sheet per area (see render_xlsx)."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.utils.translation import gettext, override
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from reports import formats, kpi_registry, labels
from reports.exports.common import AGENCY, Figures, period_text, tables_by_area
from reports.formats import DECIMAL_TYPES, NUMERIC_TYPES
from reports.labels import Column
from wfs_portal.spreadsheets import set_cell_value

# Excel number formats. The format codes are locale-neutral ("," groups, "." is the decimal point)
# and German Excel displays them as 1.234,50; [$€-407] is the euro sign of the German locale
# (0x407), so the symbol follows the number as in German even in an English Excel.
XLSX_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "eur": "#,##0.00 [$€-407]",
    "m2": "#,##0.00",
    "decimal": "#,##0.00",
}
XLSX_DATE_FORMATS = {"de": "DD.MM.YYYY", "en": "YYYY-MM-DD"}
# Sheet names: at most 31 characters and none of these (Excel refuses the file otherwise).
_SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))


def render_xlsx(figures: Figures, *, title: str, language: str = "de") -> bytes:
    """The figures as an Excel workbook: an overview sheet (period and headline figures), then one
    sheet per area with its tables.

    Numbers are numbers (int, or Decimal for EUR and m², never text), formatted by Excel number
    formats, so the workbook can be summed and charted. Dates are real dates. Texts are text cells,
    never formulas, whatever they start with (``wfs_portal.spreadsheets.set_cell_value``): the
    title, fair and sector names are typed by people. The workbook's
    created/modified properties and the zip entries' timestamps are fixed (derived from the
    period's end), so rendering the same figures twice gives the same bytes.
    """
    with override(language):
        workbook = Workbook()
        overview = workbook.active
        assert overview is not None  # a new Workbook always has one sheet
        _xlsx_overview(overview, figures, title=title, language=language)
        names = {overview.title}
        for area_key, tables in tables_by_area(figures).items():
            area = kpi_registry.AREAS[area_key]
            sheet = workbook.create_sheet(_sheet_name(str(area.title), names))
            names.add(sheet.title)
            _xlsx_area(sheet, area, tables, figures, language=language)

        start, end = formats.period(figures)
        stamp = datetime.datetime.combine(end or datetime.date(2000, 1, 1), datetime.time())
        workbook.properties.title = title
        workbook.properties.creator = AGENCY
        workbook.properties.created = stamp
        workbook.properties.modified = stamp
        workbook.properties.language = language
        return _save_workbook(workbook, stamp)


def _sheet_name(name: str, taken: set[str]) -> str:
    base = name.translate(_SHEET_NAME_FORBIDDEN)[:31] or "Sheet"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    return candidate


BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE9E2")
HEADER_BORDER = Border(bottom=Side(style="thin"))
TOTAL_BORDER = Border(top=Side(style="thin"))


def _xlsx_overview(sheet: Worksheet, figures: Figures, *, title: str, language: str) -> None:
    sheet.title = _sheet_name(gettext("Overview"), set())
    start, end = formats.period(figures)
    date_format_code = XLSX_DATE_FORMATS.get(language, XLSX_DATE_FORMATS["de"])
    set_cell_value(sheet["A1"], title).font = Font(bold=True, size=14)
    set_cell_value(sheet["A2"], gettext("Period start"))
    sheet["B2"] = start
    set_cell_value(sheet["A3"], gettext("Period end"))
    sheet["B3"] = end
    for cell in (sheet["B2"], sheet["B3"]):
        cell.number_format = date_format_code
        cell.alignment = Alignment(horizontal="left")
    header_row = 5
    for column, text in enumerate((gettext("Key figure"), gettext("Value"), gettext("Area")), start=1):
        _header_cell(sheet, header_row, column, text)
    row = header_row
    for kpi, value in kpi_registry.ordered_kpis(figures):
        row += 1
        set_cell_value(sheet.cell(row=row, column=1), str(kpi.label))
        _number_cell(sheet, row, 2, value, kpi.type)
        set_cell_value(sheet.cell(row=row, column=3), str(kpi_registry.AREAS[kpi.area].title))
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.column_dimensions["A"].width = 52
    sheet.column_dimensions["B"].width = 22
    sheet.column_dimensions["C"].width = 22


def _xlsx_area(
    sheet: Worksheet,
    area: kpi_registry.Area,
    tables: list[tuple[labels.Table, list[Mapping[str, Any]]]],
    figures: Figures,
    *,
    language: str,
) -> None:
    set_cell_value(sheet["A1"], str(area.title)).font = Font(bold=True, size=14)
    set_cell_value(sheet["A2"], period_text(figures))
    date_format_code = XLSX_DATE_FORMATS.get(language, XLSX_DATE_FORMATS["de"])
    widths: dict[int, int] = {}
    row = 3
    first_header = 0
    for table, rows in tables:
        row += 1
        set_cell_value(sheet.cell(row=row, column=1), str(table.title)).font = Font(bold=True, size=12)
        row += 1
        first_header = first_header or row
        for index, column in enumerate(table.columns, start=1):
            _header_cell(sheet, row, index, str(column.label))
            # Headers wrap, so only the values decide the width; a long title does not widen a column.
            widths[index] = max(widths.get(index, 0), 12 if column.type != "label" else 24)
        if not rows:
            row += 1
            set_cell_value(sheet.cell(row=row, column=1), gettext("No data")).font = Font(italic=True)
        for data in rows:
            row += 1
            for index, column in enumerate(table.columns, start=1):
                value = labels.cell_value(column, table.name, data)
                cell = set_cell_value(sheet.cell(row=row, column=index), value)
                if column.type in NUMERIC_TYPES:
                    cell.number_format = XLSX_FORMATS[column.type]
                elif column.type == "date":
                    cell.number_format = date_format_code
                widths[index] = max(widths[index], _display_width(column, value))
        totals = labels.column_totals(table, rows)
        if totals:
            row += 1
            label_cell = set_cell_value(sheet.cell(row=row, column=1), gettext("Total"))
            label_cell.font, label_cell.border = BOLD, TOTAL_BORDER
            for index, column in enumerate(table.columns, start=1):
                if column.key in totals:
                    cell = _number_cell(sheet, row, index, totals[column.key], column.type)
                    cell.font = BOLD
                if index > 1:
                    sheet.cell(row=row, column=index).border = TOTAL_BORDER
        row += 1  # a blank row between tables
    # One table: its header row stays in view. Several tables stacked: no single header row can, so
    # the label column and the sheet title stay in view instead.
    if len(tables) == 1 and first_header:
        sheet.freeze_panes = sheet.cell(row=first_header + 1, column=2)
    else:
        sheet.freeze_panes = "B3"
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 60)


def _header_cell(sheet: Worksheet, row: int, column: int, text: str) -> None:
    cell = set_cell_value(sheet.cell(row=row, column=column), text)
    cell.font = BOLD
    cell.fill = HEADER_FILL
    cell.border = HEADER_BORDER
    cell.alignment = Alignment(wrap_text=True, vertical="bottom")


def _number_cell(sheet: Worksheet, row: int, column: int, value: Any, type_: formats.ColumnType) -> Any:
    if type_ in NUMERIC_TYPES:
        cell = sheet.cell(row=row, column=column, value=formats.to_number(value, type_))
        cell.number_format = XLSX_FORMATS[type_]
    else:
        cell = set_cell_value(sheet.cell(row=row, column=column), None if value is None else str(value))
    return cell


def _display_width(column: Column, value: Any) -> int:
    if value is None:
        return 0
    if column.type in NUMERIC_TYPES:
        # Formatted with grouping and, for EUR, " €": a rough count is enough for a column width.
        digits = len(f"{value:,.2f}" if column.type in DECIMAL_TYPES else f"{value:,}")
        return digits + (2 if column.type == "eur" else 0)
    if column.type == "date":
        return 10
    return len(str(value))


class _FixedTimeZipFile(zipfile.ZipFile):
    """A ZipFile that stamps every entry with one fixed time instead of the clock's, so the same
    workbook gives the same bytes (openpyxl writes entries by name, which takes the current time,
    and the worksheets from temporary files, which keep theirs)."""

    def __init__(self, *args: Any, date_time: tuple[int, int, int, int, int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._date_time = date_time

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=self._date_time)
            zinfo_or_arcname.compress_type = self.compression
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        # The worksheets come from temporary files, whose modification time the zip would keep.
        with open(filename, "rb") as handle:
            self.writestr(arcname or Path(filename).name, handle.read())


def _save_workbook(workbook: Workbook, stamp: datetime.datetime) -> bytes:
    buffer = io.BytesIO()
    # openpyxl's save_workbook() would overwrite properties.modified with the current time; the
    # ExcelWriter it wraps keeps the one set above. Zip times before 1980 cannot be stored.
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    archive = _FixedTimeZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True, date_time=date_time)
    ExcelWriter(workbook, archive).save()
    return buffer.getvalue()
