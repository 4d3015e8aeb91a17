"""Labels for frozen report figures, and the one definition of every exported table.

Figures store keys (choice codes, ISO country codes, NACE letters), never labels, so a report
frozen in 2019 reads in German or English and picks up a corrected translation later. This module
turns those keys into labels in the active language, and holds the table definitions (title,
columns, column types) that the XLSX, PDF and CSV exporters and the charts all read, so a new
column is added in one place. The headline KPIs are defined in reports.kpi_registry, the kinds of
value and their number formats in reports.formats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from companies.choices import OrganisationKind
from projects.choices import InvestmentKind, InvestmentStage
from reports.formats import (
    DECIMAL_TYPES,
    NUMERIC_TYPES,
    ColumnType,
    format_date,
    format_number,
    guess_type,
    parse_date,
    to_number,
)
from reports.kpi_registry import KPIS
from wfs_portal.choices import District
from wfs_portal.l10n import is_english


@dataclass(frozen=True)
class Column:
    """One column of an exported table.

    ``type`` decides how the value is converted and formatted: ``label`` is the row's label from
    ``label()`` (the row key resolved), ``country`` an ISO code shown as the country's name, ``date``
    an ISO date string, ``eur``/``m2`` a two-decimal string, ``int`` an integer.
    """

    key: str
    label: str | Promise
    type: ColumnType


@dataclass(frozen=True)
class Table:
    """One table of the figures (``figures["tables"][name]``) as the exporters show it.

    ``totals`` is set where the rows partition one whole (every project has exactly one kind, one
    district ...), so a column sum means something; it is off for the matchmaking funnel, whose
    steps are nested subsets of each other.
    """

    name: str
    area: str
    title: str | Promise
    columns: tuple[Column, ...]
    totals: bool = True

    @property
    def numeric_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.type in NUMERIC_TYPES)


def _table(name: str, area: str, title: Promise, row_title: Promise, *figures: Column, totals: bool = True) -> Table:
    """A table whose rows are headed by their label (the row key resolved, the column ``row_title``),
    followed by its ``figures``."""
    return Table(
        name=name, area=area, title=title, columns=(Column("key", row_title, "label"), *figures), totals=totals
    )


_INVESTMENT_COLUMNS = (
    Column("projects", _("Projects"), "int"),
    Column("investment_volume_eur", _("Investment volume, confirmed (EUR)"), "eur"),
    Column("investment_volume_estimated_eur", _("Investment volume, announced or estimated (EUR)"), "eur"),
    Column("new_jobs", _("New jobs"), "int"),
    Column("secured_jobs", _("Secured jobs"), "int"),
)
_EXHIBITOR_COLUMNS = (
    Column("exhibitors", _("Exhibitors"), "int"),
    Column("first_time_exhibitors", _("First-time exhibitors"), "int"),
    Column("area_m2", _("Booth area (m²)"), "m2"),
)

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        _table("investments_by_kind", "investments", _("Investment projects by kind"), _("Kind"), *_INVESTMENT_COLUMNS),
        _table(
            "investments_by_district",
            "investments",
            _("Investment projects by district"),
            _("District"),
            *_INVESTMENT_COLUMNS,
        ),
        _table(
            "investments_by_sector",
            "investments",
            _("Investment projects by sector"),
            _("Sector"),
            *_INVESTMENT_COLUMNS,
        ),
        _table(
            "investments_by_investor_country",
            "investments",
            _("Investment projects by investor's country"),
            _("Investor's country"),
            *_INVESTMENT_COLUMNS,
        ),
        _table(
            "pipeline_by_stage",
            "investments",
            _("Project pipeline by stage"),
            _("Stage"),
            Column("projects", _("Projects"), "int"),
            Column("site_offers_sent", _("Site offers sent"), "int"),
        ),
        _table(
            "fairs",
            "fairs",
            _("Trade fairs with a joint booth"),
            _("Trade fair"),
            Column("country", _("Country"), "country"),
            Column("start_date", _("Start date"), "date"),
            *_EXHIBITOR_COLUMNS,
        ),
        _table(
            "fairs_by_country",
            "fairs",
            _("Trade fairs by country"),
            _("Country"),
            Column("fairs", _("Trade fairs"), "int"),
            *_EXHIBITOR_COLUMNS,
        ),
        _table(
            "delegations_by_country",
            "delegations",
            _("Delegations by country"),
            _("Country"),
            Column("outbound", _("Outbound delegation trips"), "int"),
            Column("inbound", _("Inbound foreign delegations"), "int"),
            Column("participants", _("Participants"), "int"),
        ),
        _table(
            "workshop_organisations_by_kind",
            "workshops",
            _("Organisations in project workshops by kind"),
            _("Kind of organisation"),
            Column("organisations", _("Organisations"), "int"),
        ),
        # Each step is a subset of the one before: a sum would count the same match twice.
        _table(
            "matchmaking_funnel",
            "matchmaking",
            _("Matchmaking funnel"),
            _("Step"),
            Column("count", _("Count"), "int"),
            totals=False,
        ),
        _table(
            "brokerage_by_event",
            "brokerage",
            _("Brokerage events"),
            _("Brokerage event"),
            Column("participants", _("Participants"), "int"),
            Column("meeting_requests", _("Meeting requests"), "int"),
            Column("accepted", _("Accepted"), "int"),
            Column("scheduled", _("Meetings scheduled"), "int"),
            Column("realised", _("Meetings that took place"), "int"),
            Column("cooperation_possible", _("Cooperation possible"), "int"),
            Column("agreements", _("Partnership agreements"), "int"),
        ),
        _table(
            "brokerage_funnel",
            "brokerage",
            _("Brokerage funnel"),
            _("Step"),
            Column("count", _("Count"), "int"),
            totals=False,
        ),
    )
}

# Which labels resolve the row keys of a table; tables not listed here fall back to the key.
_ROW_CHOICES: dict[str, type[models.TextChoices]] = {
    "investments_by_kind": InvestmentKind,
    "investments_by_district": District,
    "pipeline_by_stage": InvestmentStage,
    "workshop_organisations_by_kind": OrganisationKind,
}
_COUNTRY_TABLES = frozenset({"investments_by_investor_country", "fairs_by_country", "delegations_by_country"})

TOTAL = _("Total")
NOT_SET = _("Not set")
NO_DISTRICT = _("Outside Saxony or not set")
NO_SECTOR = _("No sector")


def label(table_name: str, key: Any, row: Mapping[str, Any] | None = None) -> str:
    """The label of one row of ``figures["tables"][table_name]`` in the active language.

    Never raises: a key this code does not know (a choice added after the report was frozen, a
    table of a newer schema) is shown as the key itself, because a report with a raw code in one
    cell is better than a report that does not render.
    """
    row = row or {}
    if table_name == "investments_by_district" and key in ("", None):
        return str(NO_DISTRICT)
    if table_name in _ROW_CHOICES:
        choices = _ROW_CHOICES[table_name]
        if key in choices.values:
            return str(choices(key).label)
    elif table_name in _COUNTRY_TABLES:
        return country_name(key)
    elif table_name == "investments_by_sector":
        return sector_label(key, row.get("name", ""), row.get("name_en", ""))
    elif table_name == "fairs":
        return fair_label(row) or _fallback(key)
    elif table_name in ("matchmaking_funnel", "brokerage_funnel") and key in KPIS:
        return str(KPIS[key].label)
    return _fallback(key)


def _fallback(key: Any) -> str:
    return gettext("Not set") if key in ("", None) else str(key)


def country_name(code: Any) -> str:
    """The country's name in the active language (django-countries ships German names)."""
    if not code:
        return gettext("Not set")
    # countries.name() answers "" for a code it does not know (e.g. "XK" on an older list).
    return str(countries.name(str(code))) or str(code)


def sector_label(key: Any, name: str, name_en: str = "") -> str:
    """ "C – Verarbeitendes Gewerbe" / "C – Manufacturing": the NACE letter keeps the sort order
    readable, the frozen name is the sector as it was called when the report was frozen (sector
    names are data, not translated strings: the figures hold both languages' names). A report
    frozen before the English name was kept falls back to the German one."""
    if not key:
        return gettext("No sector")
    shown = name_en if is_english() and name_en else name
    return f"{key} – {shown}" if shown else str(key)


def fair_label(row: Mapping[str, Any]) -> str:
    """ "Arab Health 2018, Dubai": the same fair recurs every year, so the name alone is ambiguous."""
    name = str(row.get("name") or "")
    if not name:
        return ""
    start = parse_date(row.get("start_date"))
    if start is not None:
        name = f"{name} {start.year}"
    city = row.get("city")
    return f"{name}, {city}" if city else name


def table_definition(name: str, rows: Sequence[Mapping[str, Any]] = ()) -> Table:
    """The table's definition; for a table of a newer schema, one derived from its first row so
    its numbers are still exported (under "Other") rather than silently dropped."""
    if name in TABLES:
        return TABLES[name]
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    columns = [Column("key", _("Key"), "label")]
    columns += [Column(k, k, guess_type(k, rows[0].get(k) if rows else None)) for k in keys if k != "key"]
    return Table(name=name, area="other", title=name, columns=tuple(columns), totals=False)


def ordered_tables(figures: Mapping[str, Any]) -> list[tuple[Table, list[Mapping[str, Any]]]]:
    """The figures' tables in the order of ``TABLES`` (known ones first, then unknown ones by name),
    each with its rows. A known table absent from the figures is returned with no rows, so the
    exports of two reports always have the same structure."""
    tables = figures.get("tables") or {}
    result = [(table, list(tables.get(name) or [])) for name, table in TABLES.items()]
    for name in sorted(set(tables) - set(TABLES)):
        rows = list(tables[name] or [])
        result.append((table_definition(name, rows), rows))
    return result


def cell_value(column: Column, table_name: str, row: Mapping[str, Any]) -> Any:
    """The value of one cell, typed: a number for numeric columns, a date, or a label string."""
    raw = row.get(column.key)
    if column.type == "label":
        return label(table_name, raw, row)
    if column.type == "country":
        return country_name(raw) if raw else ""
    if column.type == "date":
        return parse_date(raw)
    if column.type in NUMERIC_TYPES:
        return to_number(raw, column.type)
    return "" if raw is None else str(raw)


def column_totals(table: Table, rows: Sequence[Mapping[str, Any]]) -> dict[str, int | Decimal]:
    """The column sums of a table whose rows partition a whole; empty if the table has no totals."""
    if not table.totals or not rows:
        return {}
    totals: dict[str, int | Decimal] = {}
    for column in table.numeric_columns:
        zero: int | Decimal = Decimal("0.00") if column.type in DECIMAL_TYPES else 0
        totals[column.key] = sum((to_number(row.get(column.key), column.type) or zero for row in rows), zero)
    return totals


def format_cell(column: Column, table_name: str, row: Mapping[str, Any]) -> str:
    """One cell as text, for the PDF."""
    if column.type in NUMERIC_TYPES:
        return format_number(row.get(column.key), column.type, unit=False)
    if column.type == "date":
        return format_date(row.get(column.key))
    return str(cell_value(column, table_name, row))
