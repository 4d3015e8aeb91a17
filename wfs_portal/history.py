"""The audit history as staff read it (django-simple-history's history page in the admin): values
with their choice labels, dates and numbers in the reader's locale, related records by name, an
empty value as "—", and the change reasons in the reader's language.

The services record their change reasons as codes (wfs_portal.audit: ``validated_save(...,
reason=VERIFIED)``, stored as "companies.organisation.verified"), so the history stays one language
in the database; their labels are shown here, in the reader's language."""

from __future__ import annotations

import datetime
from pathlib import PurePosixPath
from typing import Any

from django.contrib.admin.utils import display_for_field
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext
from django_countries import countries
from django_countries.fields import Country, CountryField
from simple_history.models import DeletedObject, ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper
from simple_history.utils import get_m2m_reverse_field_name

from wfs_portal import audit

EMPTY = "—"


def change_reason_text(reason: str | None) -> str:
    """A stored change reason in the reader's language (wfs_portal.audit: a code's label, text
    stored before the codes as it is); "—" for none."""
    return audit.label(reason) or EMPTY


def user_name(user) -> str:
    """Who made a change: the user's full name, else the user name; "—" for nobody (erased
    accounts are emptied from the history)."""
    if user is None or isinstance(user, DeletedObject):
        return EMPTY
    return user.get_full_name() or user.get_username()


def _related_text(value: Any) -> str:
    if isinstance(value, DeletedObject):
        # pk None: the field was simply empty. Otherwise the record was deleted since; its name
        # is gone with it (for a person that is the point of the erasure).
        if value.pk is None:
            return EMPTY
        return pgettext("history", "%(model)s (deleted)") % {"model": capfirst(value.model._meta.verbose_name)}
    if isinstance(value, get_user_model()):
        return user_name(value)
    return str(value)


def _country_name(value: Any) -> str:
    code = value.code if isinstance(value, Country) else str(value)
    return str(countries.name(code)) or code


def value_text(field: models.Field, value: Any) -> str:
    """One value of ``field`` as a person reads it, in the current language and locale."""
    if field.many_to_many:
        # simple-history gives the rows of the through table: {field name: related object}.
        related = get_m2m_reverse_field_name(field)
        items = [_related_text(row[related]) for row in value or []]
        return ", ".join(items) or EMPTY
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(field, CountryField):
        values = value if isinstance(value, (list, tuple)) else [value]
        return ", ".join(_country_name(item) for item in values) or EMPTY
    if field.is_relation:
        return _related_text(value)
    if isinstance(field, models.BooleanField):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(field, models.DecimalField) and not field.choices:
        # Amounts and areas with grouped digits ("12.500.000,00"); whole numbers (years, counts)
        # stay ungrouped below, as the admin shows them.
        return formats.number_format(value, decimal_pos=field.decimal_places, force_grouping=True)
    if isinstance(field, models.FileField):
        # The file's name only: uploads (logos) are not served from a public address.
        return PurePosixPath(str(value)).name or EMPTY
    # Choice labels, dates, numbers with the locale's decimal separator: as the admin shows them.
    return str(display_for_field(value, field, EMPTY))


class ReadableHistoryContextHelper(HistoricalRecordContextHelper):
    """The "changes" column of the history page: each field's old and new value as ``value_text``
    renders it, instead of the stored values ("self_registered", "None", ISO timestamps)."""

    def prepare_delta_change_value(self, change: ModelChange, value: Any) -> Any:
        return value_text(self.model._meta.get_field(change.field), value)
