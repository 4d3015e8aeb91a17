"""List stored values that the checks of wfs_portal.fields refuse: phone numbers that cannot be
dialled, VAT IDs of no country's format and free texts over their limit, stored before the checks
existed (or written past them by SQL). A save through the services refuses such a record with the
field's message until staff correct it; this command finds them all at once. Exit status 1 when it
found any."""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from wfs_portal.fields import BoundedTextField, PhoneNumberField, VatIdField

CHECKED = (BoundedTextField, PhoneNumberField, VatIdField)


def refused_values():
    """(model, pk, record, field name, message) of every stored value a field's checks refuse."""
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, CHECKED)]
        for field in fields:
            rows = model._base_manager.exclude(**{field.name: ""}).exclude(**{f"{field.name}__isnull": True})
            for record in rows.only("pk", field.name).iterator():
                try:
                    field.run_validators(getattr(record, field.attname))
                except ValidationError as exc:
                    yield model, record.pk, record, field, " ".join(exc.messages)


class Command(BaseCommand):
    help = "List stored phone numbers, VAT IDs and texts that the current checks refuse."

    def handle(self, *args, **options):
        found = 0
        with translation.override("en"):
            for model, pk, record, field, message in refused_values():
                found += 1
                self.stdout.write(f"{model._meta.label} {pk} ({record}): {field.name}: {message}")
        if found:
            raise CommandError(f"{found} stored value(s) fail the checks; correct them in the admin.")
        self.stdout.write("All stored phone numbers, VAT IDs and texts pass the checks.")
