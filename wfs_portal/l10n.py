"""Numbers, amounts, areas and dates as a person reads them, in the active language's format.

Django formats a number for the locale only where it renders a template variable or a form field;
a number put into a message with ``%`` (a validation error, a status line) arrives as Python writes
it ("180.00", "1E+3", "2027-12-06"). Every message that names a number or a date formats it here
first. Digits are always grouped ("33.300.000,00" / "33,300,000.00"): the project leaves
``USE_THOUSAND_SEPARATOR`` off, because with it every integer a template prints is grouped, years
and ids included ("2.026").
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language


def format_decimal(value: Decimal | int | float | str, *, places: int | None = None) -> str:
    """A number with grouped digits; without ``places`` as many decimals as it needs and no more:
    180.00 → "180", 12.50 → "12,5" (German), Decimal("1E+3") → "1.000"."""
    number = Decimal(str(value))
    if places is None:
        number = number.normalize()
        places = max(0, -number.as_tuple().exponent)
    return number_format(number, decimal_pos=places, force_grouping=True)


def format_area(value: Decimal | int | float | str) -> str:
    """An area in square metres: "180 m²", "12,5 m²"."""
    return f"{format_decimal(value)} m²"


def format_amount(value: Decimal | int | float | str, *, unit: bool = True) -> str:
    """An amount in euros with cents: "33.300.000,00 €" in German, "EUR 33,300,000.00" in English
    (the ISO code first, as English finance texts write it). ``unit=False`` for a column whose
    title names the currency."""
    text = format_decimal(value, places=2)
    if not unit:
        return text
    return f"EUR {text}" if is_english() else f"{text} €"


def format_megabytes(size_in_bytes: int) -> str:
    """A file size in megabytes with one decimal: "2,9"."""
    return format_decimal(round(Decimal(size_in_bytes) / (1024 * 1024), 1), places=1)


def format_date(value: datetime.date, *, short: bool = False) -> str:
    """A date: "6. Dezember 2027" / "Dec. 6, 2027", or with ``short`` "06.12.2027" / "12/06/2027"."""
    return date_format(value, "SHORT_DATE_FORMAT" if short else "DATE_FORMAT")


def is_english() -> bool:
    return (get_language() or "de").split("-")[0] == "en"


class LocalizedMinValueValidator(MinValueValidator):
    """Django's MinValueValidator, whose message names the limit in the active language's format
    ("größer oder gleich 0,01" instead of "0.01"). Django passes the limit to the message as the
    Decimal itself."""

    def __call__(self, value):
        limit = self.limit_value() if callable(self.limit_value) else self.limit_value
        if self.compare(self.clean(value), limit):
            raise ValidationError(
                self.message,
                code=self.code,
                params={"limit_value": format_decimal(limit), "show_value": value, "value": value},
            )
