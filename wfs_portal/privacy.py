"""Personal data by registry. Each app says itself what it holds about a company user and their
organisations, in a module ``privacy`` with any of:

- ``organisation_export(organisation, user) -> dict``: sections added to each organisation the user
  represents in the data export (e.g. fairs: ``booth_registrations``);
- ``user_export(user) -> dict``: sections added to the export's top level;
- ``erase(user) -> None``: called in the erasure's transaction before the account is deleted, for
  what the app must remove or blank itself (what a foreign key's SET_NULL or CASCADE does not).

The privacy service (companies.services.privacy) calls them and imports no other app; the helpers
below give every app's export the same shape."""

import datetime
import decimal
import uuid
from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.db import models
from django.utils.module_loading import module_has_submodule
from django_countries.fields import Country

CONTRIBUTION_MODULE = "privacy"
# Fields never exported, whatever the model: secrets, and the agency's internal notes on a record.
NEVER_EXPORTED = frozenset({"password", "hashed_key", "secret", "token", "notes"})


def contributions() -> Iterator[ModuleType]:
    """The apps' privacy modules, in the order of INSTALLED_APPS."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, CONTRIBUTION_MODULE):
            yield import_module(f"{config.name}.{CONTRIBUTION_MODULE}")


def json_value(value):
    """A model value as JSON: dates as ISO 8601, decimals, UUIDs and countries as text, files by name."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | Country):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "storage"):  # a file field
        return value.name or ""
    if hasattr(value, "__iter__") and not isinstance(value, str | bytes | dict):  # several countries
        return [json_value(v) for v in value]
    return value


def record(obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict:
    """The object's own columns (foreign keys as ids, "<name>_id"), without secrets."""
    return {
        f.attname: json_value(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.name not in exclude and f.name not in NEVER_EXPORTED
    }


def organisation_ref(organisation) -> dict:
    """Another organisation as an export names it: id and name."""
    return {"id": organisation.pk, "name": organisation.name}
