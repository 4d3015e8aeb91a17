"""The values of frozen report figures: the kinds of value a KPI or a table column holds, reading
them back from the figures (numbers, dates, the period) and writing numbers and dates for reading
in the active language.

Figures are JSON: amounts in EUR and areas in m² are frozen as strings with two decimals, dates as
ISO strings. The exports, the admin and the dashboard convert and format figures here, so a number
reads the same in each.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.utils.formats import date_format, number_format

from wfs_portal.l10n import format_amount

# "decimal" is a two-decimal number without a unit; no table of schema 1 has one, but a column of a
# newer schema that this code does not know may.
ColumnType = Literal["int", "eur", "m2", "decimal", "text", "date", "country", "label"]
NUMERIC_TYPES: frozenset[str] = frozenset({"int", "eur", "m2", "decimal"})
# EUR and m² are frozen as strings with two decimals; they are summed and written as Decimal so
# cents never pass through a float.
DECIMAL_TYPES: frozenset[str] = frozenset({"eur", "m2", "decimal"})


def guess_type(key: str, value: Any) -> ColumnType:
    """The kind of a value of a newer schema that this code does not know, from its key's suffix or
    the value itself."""
    if key.endswith("_eur"):
        return "eur"
    if key.endswith("_m2"):
        return "m2"
    if isinstance(value, int) and not isinstance(value, bool):
        return "int"
    if isinstance(value, str):
        try:
            Decimal(value)
        except InvalidOperation:
            return "text"
        return "decimal"
    return "text"


def to_number(value: Any, type_: ColumnType) -> int | Decimal | None:
    """A figure as a number: Decimal for EUR and m² (frozen as strings), int otherwise; None when
    the figure is missing."""
    if value is None or value == "":
        return None
    if type_ in DECIMAL_TYPES:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if isinstance(value, str):
        return int(Decimal(value))
    return int(value)


def parse_date(value: Any) -> datetime.date | None:
    """An ISO date of the figures (``"2018-01-29"``) as a date; None when missing or malformed."""
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def period(figures: Mapping[str, Any]) -> tuple[datetime.date | None, datetime.date | None]:
    """The report's period (start, end) as dates."""
    period_ = figures.get("period") or {}
    return parse_date(period_.get("start")), parse_date(period_.get("end"))


def format_number(value: Any, type_: ColumnType, *, unit: bool = True) -> str:
    """A number for reading, in the active language's convention: "141.820.000,00 €" in German,
    "EUR 141,820,000.00" in English (the ISO code first, as English finance texts write it).

    Django's locale formats (``NUMBER_GROUPING``, separators) do the work so the PDF, the charts and
    the web pages group digits the same way; grouping is forced because the project leaves
    ``USE_THOUSAND_SEPARATOR`` off for form inputs. ``unit=False`` leaves out € and m², for table
    cells whose column title already names the unit.
    """
    number = to_number(value, type_) if not isinstance(value, (int, Decimal)) else value
    if number is None:
        return ""
    if type_ == "eur":
        return format_amount(number, unit=unit)
    if type_ in DECIMAL_TYPES:
        text = number_format(number, decimal_pos=2, force_grouping=True)
    else:
        text = number_format(number, decimal_pos=0, force_grouping=True)
    if not unit:
        return text
    if type_ == "m2":
        return f"{text} m²"
    return text


def format_date(value: Any, short: bool = True) -> str:
    """A date in the active language: 31.12.2018 / 12/31/2018, or 31. Dezember 2018 / Dec. 31, 2018."""
    parsed = parse_date(value)
    if parsed is None:
        return ""
    return date_format(parsed, "SHORT_DATE_FORMAT" if short else "DATE_FORMAT")
