"""Benchmark of the duplicate finder (companies.duplicates.find_organisation_duplicates).

    .venv/bin/python bench/duplicates.py [--orgs 50000] [--planted 1000] [--seed 7]

Builds synthetic organisations (names as Faker's German companies make them and from German
company name parts, Saxon postal codes, streets, websites, VAT IDs and register entries for part
of them) and plants ``--planted``
duplicate pairs, a quarter each of: the same VAT ID written differently ("DE 123 456 789"), the same
register entry written differently ("AG Leipzig, HRB12345" for "Amtsgericht Leipzig, HRB 12345"),
the same website domain ("www.", a path), and a name variant (a typo, the legal form, umlauts
transliterated or words swapped) at the same postal code. Times the finder on all of them (the
database read is left out: the records are built in memory) and prints one JSON object: seconds,
candidate pairs, recall of the planted pairs overall and per kind (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wfs_portal.settings")

import django  # noqa: E402 - after the path is set
from faker import Faker  # noqa: E402

django.setup()

from companies.duplicates import OrganisationKeys, find_organisation_duplicates  # noqa: E402

FIRST = [
    "Sachsen",
    "Elbe",
    "Erz",
    "Lausitz",
    "Vogtland",
    "Mulde",
    "Spree",
    "Neisse",
    "Saale",
    "Meissen",
    "Chemnitz",
    "Zwickau",
    "Bautzen",
    "Plauen",
]
TRADE = [
    "Sensorik",
    "Logistik",
    "Medizintechnik",
    "Robotik",
    "Automation",
    "Werkzeugbau",
    "Kunststofftechnik",
    "Elektronik",
    "Software",
    "Analytik",
    "Biotech",
    "Maschinenbau",
    "Leichtbau",
    "Textil",
    "Photonik",
    "Energie",
    "Umwelttechnik",
    "Feinmechanik",
    "Präzisionsteile",
    "Holzbau",
    "Halbleiter",
    "Optik",
    "Pharma",
    "Verpackung",
    "Metallbau",
    "Druckguss",
    "Solar",
    "Wasserstoff",
    "Batterie",
    "Antriebstechnik",
]
SUFFIX = ["", "", "Systeme", "Solutions", "Service", "Technik", "Werke", "Labor", "Consulting", "Partner"]
FORMS = ["GmbH", "GmbH & Co. KG", "AG", "UG", "e.K.", "KG", ""]
COURTS = ["Amtsgericht Dresden", "Amtsgericht Leipzig", "Amtsgericht Chemnitz"]
STREETS = ["Hauptstraße", "Bahnhofstraße", "Industriestraße", "Gewerbering", "Am Technologiepark", "Dresdner Straße"]


def synthetic(n: int, rng: random.Random) -> list[OrganisationKeys]:
    fake = Faker("de_DE")
    fake.seed_instance(rng.randrange(1 << 30))
    records = []
    for pk in range(1, n + 1):
        shape = rng.random()
        if shape < 0.4:  # "Müller GmbH", "Schmidt Huber GmbH & Co. KG"
            name = fake.company()
        elif shape < 0.8:  # "Sensorik Lange GmbH"
            name = f"{rng.choice(TRADE)} {fake.last_name()} {rng.choice(FORMS)}".strip()
        else:  # "Elbe Robotik Systeme AG"
            name = " ".join(
                p for p in (rng.choice(FIRST), rng.choice(TRADE), rng.choice(SUFFIX), rng.choice(FORMS)) if p
            )
        records.append(
            OrganisationKeys(
                id=pk,
                name=name,
                vat_id=f"DE{100000000 + pk * 7:09d}" if rng.random() < 0.5 else "",
                register_court=rng.choice(COURTS) if rng.random() < 0.4 else "",
                register_number=f"HRB {10000 + pk}" if rng.random() < 0.4 else "",
                website=f"https://www.firma-{pk}.de" if rng.random() < 0.7 else "",
                street=f"{rng.choice(STREETS)} {rng.randrange(1, 200)}",
                postal_code=f"0{rng.randrange(1000, 9999)}",
            )
        )
    return records


def variant(name: str, rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0 and len(name) > 6:  # a typo: two letters swapped
        i = rng.randrange(1, len(name) - 2)
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == 1:  # another legal form
        for form in FORMS:
            if form and name.endswith(form):
                return name[: -len(form)].strip() + " " + rng.choice(["GmbH", "AG", ""])
        return f"{name} GmbH"
    if kind == 2:
        return name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss") + " "
    words = name.split()
    return " ".join(words[1:2] + words[:1] + words[2:])


def plant(records: list[OrganisationKeys], count: int, rng: random.Random) -> dict[tuple[int, int], str]:
    planted = {}
    originals = rng.sample(records, count)
    next_id = len(records) + 1
    for i, original in enumerate(originals):
        kind = ("vat", "register", "domain", "name")[i % 4]
        fields = {"id": next_id, "name": f"{rng.choice(TRADE)} {rng.choice(TRADE)} {rng.randrange(1000, 9999)}"}
        if kind == "vat":
            digits = f"{200000000 + i:09d}"
            original = OrganisationKeys(**{**original.__dict__, "vat_id": f"DE{digits}"})
            fields["vat_id"] = f"de {digits[:3]} {digits[3:6]} {digits[6:]}"
        elif kind == "register":
            original = OrganisationKeys(
                **{**original.__dict__, "register_court": "Amtsgericht Leipzig", "register_number": f"HRB {90000 + i}"}
            )
            fields |= {"register_court": "AG Leipzig", "register_number": f"HRB{90000 + i}"}
        elif kind == "domain":
            original = OrganisationKeys(**{**original.__dict__, "website": f"https://www.planted-{i}.de"})
            fields["website"] = f"planted-{i}.de/impressum"
        else:
            fields |= {"name": variant(original.name, rng), "postal_code": original.postal_code}
        records[original.id - 1] = original
        records.append(OrganisationKeys(**fields))
        planted[(original.id, next_id)] = kind
        next_id += 1
    return planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=50000)
    parser.add_argument("--planted", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    records = synthetic(args.orgs - args.planted, rng)
    planted = plant(records, args.planted, rng)

    started = time.perf_counter()
    pairs = find_organisation_duplicates(records)
    seconds = time.perf_counter() - started

    found = {(pair.first_id, pair.second_id) for pair in pairs}
    per_kind = {}
    for kind in ("vat", "register", "domain", "name"):
        wanted = [key for key, value in planted.items() if value == kind]
        per_kind[kind] = round(sum(key in found for key in wanted) / len(wanted), 4) if wanted else None
    print(
        json.dumps(
            {
                "orgs": len(records),
                "planted": len(planted),
                "seconds": round(seconds, 2),
                "candidate_pairs": len(pairs),
                "recall": round(sum(key in found for key in planted) / len(planted), 4),
                "recall_by_kind": per_kind,
            }
        )
    )


if __name__ == "__main__":
    main()
