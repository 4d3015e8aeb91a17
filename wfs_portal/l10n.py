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
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.formats import date_format, get_format, number_format
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


# --- numbers typed into a form ------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_decimal(text: str) -> str:
    """A number as a person types it in the active language, in Python's notation: German
    "6.240.000,00" / "12,5" / "12.5" / "1.000" → "6240000.00" / "12.5" / "12.5" / "1000"; English
    "6,240,000.00" / "1,000" → "6240000.00" / "1000". The language's grouping separator counts as one
    only between groups of three digits ("12.5" in German is twelve and a half, as typed English-style);
    spaces (also narrow ones) are dropped. Anything else is returned for the field to refuse."""
    decimal_separator = get_format("DECIMAL_SEPARATOR")
    group_separator = get_format("THOUSAND_SEPARATOR")
    text = _SPACES.sub("", text)
    sign = ""
    if text[:1] in "+-":
        sign, text = text[:1], text[1:]
    grouped = re.compile(rf"\d{{1,3}}(?:{re.escape(group_separator)}\d{{3}})+")
    if decimal_separator in text:
        whole, _, fraction = text.rpartition(decimal_separator)
        if grouped.fullmatch(whole):
            whole = whole.replace(group_separator, "")
        return f"{sign}{whole}.{fraction}"
    if grouped.fullmatch(text):
        return sign + text.replace(group_separator, "")
    return sign + text


class DecimalInput(forms.TextInput):
    """A decimal in the reader's format with grouped digits ("6.240.000,00"), as typed after a
    refused submission; a text input that asks a phone for its decimal keyboard (a browser's number
    input shows "6240000.00" whatever the language)."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", **(attrs or {})})

    def format_value(self, value):
        if value is None or value == "" or isinstance(value, str):
            return value or None
        try:
            number = Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            return str(value)
        return format_decimal(number, places=max(0, -number.as_tuple().exponent))


class LocalizedDecimalField(forms.DecimalField):
    """A DecimalField that shows and reads the active language's format (parse_decimal)."""

    widget = DecimalInput

    def to_python(self, value):
        if isinstance(value, str):
            value = parse_decimal(value)
        return super().to_python(value)

    def widget_attrs(self, widget):
        # No min/max/step: they belong to number inputs.
        return forms.Field.widget_attrs(self, widget)
