"""The PDF export of a report's frozen figures, for reading and passing on: a title page, the
headline figures, then per area its tables and charts (see render_pdf)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, override
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from reports import charts, formats, kpi_registry, labels
from reports.exports.common import AGENCY, Figures, period_text, tables_by_area
from reports.formats import NUMERIC_TYPES
from wfs_portal.pdf import a4_document

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
        document = a4_document(
            buffer, margin=MARGIN, title=title, author=AGENCY, subject=period_text(figures), lang=language
        )
        story: list[Flowable] = _pdf_title_page(figures, title=title, generated_at=generated_at, styles=styles)
        story.append(PageBreak())
        story += _pdf_kpis(figures, styles)
        for area_key, tables in tables_by_area(figures).items():
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
        Paragraph(escape(period_text(figures)), styles["subtitle"]),
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
