"""What the portal's write paths share: only the fields a representative may set are taken, and an
organisation or partnering profile is saved with them and with its classification."""

from collections.abc import Iterable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from companies.models.classifications import Sector, TechnologyField
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from wfs_portal.services import validated_save

Classified = TypeVar("Classified", Organisation, PartneringProfile)


def check_fields(data: dict, allowed: Iterable[str]) -> None:
    refused = sorted(set(data) - set(allowed))
    if refused:
        raise ValidationError(
            _("These fields cannot be changed in the portal: %(fields)s") % {"fields": ", ".join(refused)},
            code="staff_only",
        )


def classified_save(
    record: Classified,
    data: dict,
    *,
    user,
    reason: str,
    sectors: Iterable[Sector] | None = None,
    technology_fields: Iterable[TechnologyField] | None = None,
) -> Classified:
    """Set ``data`` on the record and save it (validated, ``reason`` in its history); then replace
    its sectors and technology fields with those given (None keeps them)."""
    for name, value in data.items():
        setattr(record, name, value)
    validated_save(record, user=user, reason=reason)
    if sectors is not None:
        record.sectors.set(sectors)
    if technology_fields is not None:
        record.technology_fields.set(technology_fields)
    return record
