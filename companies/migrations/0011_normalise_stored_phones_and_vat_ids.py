"""Phone numbers and VAT IDs stored before they were checked (migration 0010) in the spelling the
fields now store: "0351 1234567" → "+49 351 1234567", "de 123 456 789" → "DE123456789", so that
duplicates are found and a later save does not refuse a value that was only spelt differently.
Values that cannot be read stay as they are: ``manage.py check_stored_values`` lists them for staff
to correct (a save through the services refuses them with the field's message until then)."""

from django.db import migrations

from wfs_portal.validators import normalise_phone_number, normalise_vat_id

FIELDS = [
    ("Organisation", "phone", normalise_phone_number),
    ("Organisation", "vat_id", normalise_vat_id),
    ("Contact", "phone", normalise_phone_number),
]


def normalise(apps, schema_editor):
    for model_name, field, normalise_value in FIELDS:
        model = apps.get_model("companies", model_name)
        rows = model._base_manager.using(schema_editor.connection.alias).exclude(**{field: ""})
        for pk, value in rows.values_list("pk", field).iterator():
            spelt = normalise_value(value)
            if spelt != value:
                rows.filter(pk=pk).update(**{field: spelt})


class Migration(migrations.Migration):
    dependencies = [("companies", "0010_text_limits_and_formats")]

    # Going back keeps the new spelling: the old one was not kept, and either is a valid value then.
    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
