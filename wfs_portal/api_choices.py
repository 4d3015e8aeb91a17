"""Choice fields of the partner API whose choice sets are schema components of their own."""

from collections.abc import Iterable

from django.db.models import TextChoices
from django.utils import translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def choice_field(
    choices: type[TextChoices] | Iterable[TextChoices], component_name: str
) -> type[serializers.ChoiceField]:
    """A choice field whose values are their own schema component: the API has several fields called
    "state" or "role" with different choices, which drf-spectacular could otherwise only name by hash.
    ``choices``: a TextChoices class, or those of its members the API admits."""
    choices = list(choices)
    with translation.override("en"):
        described = "\n".join(f"* `{choice.value}` - {choice.label}" for choice in choices)
    schema = {"type": "string", "enum": [choice.value for choice in choices], "description": described}
    field_class = type(f"{component_name}Field", (serializers.ChoiceField,), {})
    return extend_schema_field(schema, component_name=component_name)(field_class)
