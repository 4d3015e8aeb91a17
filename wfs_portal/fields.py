"""Model fields for what companies and partners type, with the checks of wfs_portal.validators
built in: every way in (portal forms, the admin, the API, services calling full_clean) refuses the
same input with the same message, and stores the same normalised spelling."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models

from wfs_portal.validators import (
    TextLengthValidator,
    normalise_phone_number,
    normalise_vat_id,
    validate_phone_number,
    validate_vat_id,
)


def _with_text_length_validator(field: forms.Field, limit: int) -> forms.Field:
    """The form field with the length message of TextLengthValidator instead of Django's."""
    field.validators = [v for v in field.validators if type(v) is not MaxLengthValidator]
    field.validators.append(TextLengthValidator(limit))
    return field


class BoundedTextField(models.TextField):
    """A TextField whose ``max_length`` is checked by model validation too: Django's TextField only
    hands it to the form's textarea, so the API and the admin's other paths would take any length.
    The database column stays unbounded (a limit can change without rewriting the table)."""

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(TextLengthValidator(max_length))

    def formfield(self, **kwargs):
        return _with_text_length_validator(super().formfield(**kwargs), self.max_length)


class VatIdFormField(forms.CharField):
    def to_python(self, value):
        return normalise_vat_id(super().to_python(value))


class VatIdField(models.CharField):
    """A VAT ID in the format of its country (wfs_portal.validators.VAT_FORMATS), stored in upper
    case without spaces ("de 123 456 789" → "DE123456789"), so that duplicates are found."""

    default_validators = [validate_vat_id]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 14)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_vat_id(value) if value else value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": VatIdFormField, **kwargs})


class PhoneNumberFormField(forms.CharField):
    def to_python(self, value):
        return normalise_phone_number(super().to_python(value))


class PhoneNumberField(models.CharField):
    """A phone number that can be dialled (checked with the ``phonenumbers`` library), stored in
    international format; German numbers may be typed in national form ("0351 1234567" →
    "+49 351 1234567")."""

    default_validators = [validate_phone_number]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_phone_number(value) if value else value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhoneNumberFormField, **kwargs})
