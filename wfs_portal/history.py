"""The audit history as staff read it (django-simple-history's history page in the admin): values
with their choice labels, dates and numbers in the reader's locale, related records by name, an
empty value as "—", and the change reasons in the reader's language.

The services record their change reasons as fixed English strings (``validated_save(...,
reason="verified")``), so the history stays one language in the database and in the privacy
export; they are translated here, when the page is shown. A reason not listed is shown as stored."""

from __future__ import annotations

import datetime
import re
from pathlib import PurePosixPath
from typing import Any

from django.contrib.admin.utils import display_for_field
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django_countries import countries
from django_countries.fields import Country, CountryField
from simple_history.models import DeletedObject, ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper
from simple_history.utils import get_m2m_reverse_field_name

EMPTY = "—"

# Every reason a service, view or command writes (grep for ``reason=`` and ``_change_reason``).
# A new reason belongs here; until it is, the page shows it in English as stored.
CHANGE_REASONS = {
    # organisations and representatives (companies/services/organisations.py, representatives.py)
    "self-registered in the portal": pgettext_lazy("change reason", "self-registered in the portal"),
    "registered the organisation": pgettext_lazy("change reason", "registered the organisation"),
    "profile changed in the portal": pgettext_lazy("change reason", "profile changed in the portal"),
    "logo changed in the portal": pgettext_lazy("change reason", "logo changed in the portal"),
    "logo removed in the portal": pgettext_lazy("change reason", "logo removed in the portal"),
    "verified": pgettext_lazy("change reason", "verified"),
    "verification withdrawn": pgettext_lazy("change reason", "verification withdrawn"),
    "join requested": pgettext_lazy("change reason", "join requested"),
    "join approved": pgettext_lazy("change reason", "join approved"),
    "join declined": pgettext_lazy("change reason", "join declined"),
    # contact persons and consents (companies/services/contacts.py)
    "added in the portal": pgettext_lazy("change reason", "added in the portal"),
    "changed in the portal": pgettext_lazy("change reason", "changed in the portal"),
    "primary contact changed in the portal": pgettext_lazy("change reason", "primary contact changed in the portal"),
    "removed in the portal": pgettext_lazy("change reason", "removed in the portal"),
    "removed in the portal (anonymised)": pgettext_lazy("change reason", "removed in the portal (anonymised)"),
    "person removed in the portal": pgettext_lazy("change reason", "person removed in the portal"),
    "consent given in the portal": pgettext_lazy("change reason", "consent given in the portal"),
    "consent withdrawn in the portal": pgettext_lazy("change reason", "consent withdrawn in the portal"),
    # partnering profiles (companies/services/profiles.py, organisations.py)
    "created in the portal": pgettext_lazy("change reason", "created in the portal"),
    "draft deleted in the portal": pgettext_lazy("change reason", "draft deleted in the portal"),
    "published": pgettext_lazy("change reason", "published"),
    "expired": pgettext_lazy("change reason", "expired"),
    # matchmaking and introductions (companies/services/matching.py, introductions.py)
    "match pin": pgettext_lazy("change reason", "partner pinned"),
    "match hide": pgettext_lazy("change reason", "partner hidden"),
    "feedback interesting": pgettext_lazy("change reason", "feedback: interesting"),
    "feedback not_relevant": pgettext_lazy("change reason", "feedback: not relevant"),
    "introduction requested": pgettext_lazy("change reason", "introduction requested"),
    "introduction accepted": pgettext_lazy("change reason", "introduction accepted"),
    "introduction declined": pgettext_lazy("change reason", "introduction declined"),
    "introduction withdrawn": pgettext_lazy("change reason", "introduction withdrawn"),
    "introduction accepted by staff on behalf of the organisation": pgettext_lazy(
        "change reason", "introduction accepted by the agency on behalf of the organisation"
    ),
    "introduction declined by staff on behalf of the organisation": pgettext_lazy(
        "change reason", "introduction declined by the agency on behalf of the organisation"
    ),
    # partner API keys (companies/services/api_keys.py)
    "api key created": pgettext_lazy("change reason", "API key created"),
    "api key revoked": pgettext_lazy("change reason", "API key revoked"),
    # booth registrations and delegation participants: the new state (wfs_portal.services.
    # registration_transition), the portal's application, a change in the admin
    "applied": pgettext_lazy("change reason", "applied"),
    "confirmed": pgettext_lazy("change reason", "confirmed"),
    "waitlisted": pgettext_lazy("change reason", "put on the waiting list"),
    "rejected": pgettext_lazy("change reason", "rejected"),
    "withdrawn": pgettext_lazy("change reason", "withdrawn"),
    "applied in the portal": pgettext_lazy("change reason", "applied in the portal"),
    "registered in the portal": pgettext_lazy("change reason", "registered in the portal"),
    "changed in the admin": pgettext_lazy("change reason", "changed in the admin"),
    # project workshops (projects/services.py)
    "join requested in the portal": pgettext_lazy("change reason", "participation requested in the portal"),
    "join request accepted": pgettext_lazy("change reason", "participation request accepted"),
    "accepted": pgettext_lazy("change reason", "accepted"),
    "declined": pgettext_lazy("change reason", "declined"),
    # partner API writes without a key (wfs_portal.api.actor), the demo data
    "API": pgettext_lazy("change reason", "through the API"),
    "demo data": pgettext_lazy("change reason", "demo data"),
}

# wfs_portal.api.actor: "API key <prefix> (<partner organisation>)".
_API_KEY_REASON = re.compile(r"^API key (?P<key>.+)$")


def change_reason_text(reason: str | None) -> str:
    """A stored change reason in the reader's language; "—" for none."""
    if not reason:
        return EMPTY
    known = CHANGE_REASONS.get(reason)
    if known is not None:
        return str(known)
    api_key = _API_KEY_REASON.match(reason)
    if api_key:
        return pgettext("change reason", "through API key %(key)s") % {"key": api_key["key"]}
    return reason


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
