"""The exports of frozen report figures: XLSX, PDF and CSV in German and English, the charts, the labels.

The figures are built by hand from the schema (reports/kpis.py, schema 1), not computed from the
database, so these tests pin the rendering alone and need no database.
"""

import copy
import csv
import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.utils.translation import gettext, override
from pypdf import PdfReader

from reports import charts, formats, kpi_registry, labels
from reports.exports.csv import render_csv
from reports.exports.pdf import render_pdf
from reports.exports.xlsx import XLSX_FORMATS, render_xlsx

TITLE = "Jahresbericht 2018"


def _investment_row(key, projects, volume, estimated, new_jobs, secured_jobs, **extra):
    return {
        "key": key,
        "projects": projects,
        "investment_volume_eur": volume,
        "investment_volume_estimated_eur": estimated,
        "new_jobs": new_jobs,
        "secured_jobs": secured_jobs,
        **extra,
    }


@pytest.fixture
def figures():
    """A year's figures as reports.kpis.compute() freezes them: amounts as two-decimal strings, keys
    instead of labels, one empty table, a row for projects outside Saxony."""
    return {
        "schema": 1,
        "period": {"start": "2018-01-01", "end": "2018-12-31"},
        "kpis": {
            "settlements_and_expansions": 20,
            "investment_volume_eur": "141820000.00",
            "investment_volume_estimated_eur": "2500000.50",
            "new_jobs": 361,
            "secured_jobs": 538,
            "pipeline_open_projects": 12,
            "site_offers_sent": 30,
            "fairs_with_joint_booth": 2,
            "exhibitors": 20,
            "first_time_exhibitors": 4,
            "booked_area_m2": "1234.50",
            "outbound_delegations": 3,
            "inbound_delegations": 3,
            "delegation_participants": 30,
            "workshops": 3,
            "workshop_sessions": 9,
            "workshop_organisations": 0,
            "matches_computed": 3000,
            "matches_interesting": 40,
            "introductions_requested": 25,
            "introductions_accepted": 12,
        },
        "tables": {
            "investments_by_kind": [
                _investment_row("new_settlement", 9, "100000000.00", "0.00", 300, 0),
                _investment_row("expansion", 11, "41820000.00", "2500000.50", 61, 538),
            ],
            "investments_by_district": [
                _investment_row("dresden", 12, "120000000.00", "2500000.50", 300, 500),
                _investment_row("goerlitz", 5, "21000000.00", "0.00", 50, 38),
                _investment_row("", 3, "820000.00", "0.00", 11, 0),
            ],
            "investments_by_sector": [
                _investment_row("C", 15, "140000000.00", "2500000.50", 350, 538, name="Verarbeitendes Gewerbe"),
                _investment_row("J", 5, "1820000.00", "0.00", 11, 0, name="Information und Kommunikation"),
            ],
            "investments_by_investor_country": [
                _investment_row("US", 8, "90000000.00", "0.00", 200, 300),
                _investment_row("DE", 12, "51820000.00", "2500000.50", 161, 238),
            ],
            "pipeline_by_stage": [
                {"key": "lead", "projects": 4, "site_offers_sent": 3},
                {"key": "negotiation", "projects": 8, "site_offers_sent": 27},
            ],
            "fairs": [
                {
                    "key": 17,
                    "name": "Arab Health",
                    "city": "Dubai",
                    "country": "AE",
                    "start_date": "2018-01-29",
                    "exhibitors": 12,
                    "first_time_exhibitors": 3,
                    "area_m2": "98.00",
                },
                {
                    "key": 23,
                    "name": "MEDICA",
                    "city": "Düsseldorf",
                    "country": "DE",
                    "start_date": "2018-11-12",
                    "exhibitors": 8,
                    "first_time_exhibitors": 1,
                    "area_m2": "1136.50",
                },
            ],
            "fairs_by_country": [
                {"key": "AE", "fairs": 1, "exhibitors": 12, "first_time_exhibitors": 3, "area_m2": "98.00"},
                {"key": "DE", "fairs": 1, "exhibitors": 8, "first_time_exhibitors": 1, "area_m2": "1136.50"},
            ],
            "delegations_by_country": [
                {"key": "CN", "outbound": 2, "inbound": 3, "participants": 25},
                {"key": "US", "outbound": 1, "inbound": 0, "participants": 5},
            ],
            "workshop_organisations_by_kind": [],
            "matchmaking_funnel": [
                {"key": "matches_computed", "count": 3000},
                {"key": "matches_interesting", "count": 40},
                {"key": "introductions_requested", "count": 25},
                {"key": "introductions_accepted", "count": 12},
            ],
        },
        "sources": {"settlements_and_expansions": {"model": "projects.investmentproject", "ids": [1, 2, 3]}},
    }


@pytest.fixture
def empty_figures(figures):
    """A period in which nothing happened: every table empty, every figure zero."""
    empty = copy.deepcopy(figures)
    empty["tables"] = {name: [] for name in figures["tables"]}
    empty["kpis"] = {key: "0.00" if isinstance(value, str) else 0 for key, value in figures["kpis"].items()}
    return empty


def _workbook(figures, language):
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(figures, title=TITLE, language=language)))


def _rows_by_label(sheet):
    """The sheet's rows keyed by their first cell, for finding a table row by its label."""
    return {row[0].value: row for row in sheet.iter_rows() if row[0].value is not None}


def _table_rows(sheet, title):
    """The data rows of the table titled ``title`` on an area sheet (after its header row, up to the
    blank row that ends it)."""
    rows = list(sheet.iter_rows())
    start = next(i for i, row in enumerate(rows) if row[0].value == title)
    body = []
    for row in rows[start + 2 :]:
        if row[0].value is None:
            break
        body.append(row)
    return body


# --- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_has_an_overview_and_one_sheet_per_area_in_english(figures):
    workbook = _workbook(figures, "en")
    assert workbook.sheetnames == [
        "Overview",
        "Investments",
        "Trade fairs",
        "Delegations",
        "Project workshops",
        "Matchmaking",
        "Brokerage events",
    ]


def test_xlsx_sheet_names_follow_the_language(figures):
    workbook = _workbook(figures, "de")
    with override("de"):
        overview = gettext("Overview")
    assert workbook.sheetnames[0] == overview
    # Already translated in the catalogue: the German workbook is German.
    assert "Messen" in workbook.sheetnames
    assert "Delegationen" in workbook.sheetnames


def test_xlsx_headline_cells_hold_the_figures_as_numbers(figures):
    overview = _workbook(figures, "en")["Overview"]
    rows = _rows_by_label(overview)
    for key, expected in figures["kpis"].items():
        with override("en"):
            cell = rows[str(kpi_registry.KPIS[key].label)][1]
        assert isinstance(cell.value, (int, float, Decimal)), (key, cell.value)
        assert Decimal(str(cell.value)) == Decimal(str(expected)), key
    volume = rows["Investment volume (confirmed)"][1]
    assert volume.number_format == "#,##0.00 [$€-407]"
    assert rows["Investment volume (announced or estimated)"][1].value == pytest.approx(2500000.50)
    assert rows["New jobs"][1].number_format == "#,##0"
    assert rows["Booked booth area (m²)"][1].number_format == "#,##0.00"


def test_xlsx_period_is_a_real_date(figures):
    overview = _workbook(figures, "de")["Überblick"]
    assert overview["B2"].value.date() == datetime.date(2018, 1, 1)
    assert overview["B3"].value.date() == datetime.date(2018, 12, 31)
    assert overview["B3"].number_format == "DD.MM.YYYY"


def test_xlsx_table_rows_match_the_figures(figures):
    sheet = _workbook(figures, "en")["Investments"]
    body = _table_rows(sheet, "Investment projects by district")
    assert [row[0].value for row in body] == [
        "Dresden (city)",
        "Görlitz (district)",
        "Outside Saxony or not set",
        "Total",
    ]
    dresden = body[0]
    assert [cell.value for cell in dresden[1:]] == [12, 120000000, 2500000.5, 300, 500]
    assert dresden[2].number_format == XLSX_FORMATS["eur"]
    assert dresden[3].number_format == XLSX_FORMATS["eur"]
    total = body[-1]
    assert [cell.value for cell in total[1:]] == [20, 141820000, 2500000.5, 361, 538]
    assert total[1].font.b


def test_xlsx_fair_rows_carry_label_country_and_date(figures):
    sheet = _workbook(figures, "de")["Messen"]
    with override("de"):
        title = str(labels.TABLES["fairs"].title)
    arab_health = _table_rows(sheet, title)[0]
    assert arab_health[0].value == "Arab Health 2018, Dubai"
    assert arab_health[1].value == "Vereinigte Arabische Emirate"
    assert arab_health[2].value.date() == datetime.date(2018, 1, 29)
    assert arab_health[5].value == 98
    assert arab_health[5].number_format == XLSX_FORMATS["m2"]


def test_xlsx_funnel_has_no_totals_row(figures):
    sheet = _workbook(figures, "en")["Matchmaking"]
    body = _table_rows(sheet, "Matchmaking funnel")
    assert [(row[0].value, row[1].value) for row in body] == [
        ("Partner matches computed", 3000),
        ("Matches marked as interesting", 40),
        ("Introductions requested", 25),
        ("Introductions accepted", 12),
    ]


def test_xlsx_empty_table_says_so(figures):
    sheet = _workbook(figures, "en")["Project workshops"]
    assert _table_rows(sheet, "Organisations in project workshops by kind")[0][0].value == "No data"


def test_xlsx_header_rows_are_bold_and_frozen(figures):
    workbook = _workbook(figures, "en")
    overview = workbook["Overview"]
    assert overview["A5"].value == "Key figure" and overview["A5"].font.b
    assert overview.freeze_panes == "A6"
    # A sheet with one table keeps that table's header in view.
    assert workbook["Delegations"].freeze_panes == "B6"


def test_xlsx_is_byte_identical_for_the_same_figures(figures):
    assert render_xlsx(figures, title=TITLE) == render_xlsx(figures, title=TITLE)


def test_every_entry_of_the_xlsx_carries_the_periods_end_not_the_clock(figures):
    """The worksheets too (openpyxl writes them from temporary files): two renders a few seconds
    apart must not differ in their zip headers."""
    archive = zipfile.ZipFile(io.BytesIO(render_xlsx(figures, title=TITLE)))
    assert {entry.date_time for entry in archive.infolist()} == {(2018, 12, 31, 0, 0, 0)}


# --- PDF -----------------------------------------------------------------------------------------


def _pdf_text(figures, language):
    pdf = render_pdf(figures, title=TITLE, language=language, generated_at=datetime.datetime(2019, 1, 15, 9, 30))
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_in_german(figures):
    reader, text = _pdf_text(figures, "de")
    assert len(reader.pages) >= 2
    assert TITLE in text
    assert "Wirtschaftsförderung Sachsen GmbH" in text
    assert "141.820.000,00 €" in text
    assert "2.500.000,50" in text
    assert "1.234,50 m²" in text
    assert "Neuansiedlung" in text
    assert "1. Januar 2018 – 31. Dezember 2018" in text
    assert "C – Verarbeitendes Gewerbe" in text
    assert "141,820,000.00" not in text


def test_pdf_in_english(figures):
    reader, text = _pdf_text(figures, "en")
    assert "EUR 141,820,000.00" in text
    assert "New settlement" in text
    assert "Outside Saxony or not set" in text
    assert "141.820.000,00" not in text
    pages = len(reader.pages)
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    # The title page carries no footer.
    assert "Page 1 of" not in reader.pages[0].extract_text()


def test_pdf_embeds_the_charts(figures):
    reader, _text = _pdf_text(figures, "de")
    images = sum(len(page.images) for page in reader.pages)
    assert images == len(charts.CHARTS)


def test_pdf_of_an_empty_period_renders(empty_figures):
    reader, text = _pdf_text(empty_figures, "en")
    assert "No data" in text
    assert len(reader.pages) >= 2


# --- CSV -----------------------------------------------------------------------------------------


def _csv_rows(figures, language, delimiter):
    data = render_csv(figures, language=language)
    text = data.decode("utf-8")
    if language == "de":
        assert text.startswith("\ufeff")
        text = text[1:]
    else:
        assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert rows[0] == ["area", "table", "key", "label", "metric", "value"]
    assert all(len(row) == 6 for row in rows)
    return {(row[1], row[2], row[4]): row for row in rows[1:]}


def test_csv_in_german_uses_semicolons_and_decimal_commas(figures):
    rows = _csv_rows(figures, "de", ";")
    assert rows[("kpis", "investment_volume_eur", "value")][5] == "141820000,00"
    assert rows[("kpis", "investment_volume_estimated_eur", "value")][5] == "2500000,50"
    assert rows[("kpis", "new_jobs", "value")][5] == "361"
    kind = rows[("investments_by_kind", "new_settlement", "investment_volume_eur")]
    assert kind == [
        "investments",
        "investments_by_kind",
        "new_settlement",
        "Neuansiedlung",
        "investment_volume_eur",
        "100000000,00",
    ]
    with override("de"):
        outside = str(labels.NO_DISTRICT)
    assert rows[("investments_by_district", "", "projects")][3:] == [outside, "projects", "3"]
    assert rows[("fairs", "17", "start_date")][5] == "2018-01-29"
    assert rows[("fairs", "17", "country")][5] == "AE"
    assert rows[("period", "end", "date")][5] == "2018-12-31"


def test_csv_in_english_uses_commas_and_decimal_points(figures):
    rows = _csv_rows(figures, "en", ",")
    assert rows[("kpis", "investment_volume_eur", "value")][5] == "141820000.00"
    assert rows[("kpis", "booked_area_m2", "value")][5] == "1234.50"
    assert rows[("investments_by_investor_country", "US", "projects")][3] == "United States of America"


def test_csv_has_one_line_per_figure_and_no_totals(figures):
    rows = _csv_rows(figures, "en", ",")
    kpi_lines = [key for key in rows if key[0] == "kpis"]
    assert len(kpi_lines) == len(figures["kpis"])
    # 3 districts × 5 metrics: no "Total" line that a re-import would count twice.
    assert len([key for key in rows if key[0] == "investments_by_district"]) == 15
    assert not [key for key in rows if key[0] == "workshop_organisations_by_kind"]


# --- Figures of a newer schema -------------------------------------------------------------------


def test_unknown_kpis_tables_and_keys_are_exported_not_dropped(figures):
    figures["kpis"]["relocations_abroad"] = 2
    figures["tables"]["investments_by_kind"].append(_investment_row("relocation", 1, "10.00", "0.00", 0, 0))
    figures["tables"]["future_table"] = [{"key": "x", "widgets": 7, "cost_eur": "12.50"}]
    rows = _csv_rows(figures, "en", ",")
    assert rows[("kpis", "relocations_abroad", "value")][5] == "2"
    assert rows[("investments_by_kind", "relocation", "projects")][3] == "relocation"
    assert rows[("future_table", "x", "cost_eur")][5] == "12.50"
    workbook = _workbook(figures, "en")
    assert workbook.sheetnames[-1] == "Other"
    assert _rows_by_label(workbook["Overview"])["relocations_abroad"][1].value == 2
    _reader, text = _pdf_text(figures, "en")
    assert "future_table" in text


# --- Charts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_chart_is_a_png_with_data_and_without(name, figures, empty_figures):
    for data in (figures, empty_figures, {}):
        png = charts.chart_png(name, data, language="de")
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(png) > 1000


def test_chart_functions_return_png():
    empty = {"tables": {}}
    for function in (
        charts.investment_volume_by_district,
        charts.investment_volume_by_sector,
        charts.exhibitors_by_country,
        charts.delegations_by_country,
        charts.matchmaking_funnel,
    ):
        assert function(empty).startswith(b"\x89PNG")


def test_chart_svg_for_the_dashboard(figures):
    svg = charts.chart_svg("matchmaking_funnel", figures, language="en")
    assert svg.lstrip().startswith("<?xml")
    assert "<svg" in svg


def test_charts_of_many_countries_sum_the_tail(figures):
    figures["tables"]["fairs_by_country"] = [
        {"key": code, "fairs": 1, "exhibitors": n, "first_time_exhibitors": 0, "area_m2": "1.00"}
        for n, code in enumerate(
            ["AE", "AT", "BE", "CH", "CN", "CZ", "DK", "ES", "FR", "GB", "IN", "IT", "JP", "PL", "US"], 1
        )
    ]
    figure = charts.build_chart("exhibitors_by_country", figures, language="en")
    bars = figure.axes[0].patches
    assert len(bars) == charts.MAX_BARS
    # The 11 largest keep their bar; the 4 smallest (1 + 2 + 3 + 4) become one "Other" bar, shown last.
    assert [bar.get_width() for bar in bars] == [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 10]
    assert figure.axes[0].get_yticklabels()[-1].get_text() == "Other"


# --- Labels and number formats -------------------------------------------------------------------


def test_label_of_the_empty_district():
    with override("en"):
        assert labels.label("investments_by_district", "", {}) == "Outside Saxony or not set"
        assert labels.label("investments_by_district", "goerlitz", {}) == "Görlitz (district)"
    with override("de"):
        assert labels.label("investments_by_district", "goerlitz", {}) == "Landkreis Görlitz"


def test_labels_of_unknown_keys_do_not_crash():
    with override("en"):
        assert labels.label("investments_by_kind", "relocation", {}) == "relocation"
        assert labels.label("pipeline_by_stage", None, {}) == "Not set"
        assert labels.label("a_table_of_schema_2", "x", {}) == "x"
        assert labels.label("delegations_by_country", "XX", {}) == "XX"
        assert labels.label("fairs", 99, {}) == "99"
        assert kpi_registry.kpi_label("a_kpi_of_schema_2") == "a_kpi_of_schema_2"


def test_labels_of_countries_sectors_fairs_and_kinds():
    with override("de"):
        assert labels.label("fairs_by_country", "US", {}) == "Vereinigte Staaten von Amerika"
        assert labels.label("workshop_organisations_by_kind", "company", {}) == "Unternehmen"
    assert (
        labels.label("investments_by_sector", "C", {"name": "Verarbeitendes Gewerbe"}) == "C – Verarbeitendes Gewerbe"
    )
    fair = {"name": "MEDICA", "city": "Düsseldorf", "start_date": "2018-11-12"}
    assert labels.label("fairs", 23, fair) == "MEDICA 2018, Düsseldorf"


@pytest.mark.parametrize(
    ("language", "type_", "value", "expected"),
    [
        ("de", "eur", "141820000.00", "141.820.000,00 €"),
        ("en", "eur", "141820000.00", "EUR 141,820,000.00"),
        ("de", "m2", "1234.5", "1.234,50 m²"),
        ("en", "int", 3000, "3,000"),
        ("de", "int", 3000, "3.000"),
        ("de", "eur", None, ""),
    ],
)
def test_format_number(language, type_, value, expected):
    with override(language):
        assert formats.format_number(value, type_) == expected
