"""Formats of what companies and partners type: VAT IDs, phone numbers and the length of free
texts. The model fields of wfs_portal.fields use these, so the portal, the admin, the API and the
services all refuse the same input with the same message."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django_countries import countries

# --- VAT IDs ----------------------------------------------------------------------------------------
# The formats the EU's VIES service checks (after the two-letter prefix), plus Northern Ireland (XI)
# and the neighbours outside the EU that Saxon companies trade with most (CH, GB, NO). Each with an
# example for the error message.
VAT_FORMATS: dict[str, tuple[str, str]] = {
    "AT": (r"U\d{8}", "ATU12345678"),
    "BE": (r"[01]\d{9}", "BE0123456789"),
    "BG": (r"\d{9,10}", "BG123456789"),
    "CY": (r"\d{8}[A-Z]", "CY12345678X"),
    "CZ": (r"\d{8,10}", "CZ12345678"),
    "DE": (r"\d{9}", "DE123456789"),
    "DK": (r"\d{8}", "DK12345678"),
    "EE": (r"\d{9}", "EE123456789"),
    "EL": (r"\d{9}", "EL123456789"),
    "ES": (r"[A-Z]\d{7}[A-Z0-9]|\d{8}[A-Z]", "ESX1234567X"),
    "FI": (r"\d{8}", "FI12345678"),
    "FR": (r"[0-9A-HJ-NP-Z]{2}\d{9}", "FR12345678901"),
    "HR": (r"\d{11}", "HR12345678901"),
    "HU": (r"\d{8}", "HU12345678"),
    "IE": (r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]", "IE1234567WA"),
    "IT": (r"\d{11}", "IT12345678901"),
    "LT": (r"\d{9}|\d{12}", "LT123456789"),
    "LU": (r"\d{8}", "LU12345678"),
    "LV": (r"\d{11}", "LV12345678901"),
    "MT": (r"\d{8}", "MT12345678"),
    "NL": (r"\d{9}B\d{2}", "NL123456789B01"),
    "PL": (r"\d{10}", "PL1234567890"),
    "PT": (r"\d{9}", "PT123456789"),
    "RO": (r"[1-9]\d{1,9}", "RO1234567890"),
    "SE": (r"\d{10}01", "SE123456789001"),
    "SI": (r"[1-9]\d{7}", "SI12345678"),
    "SK": (r"\d{10}", "SK1234567890"),
    "XI": (r"\d{9}|\d{12}|GD\d{3}|HA\d{3}", "XI123456789"),
    "GB": (r"\d{9}|\d{12}|GD\d{3}|HA\d{3}", "GB123456789"),
    "CH": (r"E\d{9}", "CHE123456789"),
    "NO": (r"\d{9}MVA", "NO123456789MVA"),
}
_VAT_PATTERNS = {prefix: re.compile(rf"(?:{pattern})") for prefix, (pattern, _example) in VAT_FORMATS.items()}
# The prefixes that are not the country's ISO code.
_VAT_COUNTRY = {"EL": "GR", "XI": "GB"}


def normalise_vat_id(value: str) -> str:
    """Upper case without the spaces, dots and hyphens people type for readability; Greece's ISO
    code as a prefix becomes its VAT prefix EL."""
    value = re.sub(r"[\s.\-]", "", value or "").upper()
    return "EL" + value[2:] if value.startswith("GR") else value


def validate_vat_id(value: str) -> None:
    value = normalise_vat_id(value)
    if not value:
        return
    prefix, number = value[:2], value[2:]
    pattern = _VAT_PATTERNS.get(prefix)
    if pattern is None:
        raise ValidationError(
            _("Start the VAT ID with the prefix of its country, e.g. DE123456789 or ATU12345678."),
            code="vat_id_prefix",
        )
    if not pattern.fullmatch(number):
        raise ValidationError(
            _("This is not a VAT ID of the form used in %(country)s; it should look like %(example)s."),
            code="vat_id_format",
            params={"country": countries.name(_VAT_COUNTRY.get(prefix, prefix)), "example": VAT_FORMATS[prefix][1]},
        )


# --- phone numbers ---------------------------------------------------------------------------------
# Numbers without a country code are read as German ones ("0351 1234567"): the portal's users are
# mostly in Saxony.
PHONE_DEFAULT_REGION = "DE"


def _parse_phone(value: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(value, PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalise_phone_number(value: str) -> str:
    """A valid number in international format ("0351 1234567" → "+49 351 1234567"); anything else
    unchanged, for the validator to refuse."""
    value = (value or "").strip()
    number = _parse_phone(value) if value else None
    if number is None:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_phone_number(value: str) -> None:
    if value and _parse_phone(value) is None:
        raise ValidationError(
            _(
                "Enter a phone number that can be dialled: with its country code (e.g. +49 351 2138 0), "
                "or a German number with its area code (e.g. 0351 2138 0)."
            ),
            code="phone_number",
        )


# --- length of free texts --------------------------------------------------------------------------


@deconstructible
class TextLengthValidator(MaxLengthValidator):
    """At most ``limit_value`` characters, with both numbers in the reader's format (2.000 in German)."""

    message = _("Please shorten this text to at most %(limit)s characters (it has %(count)s).")

    def __call__(self, value):
        count = self.clean(value)
        if self.compare(count, self.limit_value):
            raise ValidationError(
                self.message,
                code=self.code,
                params={
                    "limit": number_format(self.limit_value, force_grouping=True),
                    "count": number_format(count, force_grouping=True),
                    "limit_value": self.limit_value,
                    "show_value": count,
                    "value": value,
                },
            )
