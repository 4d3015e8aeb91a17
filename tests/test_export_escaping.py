"""Formula injection ("CSV injection") in every spreadsheet export: texts typed by companies and
staff that start like a formula are shown, never run; numbers, dates and booleans keep their value.

The rule lives in wfs_portal/spreadsheets.py; these tests follow it through the admin's "Export
selected" (CSV) and the report exports (CSV and XLSX)."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from companies.models.organisations import Organisation
from matchmaking.models.matches import Match
from reports.exports.csv import render_csv
from reports.exports.xlsx import render_xlsx
from tests import factories
from wfs_portal.spreadsheets import escape_formula, is_formula_like, set_cell_value

FORMULA_LIKE = ['=HYPERLINK("http://evil.example","x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
NORMAL = "Müller & Söhne GmbH"


# --- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_gets_a_leading_quote(text):
    assert is_formula_like(text)
    assert escape_formula(text) == "'" + text


@pytest.mark.parametrize("text", [NORMAL, "", "'=already quoted", "a=1", " =1", "#N/A"])
def test_other_text_is_unchanged(text):
    assert escape_formula(text) == text


@pytest.mark.parametrize("value", [-2, -1.5, Decimal("-1500.50"), datetime.date(2018, 1, 29), True, False, None])
def test_numbers_dates_and_booleans_are_never_escaped(value):
    assert not is_formula_like(value)
    assert escape_formula(value) is value


def _saved_and_read_back(value):
    workbook = openpyxl.Workbook()
    set_cell_value(workbook.active["A1"], value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active["A1"]


@pytest.mark.parametrize("text", [*FORMULA_LIKE, "=1+1"])
def test_xlsx_formula_like_text_is_a_quote_prefixed_text_cell(text):
    cell = _saved_and_read_back(text)
    assert cell.data_type == "s"
    # XML turns a bare carriage return into a line feed when the file is read (openpyxl writes it
    # unencoded); the cell still is text, which is what matters here.
    assert cell.value == text.replace("\r", "\n")
    assert cell.quotePrefix


@pytest.mark.parametrize("text", [NORMAL, "#N/A"])
def test_xlsx_other_text_is_a_plain_text_cell(text):
    cell = _saved_and_read_back(text)
    assert cell.data_type == "s"
    assert cell.value == text
    assert not cell.quotePrefix


def test_xlsx_negative_decimal_stays_a_number():
    cell = _saved_and_read_back(Decimal("-1500.50"))
    assert cell.data_type == "n"
    assert cell.value == -1500.5


# --- the admin's "Export selected" ---------------------------------------------------------------


def _export(staff_client, model, selected):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = staff_client.post(
        url, {"action": "export_admin_action", "_selected_action": [obj.pk for obj in selected]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # newline="": a cell may hold a carriage return, which the csv module keeps only this way.
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


@pytest.mark.django_db
def test_admin_export_escapes_formula_like_names(staff_client):
    names = [*FORMULA_LIKE, NORMAL]
    organisations = [factories.OrganisationFactory(name=name) for name in names]

    header, *rows = _export(staff_client, Organisation, organisations)

    with translation.override("de"):
        column = header.index(str(Organisation._meta.get_field("name").verbose_name))
    exported = sorted(row[column] for row in rows)
    assert exported == sorted(["'" + name for name in FORMULA_LIKE] + [NORMAL])


@pytest.mark.django_db
def test_admin_export_of_derived_data_escapes_related_names_but_not_numbers(staff_client):
    # MatchAdmin is a DerivedDataAdmin: the other export path. The organisation shows by name; the
    # feedback component may be negative and must stay a number.
    match = factories.MatchFactory(organisation=factories.OrganisationFactory(name="=1+1"), feedback=-0.25)

    header, row = _export(staff_client, Match, [match])

    # The match export's own columns (matchmaking.admin.matches.MatchExportResource): components in percent.
    organisation = header.index("Organisation")
    feedback = header.index("Feedback (%)")
    assert row[organisation] == "'=1+1"
    assert row[feedback] == "-25"


# --- report exports ------------------------------------------------------------------------------


@pytest.fixture
def figures():
    """Frozen figures with a fair named "=1+1" and a table of a newer schema whose key, text and
    (negative) amount come straight from the figures."""
    return {
        "schema": 1,
        "period": {"start": "2018-01-01", "end": "2018-12-31"},
        "kpis": {"fairs_with_joint_booth": 1},
        "tables": {
            "fairs": [
                {
                    "key": 17,
                    "name": "=1+1",
                    "country": "AE",
                    "start_date": "2018-01-29",
                    "exhibitors": 12,
                    "first_time_exhibitors": 3,
                    "area_m2": "98.00",
                }
            ],
            "future_table": [{"key": "-x", "remark": "@SUM(A1)", "cost_eur": "-1500.50"}],
        },
    }


def _report_csv(figures):
    text = render_csv(figures, language="de").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return {(row[1], row[4]): row for row in rows[1:]}


def test_report_csv_escapes_a_formula_like_fair_name(figures):
    rows = _report_csv(figures)
    assert rows[("fairs", "exhibitors")][3] == "'=1+1 2018"
    assert rows[("fairs", "exhibitors")][5] == "12"


def test_report_csv_escapes_texts_of_a_newer_schema_but_not_negative_amounts(figures):
    rows = _report_csv(figures)
    assert rows[("future_table", "remark")][2:] == ["'-x", "'-x", "remark", "'@SUM(A1)"]
    assert rows[("future_table", "cost_eur")][5] == "-1500,50"


def _report_cells(figures, title="Jahresbericht 2018"):
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(figures, title=title, language="de")))
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


def test_report_xlsx_writes_a_formula_like_fair_name_as_text(figures):
    [cell] = [cell for cell in _report_cells(figures) if cell.value == "=1+1 2018"]
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_report_xlsx_writes_a_formula_like_title_as_text(figures):
    cell = _report_cells(figures, title="=1+1")[0]  # A1 of the overview
    assert (cell.coordinate, cell.value, cell.data_type) == ("A1", "=1+1", "s")
    assert cell.quotePrefix


def test_report_xlsx_contains_no_formulas_and_keeps_negative_amounts_numeric(figures):
    cells = _report_cells(figures)
    assert not [cell for cell in cells if cell.data_type == "f"]
    [remark] = [cell for cell in cells if cell.value == "@SUM(A1)"]
    assert remark.data_type == "s"
    [amount] = [cell for cell in cells if cell.value == Decimal("-1500.50")]
    assert amount.data_type == "n"
