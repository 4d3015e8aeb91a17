"""Cell readers of the spreadsheet imports (wfs_portal.imports): choices by code or by label in
either language, related records by a natural key, lists of them; an unknown value is an error
of its cell, never silently dropped."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext
from import_export import widgets

from wfs_portal.l10n import parse_decimal


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class ChoiceWidget(widgets.Widget):
    """A choice by its stored value ("company") or its label in German or English ("Unternehmen")."""

    def __init__(self, choices, default: str = "", **kwargs):
        super().__init__(**kwargs)
        self.choices = list(choices)
        self.default = default

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return self.default
        for code, label in self.choices:
            if text.lower() == str(code).lower():
                return code
            for language in ("de", "en"):
                with translation.override(language):
                    if text.lower() == str(label).lower():
                        return code
        raise ValueError(
            gettext("“%(value)s” is not one of the choices: %(choices)s.")
            % {"value": text, "choices": ", ".join(str(code) for code, _label in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class LookupWidget(widgets.Widget):
    """A related record found by ``find(text)`` (None when there is none, ValueError when the text
    is ambiguous)."""

    def __init__(self, find: Callable[[str], models.Model | None], **kwargs):
        super().__init__(**kwargs)
        self.find = find

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return None
        found = self.find(text)
        if found is None:
            raise ValueError(gettext("“%(value)s” was not found.") % {"value": text})
        return found

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class KeyListWidget(widgets.ManyToManyWidget):
    """Related records by keys separated by commas or semicolons ("26.60, 72.19"); ``lookups`` are
    the fields each key is tried against, case-insensitively. An unknown key is an error."""

    def __init__(self, model, lookups: list[str], **kwargs):
        super().__init__(model, separator=",", field=lookups[0], **kwargs)
        self.lookups = lookups

    def clean(self, value, row=None, **kwargs):
        text = _text(value).replace(";", ",")
        keys = [key.strip() for key in text.split(",") if key.strip()]
        found, unknown = [], []
        for key in keys:
            query = models.Q()
            for lookup in self.lookups:
                query |= models.Q(**{f"{lookup}__iexact": key})
            match = self.model.objects.filter(query).first()
            (found if match else unknown).append(match or key)
        if unknown:
            raise ValueError(gettext("Unknown: %(keys)s.") % {"keys": ", ".join(unknown)})
        return self.model.objects.filter(pk__in=[item.pk for item in found])

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return ", ".join(str(getattr(item, self.field)) for item in value.all())


class NumberCell(widgets.Widget):
    """A whole number (``decimal_places`` None) or a decimal, typed as a person types it in the
    reader's language ("12,5"); a number cell of an XLSX file as it is."""

    def __init__(self, decimal_places: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.decimal_places = decimal_places

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            raise ValueError(gettext("Enter a number."))
        if isinstance(value, int | float | Decimal):
            number = Decimal(str(value))
        else:
            text = _text(value)
            if not text:
                return None
            try:
                number = Decimal(parse_decimal(text))
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite():
            raise ValueError(gettext("“%(value)s” is not a number.") % {"value": _text(value)})
        if self.decimal_places is None:
            if number != number.to_integral_value():
                raise ValueError(gettext("Enter a whole number."))
            return int(number)
        return number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


YES = {"1", "x", "ja", "j", "yes", "y", "true", "wahr"}
NO = {"", "0", "nein", "n", "no", "false", "falsch"}


class YesNoCell(widgets.Widget):
    """Yes or no: "ja"/"nein", "yes"/"no", 1/0, "x"/empty; anything else is an error."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(gettext("“%(value)s” is neither yes nor no.") % {"value": _text(value)})

    def render(self, value, obj=None, **kwargs):
        return gettext("Yes") if value else gettext("No")


DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y")


class DateCell(widgets.Widget):
    """A date ("31.12.2026" or "2026-12-31", or a date cell of an XLSX file); with ``aware`` a
    moment: the day's start (or the time given: "31.12.2026 14:30") in the portal's time zone."""

    def __init__(self, aware: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.aware = aware

    def clean(self, value, row=None, **kwargs):
        moment = None
        if isinstance(value, datetime.datetime):
            moment = value
        elif isinstance(value, datetime.date):
            moment = datetime.datetime.combine(value, datetime.time())
        else:
            text = _text(value)
            if not text:
                return None
            formats = [f"{date} %H:%M" for date in DATE_FORMATS] + list(DATE_FORMATS)
            for pattern in formats:
                try:
                    moment = datetime.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
            if moment is None:
                raise ValueError(gettext("“%(value)s” is not a date (day.month.year).") % {"value": text})
        if not self.aware:
            return moment.date()
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.isoformat()
