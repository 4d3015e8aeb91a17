"""Helpers shared by the apps' services."""

from django.apps import apps
from django.db import IntegrityError, models
from django.utils.translation import gettext

from wfs_portal import audit


def validated_save(instance: models.Model, *, user=None, reason: str = "") -> None:
    """Validate (fields and database constraints) and save, recording in the audit history who made
    the change and why: ``reason`` is a code declared in an app's audit module (wfs_portal.audit;
    an undeclared one is refused). Every service saves through here."""
    if reason:
        audit.check(reason)
    instance.full_clean()
    if user is not None:
        instance._history_user = user
    if reason:
        instance._change_reason = reason
    instance.save()


def constraint_message(exc: IntegrityError) -> str:
    """The violation message of the named constraint an IntegrityError reports (PostgreSQL and
    SQLite name CHECK constraints; PostgreSQL also names unique ones), else a general sentence."""
    text = str(exc)
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            name = constraint.name % {"app_label": model._meta.app_label, "class": model.__name__.lower()}
            if name in text:
                return str(constraint.get_violation_error_message())
    return gettext("The change conflicts with data saved in the meantime and was not saved. Please try again.")
