"""Exports of a report's frozen figures: XLSX for working with the numbers, PDF for reading and
passing on, CSV for loading into other tools.

All three read the figures dict (schema in ``reports.kpis``; see the module docstring there) and
the table definitions of ``reports.labels``, and render inside ``translation.override(language)``
so that labels, sheet names and number formats follow the report's language, not the language of
whichever request or task happens to run them. German is the default: it is the agency's working
language and the language of its ministry.

Nothing here touches the database: the figures are frozen, so an export of a 2018 report made
today shows what was reported in 2018.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, override
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from reports import charts, formats, kpi_registry, labels
from reports.formats import DECIMAL_TYPES, NUMERIC_TYPES
from reports.labels import Column
from wfs_portal.spreadsheets import escape_formula, set_cell_value

Figures = Mapping[str, Any]

AGENCY = "Wirtschaftsförderung Sachsen GmbH"

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
        by_area: dict[str, list[tuple[labels.Table, list[Mapping[str, Any]]]]] = {}
        for table, rows in labels.ordered_tables(figures):
            by_area.setdefault(table.area, []).append((table, rows))
        for area_key, tables in by_area.items():
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
    set_cell_value(sheet["A2"], _period_text(figures))
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
    workbook gives the same bytes (openpyxl writes entries by name, which takes the current time)."""

    def __init__(self, *args: Any, date_time: tuple[int, int, int, int, int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._date_time = date_time

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=self._date_time)
            zinfo_or_arcname.compress_type = self.compression
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)


def _save_workbook(workbook: Workbook, stamp: datetime.datetime) -> bytes:
    buffer = io.BytesIO()
    # openpyxl's save_workbook() would overwrite properties.modified with the current time; the
    # ExcelWriter it wraps keeps the one set above. Zip times before 1980 cannot be stored.
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    archive = _FixedTimeZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True, date_time=date_time)
    ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


def _period_text(figures: Figures) -> str:
    start, end = formats.period(figures)
    if start is None or end is None:
        return ""
    return f"{date_format(start, 'DATE_FORMAT')} – {date_format(end, 'DATE_FORMAT')}"


# --- PDF -----------------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 2 * cm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
# Column widths of the PDF tables by type (at least; see _pdf_column_widths); the label column takes
# what is left, but no less than PDF_LABEL_MIN_WIDTH.
PDF_COLUMN_WIDTHS: dict[str, float] = {
    "int": 2.1 * cm,
    "eur": 3.1 * cm,
    "m2": 2.4 * cm,
    "decimal": 2.4 * cm,
    "date": 2.2 * cm,
    "country": 3.2 * cm,
    "text": 3.2 * cm,
}
PDF_LABEL_MIN_WIDTH = 3.5 * cm
# Left and right padding of a table cell (ReportLab's default is 6 points): narrow enough that the
# longest words of the German column titles fit their columns.
PDF_CELL_SIDE_PADDING = 4
PDF_GREEN = colors.HexColor(charts.PRIMARY)
PDF_HEADER_FILL = colors.HexColor("#DCE9E2")


def render_pdf(
    figures: Figures, *, title: str, language: str = "de", generated_at: datetime.datetime | None = None
) -> bytes:
    """The figures as a PDF report: a title page, the headline figures, then per area its tables
    and charts, with page numbers in the footer.

    Text is set in ReportLab's built-in Helvetica: its WinAnsi encoding covers ä ö ü ß € ² and the en
    dash, so no font file is embedded or needed on the server. Numbers read as the language writes
    them (141.820.000,00 € / EUR 141,820,000.00). ``generated_at`` defaults to now; a caller that
    re-renders a stored report passes the time it was frozen.
    """
    with override(language):
        generated_at = generated_at or timezone.now()
        if timezone.is_aware(generated_at):
            generated_at = timezone.localtime(generated_at)
        styles = _pdf_styles()
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=title,
            author=AGENCY,
            subject=_period_text(figures),
            creator="WFS Portal",
            lang=language,
        )
        story: list[Flowable] = _pdf_title_page(figures, title=title, generated_at=generated_at, styles=styles)
        story.append(PageBreak())
        story += _pdf_kpis(figures, styles)
        by_area: dict[str, list[tuple[labels.Table, list[Mapping[str, Any]]]]] = {}
        for table, rows in labels.ordered_tables(figures):
            by_area.setdefault(table.area, []).append((table, rows))
        for area_key, tables in by_area.items():
            story.append(PageBreak())
            story.append(Paragraph(escape(str(kpi_registry.AREAS[area_key].title)), styles["h1"]))
            for table, rows in tables:
                story += _pdf_table(table, rows, styles)
            for chart_name in charts.AREA_CHARTS.get(area_key, ()):
                story.append(_pdf_chart(charts.chart_png(chart_name, figures)))
                story.append(Spacer(1, 0.4 * cm))

        footer_title = title
        page_text = gettext("Page %(page)s of %(pages)s")

        class _Canvas(_NumberedCanvas):
            footer = footer_title
            page_label = page_text

        document.build(story, canvasmaker=_Canvas)
        return buffer.getvalue()


class _NumberedCanvas(Canvas):
    """A canvas that holds every page back until the end, so each footer can say "Page 3 of 7"
    (the page count is unknown while the story is still being laid out)."""

    footer = ""
    page_label = "%(page)s / %(pages)s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # ReportLab's name, overridden
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            if self._pageNumber > 1:  # the title page has no footer
                self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        self.saveState()
        self.setFont("Helvetica", 8)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawString(MARGIN, MARGIN / 2, f"{AGENCY} · {self.footer}")
        self.drawRightString(
            PAGE_WIDTH - MARGIN, MARGIN / 2, self.page_label % {"page": self._pageNumber, "pages": total}
        )
        self.restoreState()


def _pdf_styles() -> dict[str, ParagraphStyle]:
    sample = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("ReportTitle", parent=sample["Title"], fontSize=24, leading=30, alignment=0),
        "subtitle": ParagraphStyle("ReportSubtitle", parent=sample["Normal"], fontSize=14, leading=20),
        "meta": ParagraphStyle("ReportMeta", parent=sample["Normal"], fontSize=10, leading=14, textColor="#555555"),
        "h1": ParagraphStyle("ReportH1", parent=sample["Heading1"], textColor=PDF_GREEN),
        "h2": ParagraphStyle("ReportH2", parent=sample["Heading2"], fontSize=12, leading=15),
        "cell": ParagraphStyle("ReportCell", parent=sample["Normal"], fontSize=8, leading=10),
        "head": ParagraphStyle(
            "ReportHead", parent=sample["Normal"], fontName="Helvetica-Bold", fontSize=8, leading=10
        ),
        "head_right": ParagraphStyle(
            "ReportHeadRight",
            parent=sample["Normal"],
            fontName="Helvetica-Bold",
            fontSize=8,
            leading=10,
            alignment=TA_RIGHT,
        ),
        "empty": ParagraphStyle("ReportEmpty", parent=sample["Normal"], fontName="Helvetica-Oblique", fontSize=9),
    }


def _pdf_title_page(
    figures: Figures, *, title: str, generated_at: datetime.datetime, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    generated = date_format(generated_at, "DATETIME_FORMAT")
    return [
        Spacer(1, 5 * cm),
        Paragraph(escape(title), styles["title"]),
        Spacer(1, 0.5 * cm),
        Paragraph(escape(_period_text(figures)), styles["subtitle"]),
        Spacer(1, 6 * cm),
        Paragraph(escape(AGENCY), styles["subtitle"]),
        Spacer(1, 0.3 * cm),
        Paragraph(escape(gettext("Generated on %(date)s") % {"date": generated}), styles["meta"]),
    ]


def _table_style(header_rows: int = 1, total_row: bool = False, numeric_from: int = 1) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), PDF_HEADER_FILL),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (numeric_from, header_rows), (-1, -1), "RIGHT"),
        ("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [colors.white, colors.HexColor("#F4F7F5")]),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), PDF_CELL_SIDE_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PDF_CELL_SIDE_PADDING),
    ]
    if total_row:
        commands += [
            ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
            ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, -1), (-1, -1), colors.white),
        ]
    return TableStyle(commands)


def _pdf_kpis(figures: Figures, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    data: list[list[Any]] = [
        [
            Paragraph(escape(gettext("Key figure")), styles["head"]),
            Paragraph(escape(gettext("Value")), styles["head_right"]),
        ]
    ]
    area_rows: list[int] = []
    current_area = None
    for kpi, value in kpi_registry.ordered_kpis(figures):
        if kpi.area != current_area:
            # An area's name as a sub-heading row groups the twenty-odd figures for the reader.
            current_area = kpi.area
            area_rows.append(len(data))
            data.append([Paragraph(f"<b>{escape(str(kpi_registry.AREAS[kpi.area].title))}</b>", styles["cell"]), ""])
        text = formats.format_number(value, kpi.type) if kpi.type in NUMERIC_TYPES else str(value)
        data.append([Paragraph(escape(str(kpi.label)), styles["cell"]), text])
    table = Table(data, colWidths=[TEXT_WIDTH - 5 * cm, 5 * cm], repeatRows=1)
    style = _table_style()
    for row in area_rows:
        style.add("SPAN", (0, row), (1, row))
        style.add("BACKGROUND", (0, row), (-1, row), colors.white)
        style.add("TOPPADDING", (0, row), (-1, row), 6)
    table.setStyle(style)
    return [Paragraph(escape(gettext("Key figures")), styles["h1"]), table]


def _pdf_table(table: labels.Table, rows: list[Mapping[str, Any]], styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    heading = Paragraph(escape(str(table.title)), styles["h2"])
    if not rows:
        return [KeepTogether([heading, Paragraph(escape(gettext("No data")), styles["empty"])])]
    widths = _pdf_column_widths(table, styles["head"])
    header = [
        Paragraph(escape(str(column.label)), styles["head_right" if column.type in NUMERIC_TYPES else "head"])
        for column in table.columns
    ]
    data: list[list[Any]] = [header]
    for row in rows:
        data.append(
            [
                # Labels and names may be long: a Paragraph wraps where a plain string would overflow.
                Paragraph(escape(labels.format_cell(column, table.name, row)), styles["cell"])
                if column.type in ("label", "text", "country")
                else labels.format_cell(column, table.name, row)
                for column in table.columns
            ]
        )
    totals = labels.column_totals(table, rows)
    if totals:
        data.append(
            [
                gettext("Total")
                if column.type == "label"
                else (
                    formats.format_number(totals[column.key], column.type, unit=False) if column.key in totals else ""
                )
                for column in table.columns
            ]
        )
    numeric_from = next((i for i, c in enumerate(table.columns) if c.type in NUMERIC_TYPES), len(table.columns))
    pdf_table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    pdf_table.setStyle(_table_style(total_row=bool(totals), numeric_from=numeric_from))
    return [heading, pdf_table, Spacer(1, 0.3 * cm)]


def _pdf_column_widths(table: labels.Table, head: ParagraphStyle) -> list[float]:
    """Each column as wide as its type needs and at least as wide as the longest word of its title
    plus the cell padding. A narrower column makes ReportLab break the word anywhere
    ("Investitionsvolume|n", "Arbeitsplätz|e"): it cannot hyphenate German without a dictionary,
    and German titles are long compounds. The label column takes the rest of the text width."""

    def longest_word(text: str) -> float:
        return max((stringWidth(word, head.fontName, head.fontSize) for word in text.split()), default=0.0)

    widths = [
        0.0
        if column.type == "label"
        else max(PDF_COLUMN_WIDTHS.get(column.type, 0.0), longest_word(str(column.label)) + 2 * PDF_CELL_SIDE_PADDING)
        for column in table.columns
    ]
    rest = max(TEXT_WIDTH - sum(widths), PDF_LABEL_MIN_WIDTH)
    return [rest if column.type == "label" else width for column, width in zip(table.columns, widths, strict=True)]


def _pdf_chart(png: bytes) -> Image:
    reader = ImageReader(io.BytesIO(png))
    width, height = reader.getSize()
    # Charts are drawn at the text width (charts.WIDTH_INCHES); scale only if the page is narrower.
    shown_width = min(TEXT_WIDTH, charts.WIDTH_INCHES * 72)
    return Image(io.BytesIO(png), width=shown_width, height=shown_width * height / width)


# --- CSV -----------------------------------------------------------------------------------------

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


FORMATS = ("xlsx", "pdf", "csv")


def render(fmt: str, figures: Figures, *, title: str, language: str = "de", generated_at=None) -> bytes:
    """The figures as ``fmt`` (one of FORMATS): the one dispatch the task, the admin and the
    command use."""
    if fmt == "xlsx":
        return render_xlsx(figures, title=title, language=language)
    if fmt == "pdf":
        return render_pdf(figures, title=title, language=language, generated_at=generated_at)
    if fmt == "csv":
        return render_csv(figures, language=language)
    raise ValueError(f"Unknown export format {fmt!r}: one of {', '.join(FORMATS)}.")
