"""Builds the demo world and writes what is missing of it.

Everything is derived from a fixed random seed, so every run computes the same world; a record
is written only when its natural key (a name, a date, a pair of keys) is not in the database yet.
Running the loader twice therefore changes nothing, and staff edits to demo records survive
(organisations are recognised by VAT ID or website, contacts by e-mail). The coming year's fairs
and trips, and the records of the last and the running year (investment projects, fairs, delegations,
a project workshop: ``load_recent_years``), are dated relative to the day of loading, so in a later
year the loader adds that year's records next to the old ones.

The 2018 records reproduce the agency's press release: 20 settlements and expansions accompanied
with 141.82 M EUR investment, 361 new jobs and 538 secured jobs; joint booths at 19 fairs (CMEF
in Shanghai among them, 12 exhibitors there in 2019 of whom 3 first-time); 14 outbound and 22
inbound delegations."""

from __future__ import annotations

import datetime
import random
import re
import unicodedata
from collections import Counter
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.signals import post_save
from faker import Faker

from companies.models.classifications import Sector, TechnologyField
from companies.models.clusters import Cluster, ClusterMembership
from companies.models.contacts import ConsentRecord, Contact
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from delegations.models import Delegation, DelegationParticipant, ProgrammeItem
from fairs.models import BoothRegistration, JointBooth, TradeFair
from projects.models import InvestmentMilestone, InvestmentProject, Workshop, WorkshopParticipant, WorkshopSession
from wfs_portal.audit import DEMO_DATA
from wfs_portal.demo import catalogue as cat
from wfs_portal.services import constraint_message

SEED = 20190521


class DemoConflict(Exception):
    """A demo record cannot be added because edited data in the database conflicts with it."""


TZ = ZoneInfo("Europe/Berlin")

# The press release's figures for 2018.
ACCOMPANIED_2018 = 20
INVESTMENT_2018 = Decimal("141820000.00")
NEW_JOBS_2018 = 361
SECURED_JOBS_2018 = 538

STAFF_GROUP = "Agency staff"
STAFF_APPS = ("companies", "projects", "fairs", "delegations", "django_celery_beat")

TOWNS = {
    "dresden": [("Dresden", p) for p in ("01067", "01069", "01097", "01099", "01109", "01139", "01187", "01307")],
    "leipzig": [("Leipzig", p) for p in ("04103", "04109", "04129", "04155", "04177", "04229", "04299", "04347")],
    "chemnitz": [("Chemnitz", p) for p in ("09111", "09112", "09113", "09116", "09119", "09126", "09130")],
    "bautzen": [("Bautzen", "02625"), ("Hoyerswerda", "02977"), ("Kamenz", "01917")],
    "erzgebirgskreis": [("Annaberg-Buchholz", "09456"), ("Aue-Bad Schlema", "08280"), ("Marienberg", "09496")],
    "goerlitz": [("Görlitz", "02826"), ("Zittau", "02763"), ("Löbau", "02708")],
    "landkreis_leipzig": [("Borna", "04552"), ("Grimma", "04668"), ("Markkleeberg", "04416")],
    "meissen": [("Meißen", "01662"), ("Radebeul", "01445"), ("Riesa", "01587")],
    "mittelsachsen": [("Freiberg", "09599"), ("Döbeln", "04720"), ("Mittweida", "09648")],
    "nordsachsen": [("Delitzsch", "04509"), ("Torgau", "04860"), ("Schkeuditz", "04435")],
    "saechsische_schweiz_osterzgebirge": [("Pirna", "01796"), ("Freital", "01705"), ("Dippoldiswalde", "01744")],
    "vogtlandkreis": [("Plauen", "08523"), ("Reichenbach im Vogtland", "08468"), ("Auerbach/Vogtl.", "08209")],
    "zwickau": [("Zwickau", "08056"), ("Crimmitschau", "08451"), ("Glauchau", "08371")],
}
DISTRICT_WEIGHTS = {
    "dresden": 20,
    "leipzig": 20,
    "chemnitz": 12,
    "zwickau": 6,
    "mittelsachsen": 6,
    "landkreis_leipzig": 5,
    "meissen": 5,
    "saechsische_schweiz_osterzgebirge": 5,
    "bautzen": 4,
    "erzgebirgskreis": 5,
    "goerlitz": 4,
    "nordsachsen": 4,
    "vogtlandkreis": 4,
}
# The area code of each district's main town: a demo number is one that could be dialled there (the
# phone fields accept only numbers the ``phonenumbers`` library knows to be valid).
AREA_CODES = {
    "dresden": "351",
    "leipzig": "341",
    "chemnitz": "371",
    "zwickau": "375",
    "bautzen": "3591",
    "erzgebirgskreis": "3733",
    "goerlitz": "3581",
    "landkreis_leipzig": "3433",
    "meissen": "3521",
    "mittelsachsen": "3731",
    "nordsachsen": "34202",
    "saechsische_schweiz_osterzgebirge": "3501",
    "vogtlandkreis": "3741",
}
# The register court of a Saxon company: Saxony has three.
# Districts not listed here belong to the Amtsgericht Dresden.
REGISTER_COURT = {
    **dict.fromkeys(("leipzig", "landkreis_leipzig", "nordsachsen"), "Amtsgericht Leipzig"),
    **dict.fromkeys(
        ("chemnitz", "zwickau", "erzgebirgskreis", "vogtlandkreis", "mittelsachsen"), "Amtsgericht Chemnitz"
    ),
}
LEGAL_LABEL = {
    "gmbh": "GmbH",
    "gmbh_co_kg": "GmbH & Co. KG",
    "ag": "AG",
    "ug": "UG (haftungsbeschränkt)",
    "kg": "KG",
    "sole_trader": "e. K.",
}
FIELD_WEIGHTS = {cat.MED: 25, cat.ICT: 18, cat.ROB: 18, cat.MIC: 14, cat.MAT: 14, cat.LOG: 11}
COMPANY_TEXT = {
    cat.MED: ("Medizinprodukte und Diagnostik", "medical devices and diagnostics"),
    cat.ICT: ("Software und IT-Dienstleistungen", "software and IT services"),
    cat.ROB: ("Automatisierungslösungen und Sondermaschinen", "automation solutions and special machinery"),
    cat.MIC: ("Sensoren und elektronische Baugruppen", "sensors and electronic assemblies"),
    cat.MAT: ("Leichtbauteile und Hochleistungswerkstoffe", "lightweight parts and high-performance materials"),
    cat.LOG: ("Logistik- und Transportdienstleistungen", "logistics and transport services"),
}
FOREIGN_INVESTOR_HOMES = {
    "US": (["Boston", "Austin", "San Diego"], "Inc."),
    "CN": (["Shanghai", "Shenzhen"], "Co., Ltd."),
    "JP": (["Osaka", "Nagoya"], "Co., Ltd."),
    "KR": (["Seoul"], "Co., Ltd."),
    "IN": (["Pune", "Bengaluru"], "Pvt. Ltd."),
    "FR": (["Lyon"], "SAS"),
    "GB": (["Cambridge"], "Ltd"),
    "CH": (["Basel"], "AG"),
    "AT": (["Linz"], "GmbH"),
    "TW": (["Hsinchu"], "Corp."),
    "CA": (["Toronto"], "Inc."),
}
INVESTOR_WORDS = {
    cat.MED: "Biosciences",
    cat.ICT: "Digital Systems",
    cat.ROB: "Automation",
    cat.MIC: "Semiconductor",
    cat.MAT: "Advanced Materials",
    cat.LOG: "Logistics",
}
POSITIONS = [
    "Geschäftsführer/in",
    "Leitung Vertrieb",
    "Leitung Forschung und Entwicklung",
    "Leitung Export",
    "Business Development",
    "Technische Leitung",
    "Marketing",
]
CODE_WORDS = [
    "Helix", "Orion", "Kobalt", "Saphir", "Atlas", "Vega", "Lyra", "Quarz", "Titan", "Zeder", "Falke", "Delta",
    "Polaris", "Rubin", "Nova", "Sirius", "Achat", "Merkur", "Kranich", "Bernstein", "Lotus", "Granit", "Aurora",
    "Kepler", "Opal", "Phoenix", "Meteor", "Jade", "Zenit", "Argon",
]  # fmt: skip
LOST_REASONS = [
    "Standortentscheidung für Tschechien wegen Fördergefälle.",
    "Investor hat das Projekt konzernweit gestoppt.",
    "Kein geeignetes Industriegrundstück in der geforderten Größe verfügbar.",
    "Entscheidung für einen Standort in Bayern wegen Fachkräfteverfügbarkeit.",
]


def _date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


def _at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def _ascii(value: str) -> str:
    value = value.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    value = value.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(value)).strip("-")


def _domain(name: str, tld: str = "de") -> str:
    # A DNS label has at most 63 characters.
    return f"{_slug(name)[:40].strip('-')}.{tld}"


def _split(total: int | Decimal, weights: list[float], *, step: int | Decimal = 1) -> list:
    """Split ``total`` into parts proportional to ``weights``, in multiples of ``step``, adding up
    exactly (largest remainder)."""
    units = int(total / step)
    raw = [w / sum(weights) * units for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: units - sum(parts)]:
        parts[i] += 1
    return [p * step for p in parts]


class DemoWorld:
    def __init__(self, *, today: datetime.date, stdout=None):
        self.today = today
        self.next_year = today.year + 1
        self.rng = random.Random(SEED)
        self.fake = Faker("de_DE")
        self.fake.seed_instance(SEED)
        self.fake_en = Faker("en_US")
        self.fake_en.seed_instance(SEED)
        self.created: Counter[str] = Counter()
        self.sectors = {s.code: s for s in Sector.objects.all()}
        self.fields = {f.slug: f for f in TechnologyField.objects.all()}
        self.orgs: dict[str, Organisation] = {}
        self.org_fields: dict[str, list[str]] = {}
        # What the demo generated for each organisation (kind, country, verified), independent of
        # later edits in the database, so that every run draws the same random numbers.
        self.org_meta: dict[str, dict] = {}
        self.contacts: dict[str, Contact] = {}
        self.companies_by_field: dict[str, list[str]] = {f: [] for f in cat.FIELDS}
        self.used_names: set[str] = set()

    # --- writing --------------------------------------------------------------------------
    def ensure(self, model: type[models.Model], lookup: dict, defaults: dict | None = None, m2m: dict | None = None):
        """Return the record with ``lookup``; create it (validated) when it does not exist."""
        obj = model.objects.filter(**lookup).first()
        if obj is not None:
            return obj
        obj = model(**lookup, **(defaults or {}))
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj._change_reason = DEMO_DATA
        try:
            with transaction.atomic():
                if not m2m:
                    obj.save()
                else:
                    # One "created" history entry that includes the many-to-many values, instead of
                    # one for the row and one more for each relation set afterwards.
                    obj.skip_history_when_saving = True
                    obj.save()
                    for name, values in m2m.items():
                        getattr(obj, name).set(values)
                    del obj.skip_history_when_saving
                    post_save.send(
                        sender=model, instance=obj, created=True, raw=False, using=obj._state.db, update_fields=None
                    )
        except IntegrityError as exc:
            # Staff changed demo records so that a missing one can no longer be added next to them.
            try:
                obj.validate_constraints()
                reason = constraint_message(exc)
            except ValidationError as error:
                reason = " ".join(error.messages)
            raise DemoConflict(f"{model._meta.verbose_name} {lookup}: {reason} Nothing was loaded.") from exc
        self.created[model._meta.label] += 1
        return obj

    def load(self) -> Counter:
        if len(self.sectors) < 900 or len(self.fields) < 6:
            raise RuntimeError("The NACE sectors and technology fields are missing: run 'manage.py migrate' first.")
        with transaction.atomic():
            self.staff = self.load_staff()
            self.load_named_organisations()
            self.load_companies()
            self.load_foreign_investors()
            self.load_institutes_and_clinics()
            self.load_contacts()
            self.load_clusters()
            self.load_profiles()
            self.load_investment_projects()
            self.load_fairs()
            self.load_delegations()
            self.load_workshops()
            # Last: its random numbers come from generators of their own, and drawing them after
            # everything else leaves the rest of the world as it was before these years existed.
            self.load_recent_years()
        return self.created

    # --- people ---------------------------------------------------------------------------
    def load_staff(self) -> list:
        User = get_user_model()
        group = self.ensure(Group, {"name": STAFF_GROUP})
        if not group.permissions.exists():
            group.permissions.set(Permission.objects.filter(content_type__app_label__in=STAFF_APPS))
        people = [("s.lange", "Sandra", "Lange")]
        for _ in range(3):
            first, last = self.fake.first_name(), self.fake.last_name()
            people.append((f"{_ascii(first)[0]}.{_ascii(last)}", first, last))
        staff = []
        for username, first, last in people:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, first_name=first, last_name=last, is_staff=True)
                user.email = f"{username}@wfs.example"
                user.set_unusable_password()
                user.save()
                user.groups.add(group)
                self.created["auth.User"] += 1
            staff.append(user)
        return staff

    # --- organisations --------------------------------------------------------------------
    def _org(self, name: str, fields: list[str], defaults: dict, sectors: list[str], key: str = "name") -> Organisation:
        """``key``: the field that identifies the organisation across runs, so that a record staff
        renamed is found again instead of created twice (VAT ID for companies, website for the
        named institutions, the name where there is nothing better)."""
        m2m = {
            "sectors": [self.sectors[c] for c in sectors],
            "technology_fields": [self.fields[f] for f in fields],
        }
        values = {"name": name, **defaults}
        lookup = {key: values.pop(key)}
        org = self.ensure(Organisation, lookup, values, m2m)
        self.orgs[name] = org
        self.org_fields[name] = fields
        self.org_meta[name] = {
            "kind": defaults["kind"],
            "country": defaults.get("country", "DE"),
            "verified": defaults.get("verification_state") == "verified",
            "website": defaults.get("website", ""),
        }
        return org

    def _phone(self, district: str) -> str:
        """A landline number in the district (Dresden's for an organisation outside Saxony)."""
        # Two numbers are drawn, as when the area code was a random one, so that everything drawn
        # after a phone number stays as it was in databases loaded before.
        self.rng.randint(340, 379)
        subscriber = self.rng.randint(100000, 999999)
        area = AREA_CODES.get(district, "351")
        # Five-digit area codes have shorter subscriber numbers.
        return f"+49 {area} {subscriber // 10 if len(area) == 5 else subscriber}"

    def _verified(self, year: int) -> dict:
        when = _at(datetime.date(year, 1 + self.rng.randrange(12), 1 + self.rng.randrange(28)))
        return {"verification_state": "verified", "verified_at": when}

    def load_named_organisations(self):
        for name, kind, legal, city, district, country, postal, sectors, fields, de, en, web in cat.NAMED_ORGANISATIONS:
            defaults = {
                "kind": kind,
                "legal_form": legal,
                "city": city,
                "district": district,
                "country": country,
                "postal_code": postal if country == "DE" else "",
                "description_de": de,
                "description_en": en,
                "website": web,
                # The agency and its ministry bring partners together; they are nobody's partner.
                "matchmaking_opt_out": kind == "public_body",
                **self._verified(2016),
            }
            self._org(name, fields, defaults, sectors, key="website")

    def _unique_name(self, make) -> str:
        for _ in range(50):
            name = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("could not find a free organisation name")

    def load_companies(self, count: int = 280):
        fields, weights = zip(*FIELD_WEIGHTS.items(), strict=True)
        districts, district_weights = zip(*DISTRICT_WEIGHTS.items(), strict=True)
        legal_forms = ["gmbh"] * 12 + ["gmbh_co_kg"] * 3 + ["ag", "ug", "ug", "kg", "sole_trader"]
        bands = ["1-9"] * 5 + ["10-49"] * 7 + ["50-249"] * 6 + ["250-999"] * 2 + ["1000+"]
        for i in range(count):
            field = self.rng.choices(fields, weights)[0]
            traditional = self.rng.random() < 0.12
            legal = self.rng.choice(legal_forms)
            word = self.rng.choice(cat.NAME_WORDS[field])
            name = self._unique_name(
                lambda word=word, legal=legal: f"{self.fake.last_name()} {word} {LEGAL_LABEL[legal]}"
            )
            district = self.rng.choices(districts, district_weights)[0]
            city, postal = self.rng.choice(TOWNS[district])
            domain = _domain(name.rsplit(" ", 1)[0] if legal != "gmbh_co_kg" else name.split(" GmbH")[0])
            extra = self.rng.choice([f for f in cat.FIELDS if f != field]) if self.rng.random() < 0.3 else None
            org_fields = [field] + ([extra] if extra else [])
            sectors = self.rng.sample(cat.SECTORS_BY_FIELD[field], k=1 + (self.rng.random() < 0.3))
            if traditional:
                sectors = [self.rng.choice(cat.TRADITIONAL_SECTORS)] + sectors[:1]
            state_roll = self.rng.random()
            if state_roll < 0.05:
                verification = {"verification_state": "self_registered"}
            elif state_roll < 0.065:
                verification = {
                    "verification_state": "rejected",
                    "rejection_reason": "Kein Sitz oder Betriebsstätte in Sachsen nachgewiesen.",
                }
            else:
                verification = self._verified(self.rng.randint(2015, 2025))
            what_de, what_en = COMPANY_TEXT[field]
            short = name.split(" ")[0]
            description_en = f"{short} develops and supplies {what_en} from {city}, Saxony."
            prefix = "HRA" if legal in ("kg", "sole_trader") else "HRB"
            defaults = {
                "kind": "company",
                "legal_form": legal,
                "register_court": REGISTER_COURT.get(district, "Amtsgericht Dresden"),
                "register_number": f"{prefix} {10000 + i * 97}",
                "vat_id": f"DE{300000000 + i * 7919}",
                "website": f"https://www.{domain}",
                "email": f"info@{domain}",
                "phone": self._phone(district),
                "founded": self.rng.choice([self.rng.randint(1990, 2022), self.rng.randint(1870, 1989)]),
                "employee_band": self.rng.choice(bands),
                "street": f"{self.fake.street_name()} {self.rng.randint(1, 120)}",
                "postal_code": postal,
                "city": city,
                "district": district,
                "description_de": f"{short} entwickelt und liefert {what_de} aus {city}.",
                # A fifth of the companies keep their profile in German only.
                "description_en": description_en if self.rng.random() < 0.8 else "",
                **verification,
            }
            self._org(name, org_fields, defaults, sectors, key="vat_id")
            if self.org_meta[name]["verified"]:
                self.companies_by_field[field].append(name)

    def load_foreign_investors(self, count: int = 25):
        countries = list(FOREIGN_INVESTOR_HOMES)
        self.foreign_investors: list[str] = []
        for i in range(count):
            country = countries[i % len(countries)]
            cities, suffix = FOREIGN_INVESTOR_HOMES[country]
            field = self.rng.choice(cat.FIELDS)
            name = self._unique_name(lambda f=field, s=suffix: f"{self.fake_en.last_name()} {INVESTOR_WORDS[f]} {s}")
            defaults = {
                "kind": "investor",
                "legal_form": "foreign",
                "city": self.rng.choice(cities),
                "country": country,
                "website": "https://www." + _domain(f"{name.split(' ')[0]} {INVESTOR_WORDS[field]}", "com"),
                "employee_band": self.rng.choice(["250-999", "1000+"]),
                "description_en": f"International group active in {COMPANY_TEXT[field][1]}.",
                **self._verified(self.rng.randint(2015, 2024)),
            }
            self._org(name, [field], defaults, cat.SECTORS_BY_FIELD[field][:1])
            self.foreign_investors.append(name)

    def load_institutes_and_clinics(self):
        topics = [
            ("Institut für Sensorik und Messtechnik", cat.MIC, "72.19"),
            ("Institut für Leichtbau und Kunststofftechnik", cat.MAT, "72.19"),
            ("Institut für Produktionsautomatisierung", cat.ROB, "72.19"),
            ("Institut für Angewandte Informatik", cat.ICT, "72.19"),
            ("Institut für Biomedizinische Technik", cat.MED, "72.11"),
            ("Institut für Logistik und Materialfluss", cat.LOG, "72.19"),
            ("Institut für Textiltechnik", cat.MAT, "72.19"),
            ("Institut für Mikrosystemtechnik", cat.MIC, "72.19"),
            ("Institut für Zell- und Gewebetechnik", cat.MED, "72.11"),
            ("Institut für Robotik und Mensch-Maschine-Interaktion", cat.ROB, "72.19"),
        ]
        districts = ["dresden", "leipzig", "chemnitz", "mittelsachsen", "zwickau"]
        for topic, field, sector in topics:
            district = self.rng.choice(districts)
            city, postal = TOWNS[district][0]
            name = f"{topic} {city} e. V."
            defaults = {
                "kind": "research",
                "legal_form": "ev",
                "city": city,
                "postal_code": postal,
                "district": district,
                "description_de": f"Anwendungsnahe Forschung: {topic.removeprefix('Institut für ')}.",
                **self._verified(2016),
            }
            self._org(name, [field], defaults, [sector])
        for _ in range(6):
            district = self.rng.choice(list(TOWNS))
            city, postal = self.rng.choice(TOWNS[district])
            name = self._unique_name(lambda city=city: f"Fachklinik {self.fake.last_name()} {city}")
            defaults = {
                "kind": "clinic",
                "legal_form": "gmbh",
                "city": city,
                "postal_code": postal,
                "district": district,
                "employee_band": "250-999",
                "description_de": "Fachklinik mit Schwerpunkt Orthopädie und Rehabilitation.",
                **self._verified(2017),
            }
            self._org(name, [cat.MED], defaults, ["86.10"])

    def load_contacts(self):
        # The agency's own people named in its press release.
        wfs = self.orgs["Wirtschaftsförderung Sachsen GmbH"]
        for first, last, position, email, phone in [
            ("Thomas", "Horn", "Geschäftsführer", "", ""),
            ("Sylvia", "Weiß", "Presse- und Öffentlichkeitsarbeit", "sylvia.weiss@wfs.saxony.de", "+49 351 2138 255"),
            ("Sandra", "Lange", "Ansprechpartnerin Branchen und Netzwerke", "", ""),
        ]:
            contact = self.ensure(
                Contact,
                {"organisation": wfs, "first_name": first, "last_name": last},
                {"position": position, "email": email, "phone": phone},
            )
            # Sandra Lange goes with the delegations as the agency's contact.
            self.contacts[wfs.name] = contact
        named = {row[0] for row in cat.NAMED_ORGANISATIONS}
        for name, org in self.orgs.items():
            if name in named:
                continue  # no invented people at real institutions
            for n in range(self.rng.choice([1, 1, 2, 2, 3])):
                first, last = self.fake.first_name(), self.fake.last_name()
                meta = self.org_meta[name]
                domain = meta["website"].removeprefix("https://www.") or _domain(name)
                english = meta["country"] != "DE" or self.rng.random() < 0.1
                contact = self.ensure(
                    Contact,
                    {"organisation": org, "email": f"{_ascii(first)}.{_ascii(last)}@{domain}".replace(" ", "")},
                    {
                        "first_name": first,
                        "last_name": last,
                        "title": "Dr." if self.rng.random() < 0.15 else "",
                        "position": self.rng.choice(POSITIONS),
                        "phone": self._phone(org.district),
                        "language": "en" if english else "de",
                        "is_primary": n == 0,
                    },
                )
                if n == 0:
                    self.contacts[name] = contact
                    self._consents(contact)

    def _consents(self, contact: Contact):
        roll = self.rng.random()
        given = _at(datetime.date(self.rng.randint(2018, 2025), self.rng.randint(1, 12), self.rng.randint(1, 28)))
        source = self.rng.choice(["portal", "paper_form", "event", "email"])
        version = "2018-05" if given.year < 2023 else "2023-01"
        if roll < 0.7:
            self.ensure(
                ConsentRecord,
                {"contact": contact, "purpose": "partner_sharing", "given_at": given},
                {"text_version": version, "source": source},
            )
        if roll < 0.5:
            withdrawn = given + datetime.timedelta(days=400) if self.rng.random() < 0.1 else None
            self.ensure(
                ConsentRecord,
                {"contact": contact, "purpose": "matchmaking", "given_at": given},
                {"text_version": version, "source": source, "withdrawn_at": withdrawn},
            )
        if roll < 0.3:
            self.ensure(
                ConsentRecord,
                {"contact": contact, "purpose": "event_information", "given_at": given},
                {"text_version": version, "source": source},
            )

    def load_clusters(self):
        for name, acronym, manager, fields, description in cat.CLUSTERS:
            cluster = self.ensure(
                Cluster,
                {"name": name},
                {"acronym": acronym, "managing_organisation": self.orgs[manager], "description_de": description},
                {"technology_fields": [self.fields[f] for f in fields]},
            )
            for org_name, org_fields in self.org_fields.items():
                org = self.orgs[org_name]
                meta = self.org_meta[org_name]
                if meta["kind"] == "investor" or not meta["verified"] or org_name == manager:
                    continue
                if set(org_fields) & set(fields) and self.rng.random() < 0.35:
                    since = datetime.date(self.rng.randint(2008, 2024), self.rng.randint(1, 12), 1)
                    role = "board" if self.rng.random() < 0.05 else "member"
                    self.ensure(
                        ClusterMembership,
                        {"cluster": cluster, "organisation": org},
                        {"role": role, "since": since},
                    )
        biocity = self.orgs["BIO CITY LEIPZIG"]
        biosaxony = Cluster.objects.get(name="biosaxony")
        self.ensure(ClusterMembership, {"cluster": biosaxony, "organisation": biocity}, {"role": "founding_member"})

    def load_profiles(self):
        by_field: dict[str, list] = {f: [] for f in cat.FIELDS}
        for text in cat.PROFILE_TEXTS:
            by_field[text[0]].append(text)
        for name, fields in self.org_fields.items():
            org = self.orgs[name]
            meta = self.org_meta[name]
            if meta["kind"] in ("public_body", "network") or self.rng.random() > 0.65:
                continue
            candidates = [t for f in fields for t in by_field[f]]
            for text in self.rng.sample(candidates, k=min(len(candidates), self.rng.choice([1, 1, 2]))):
                field, ptype, title_de, title_en, summary_de, summary_en, kw_de, kw_en = text
                language = self.rng.choices(["both", "de", "en"], [45, 35, 20])[0]
                if meta["country"] != "DE":
                    language = "en"
                state_roll = self.rng.random()
                if not meta["verified"] or state_roll < 0.1:
                    state, valid_until, published_at = "draft", None, None
                elif state_roll < 0.2:
                    state = "expired"
                    valid_until = datetime.date(self.rng.randint(2023, 2025), self.rng.randint(1, 12), 1)
                    published_at = _at(valid_until - datetime.timedelta(days=365))
                else:
                    state = "published"
                    valid_until = self.today + datetime.timedelta(days=self.rng.randint(20, 360))
                    published_at = _at(valid_until - datetime.timedelta(days=365))
                de = language in ("both", "de")
                en = language in ("both", "en")
                self.ensure(
                    PartneringProfile,
                    {
                        "organisation": org,
                        "type": ptype,
                        "title_de": title_de if de else "",
                        "title_en": title_en if en else "",
                    },
                    {
                        "summary_de": summary_de if de else "",
                        "summary_en": summary_en if en else "",
                        "keywords_de": kw_de if de else "",
                        "keywords_en": kw_en if en else "",
                        "stage": "on_the_market" if ptype.endswith("offer") else "",
                        "state": state,
                        "valid_until": valid_until,
                        "published_at": published_at,
                        "target_countries": ["DE"] if self.rng.random() < 0.5 else ["DE", "PL", "CZ"],
                    },
                    {"technology_fields": [self.fields[field]], "sectors": list(org.sectors.all()[:1])},
                )

    # --- investment projects --------------------------------------------------------------
    def _project(self, *, year_code: int, investor: str, kind: str, stage: str, field: str, values: dict):
        if not self._code_words.get(year_code):
            self._code_words[year_code] = self.rng.sample(CODE_WORDS, len(CODE_WORDS))
            self._code_round[year_code] = self._code_round.get(year_code, 0) + 1
        code_name = f"{self._code_words[year_code].pop()} {year_code}"
        if self._code_round[year_code] > 1:
            code_name += f"-{self._code_round[year_code]}"
        district = (
            values.pop("site_district", None) or self.rng.choices(*zip(*DISTRICT_WEIGHTS.items(), strict=True))[0]
        )
        what = {"new_settlement": "Neuansiedlung", "expansion": "Erweiterung", "retention": "Standortsicherung"}[kind]
        defaults = {
            "title": values.pop("title", None) or f"{what}: {COMPANY_TEXT[field][0]}",
            "investor": self.orgs[investor],
            "kind": kind,
            "stage": stage,
            "site_district": district,
            "site_municipality": values.pop("site_municipality", None) or TOWNS[district][0][0],
            "responsible": self.rng.choice(self.staff),
            "notes": "Demodaten: Zahlen zur Veranschaulichung.",
            **values,
        }
        partners = values.get("partners", [])
        defaults.pop("partners", None)
        project = self.ensure(
            InvestmentProject,
            {"code_name": code_name},
            defaults,
            {
                "sectors": [self.sectors[cat.SECTORS_BY_FIELD[field][0]]],
                "partner_organisations": [self.orgs[p] for p in partners],
            },
        )
        milestones = [("first_contact", project.first_contact_date)]
        if project.decision_date:
            visit = project.first_contact_date + (project.decision_date - project.first_contact_date) / 3
            offer = project.first_contact_date + (project.decision_date - project.first_contact_date) / 2
            milestones += [("site_visit", visit), ("site_offer", offer), ("decision", project.decision_date)]
        if project.production_start_date:
            milestones.append(("production_start", project.production_start_date))
        for kind_, day in milestones:
            if day:
                self.ensure(InvestmentMilestone, {"project": project, "date": day, "kind": kind_})
        return project

    def _accompanied_year(self, year: int, count: int, volume: Decimal, new_jobs: int, secured_jobs: int, fixed=()):
        """``count`` projects whose production started in ``year``, adding up to the given totals.
        ``fixed`` are projects given in full (GENEWIZ); the rest is generated. In the running year,
        a project whose production starts after the day of loading is still in the pipeline
        (``_not_started_yet``)."""
        kinds = ["new_settlement"] * (count * 2 // 5) + ["expansion"] * (count - count * 2 // 5)
        kinds = kinds[len(fixed) :]
        free_volume = volume - sum(f["values"]["investment_volume_eur"] for f in fixed)
        free_new = new_jobs - sum(f["values"]["new_jobs"] for f in fixed)
        volumes = _split(free_volume, [self.rng.uniform(0.3, 3.0) for _ in kinds], step=Decimal("10000.00"))
        news = _split(free_new, [self.rng.uniform(0.5, 2.0) * (2 if k == "new_settlement" else 1) for k in kinds])
        expansions = [i for i, k in enumerate(kinds) if k == "expansion"]
        secured = _split(secured_jobs, [self.rng.uniform(0.5, 2.0) for _ in expansions])
        secured_by_index = dict(zip(expansions, secured, strict=True))
        for values in fixed:
            self._project(year_code=year, **values)
        for i, kind in enumerate(kinds):
            investor, field = self._investor_and_field(kind)
            production = datetime.date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))
            decision = production - datetime.timedelta(days=self.rng.randint(120, 500))
            first_contact = decision - datetime.timedelta(days=self.rng.randint(90, 400))
            values = {
                "investment_volume_eur": volumes[i],
                "figure_provenance": "confirmed",
                "new_jobs": news[i],
                "secured_jobs": secured_by_index.get(i, 0),
                "first_contact_date": first_contact,
                "decision_date": decision,
                "production_start_date": production,
                "site_offers_sent": self.rng.randint(1, 4) if kind == "new_settlement" else 0,
            }
            stage = "production_started" if production <= self.today else self._not_started_yet(values)
            self._project(year_code=year, investor=investor, kind=kind, stage=stage, field=field, values=values)

    def _investor_and_field(self, kind: str) -> tuple[str, str]:
        """The investor of a project of ``kind`` and its field: a new settlement comes from a foreign
        investor (in its first field), any other project from a company of a field."""
        if kind == "new_settlement":
            investor = self.rng.choice(self.foreign_investors)
            return investor, self.org_fields[investor][0]
        field = self.rng.choice(cat.FIELDS)
        return self.rng.choice(self.companies_by_field[field]), field

    def _not_started_yet(self, values: dict) -> str:
        """The stage of a project whose production starts after the day of loading; the dates that
        lie ahead are taken out of ``values``, and its figures are the investor's announcement."""
        values.update(production_start_date=None, figure_provenance="announced")
        if values["first_contact_date"] > self.today:
            values.update(first_contact_date=self.today, decision_date=None)
            return "lead"
        if values["decision_date"] > self.today:
            values["decision_date"] = None
            return "negotiation"
        return "permits"

    def load_investment_projects(self):
        self._code_words: dict[int, list[str]] = {}
        self._code_round: dict[int, int] = {}
        genewiz = {
            "investor": "GENEWIZ",
            "kind": "new_settlement",
            "stage": "production_started",
            "field": cat.MED,
            "values": {
                "title": "Europäischer Hauptsitz und Hochtechnologielabor für Genomik",
                "site_district": "leipzig",
                "site_municipality": "Leipzig-Wiederitzsch (ehemaliges Bundeswehrkrankenhaus)",
                "investment_volume_eur": Decimal("12500000.00"),
                "figure_provenance": "confirmed",
                "new_jobs": 45,
                "secured_jobs": 0,
                "first_contact_date": datetime.date(2017, 9, 12),
                "decision_date": datetime.date(2018, 3, 20),
                "production_start_date": datetime.date(2018, 9, 17),
                "site_offers_sent": 3,
                "partners": ["BIO CITY LEIPZIG", "biosaxony e. V."],
            },
        }
        self._accompanied_year(
            2018, ACCOMPANIED_2018, INVESTMENT_2018, NEW_JOBS_2018, SECURED_JOBS_2018, fixed=[genewiz]
        )
        self._accompanied_year(2017, 17, Decimal("118400000.00"), 298, 412)
        self._accompanied_year(2019, 19, Decimal("156300000.00"), 402, 487)
        # The open pipeline, with estimated or announced figures, and some paused or lost projects.
        stages = ["lead"] * 7 + ["site_search"] * 6 + ["negotiation"] * 5 + ["decision"] * 3 + ["permits"] * 3
        stages += ["on_hold"] * 3 + ["lost"] * 4
        for n, stage in enumerate(stages):
            kind = self.rng.choice(["new_settlement", "new_settlement", "expansion", "retention"])
            investor, field = self._investor_and_field(kind)
            first_contact = datetime.date(
                self.rng.choice([2025, 2026]), self.rng.randint(1, 10), self.rng.randint(1, 28)
            )
            decided = stage in ("decision", "permits")
            self._project(
                year_code=first_contact.year,
                investor=investor,
                kind=kind,
                stage=stage,
                field=field,
                values={
                    "is_confidential": self.rng.random() < 0.3,
                    "investment_volume_eur": Decimal(self.rng.randint(5, 800)) * Decimal("100000.00"),
                    "figure_provenance": self.rng.choice(["estimated", "announced"]),
                    "new_jobs": self.rng.randint(10, 250),
                    "secured_jobs": self.rng.randint(20, 300) if kind != "new_settlement" else 0,
                    "first_contact_date": first_contact,
                    "decision_date": first_contact + datetime.timedelta(days=120) if decided else None,
                    "site_offers_sent": self.rng.randint(0, 5),
                    "lost_reason": LOST_REASONS[n % len(LOST_REASONS)] if stage == "lost" else "",
                },
            )

    # --- fairs ----------------------------------------------------------------------------
    def _exhibitor_pool(self, fields: list[str]) -> list[str]:
        pool = sorted({name for f in fields for name in self.companies_by_field[f]})
        return pool

    def _fair(self, row, *, start: datetime.date, end: datetime.date, state: str, capacity: int):
        name, city, country, _, _, fields, website = row
        fair = self.ensure(
            TradeFair,
            {"name": name, "start_date": start},
            {"city": city, "country": country, "end_date": end, "programme_year": start.year, "website": website},
            {"sectors": [self.sectors[cat.SECTORS_BY_FIELD[f][0]] for f in fields]},
        )
        fee = Decimal(self.rng.randint(18, 32) * 10)
        booth = self.ensure(
            JointBooth,
            {"fair": fair, "title": "Sachsen live"},
            {
                "hall": f"Halle {self.rng.randint(1, 9)}",
                "stand": f"{self.rng.choice('ABCDEFG')}{self.rng.randint(10, 99)}",
                "total_area_m2": Decimal(capacity * 12 + 24),
                "capacity": capacity,
                "fee_per_m2_with_construction": fee,
                "fee_per_m2_without_construction": fee - Decimal(90),
                "registration_deadline": start - datetime.timedelta(days=120 if state == "completed" else 45),
                "state": state,
            },
        )
        return booth

    def _register(self, booth: JointBooth, org_name: str, state: str, applied: datetime.date):
        org = self.orgs[org_name]
        self.ensure(
            BoothRegistration,
            {"booth": booth, "organisation": org},
            {
                "contact": self.contacts.get(org_name),
                "requested_area_m2": Decimal(self.rng.choice([9, 9, 12, 12, 12])),
                "with_stand_construction": self.rng.random() < 0.85,
                "products": "Produktneuheiten und Kernportfolio",
                "state": state,
                "applied_at": _at(applied),
                # Two weeks after the application, but not after the day of loading.
                "decided_at": _at(min(applied + datetime.timedelta(days=14), self.today))
                if state != "applied"
                else None,
                "de_minimis_declared": state == "confirmed" or self.rng.random() < 0.5,
                "no_double_funding_declared": state == "confirmed" or self.rng.random() < 0.5,
            },
        )

    def _registrations(self, booth, exhibitors: list[str], others: list[str]):
        # Before the deadline, and never later than the day of loading (a booth of the running year
        # whose fair lies ahead).
        applied = min(
            booth.registration_deadline - datetime.timedelta(days=60), self.today - datetime.timedelta(days=30)
        )
        for name in exhibitors:
            self._register(booth, name, "confirmed", applied)
        for name, state in zip(others, ["waitlisted", "withdrawn", "rejected"], strict=False):
            self._register(booth, name, state, applied)

    def load_fairs(self):
        # CMEF: first booth in 2018 with ten exhibitors; in 2019 twelve, three of them first-time.
        cmef_pool = self._exhibitor_pool([cat.MED])
        self.rng.shuffle(cmef_pool)
        cmef_2018, cmef_new_2019 = cmef_pool[:10], cmef_pool[10:13]
        cmef_2019 = cmef_2018[:9] + cmef_new_2019
        # Arab Health: the same core of exhibitors year after year ("gleichbleibend hoch").
        arab_core = [n for n in cmef_pool[13:] if n not in cmef_2019][:12]
        arab_extra = [n for n in cmef_pool if n not in arab_core]
        arab_by_year = {
            2017: arab_core[:11] + arab_extra[:3],
            2018: arab_core + arab_extra[3:6],
            2019: arab_core[1:] + arab_extra[6:10],
        }
        fixed = {("CMEF", 2018): cmef_2018, ("CMEF", 2019): cmef_2019}
        fixed.update({("Arab Health", y): names for y, names in arab_by_year.items()})
        for row in cat.FAIRS_2018 + cat.FAIRS_OTHER_YEARS:
            start, end = _date(row[3]), _date(row[4])
            exhibitors = fixed.get((row[0], start.year))
            pool = [n for n in self._exhibitor_pool(row[5]) if n not in (exhibitors or [])]
            if exhibitors is None:
                exhibitors = self.rng.sample(pool, k=min(len(pool), self.rng.randint(6, 12)))
                pool = [n for n in pool if n not in exhibitors]
            booth = self._fair(row, start=start, end=end, state="completed", capacity=len(exhibitors) + 2)
            self._registrations(booth, exhibitors, self.rng.sample(pool, k=min(len(pool), self.rng.randint(0, 3))))
        for row in cat.FAIRS_UPCOMING:
            start = _date(f"{self.next_year}-{row[3]}")
            end = _date(f"{self.next_year}-{row[4]}")
            booth = self._fair(row, start=start, end=end, state="open", capacity=self.rng.randint(10, 16))
            pool = self._exhibitor_pool(row[5])
            chosen = self.rng.sample(pool, k=min(len(pool), self.rng.randint(3, 7)))
            for i, name in enumerate(chosen):
                self._register(
                    booth, name, "confirmed" if i < 2 else "applied", self.today - datetime.timedelta(days=10)
                )

    # --- delegations ----------------------------------------------------------------------
    def _delegation(self, *, direction, title, countries, cities, start, end, theme, fields, state, capacity, lead=""):
        delegation = self.ensure(
            Delegation,
            {"title": title, "start_date": start},
            {
                "direction": direction,
                "countries": countries,
                "cities": cities,
                "end_date": end,
                "theme": theme,
                "capacity": capacity,
                "registration_deadline": start - datetime.timedelta(days=42) if direction == "outbound" else None,
                "state": state,
                "political_lead": lead,
                "organiser": self.rng.choice(self.staff),
            },
            {"sectors": [self.sectors[cat.SECTORS_BY_FIELD[f][0]] for f in fields]},
        )
        pool = self._exhibitor_pool(fields)
        chosen = self.rng.sample(pool, k=min(len(pool), self.rng.randint(4, min(capacity or 8, 10))))
        # Applications of a trip that lies ahead are dated no later than shortly before the day of loading.
        latest = self.today - datetime.timedelta(days=10)
        for i, name in enumerate(chosen):
            participant_state = "confirmed" if state != "open" or i < 2 else "applied"
            self.ensure(
                DelegationParticipant,
                {"delegation": delegation, "organisation": self.orgs[name]},
                {
                    "contact": self.contacts.get(name),
                    "state": participant_state,
                    "applied_at": _at(min(start - datetime.timedelta(days=60), latest)),
                },
            )
        wfs = "Wirtschaftsförderung Sachsen GmbH"
        self.ensure(
            DelegationParticipant,
            {"delegation": delegation, "organisation": self.orgs[wfs], "role": "agency_staff"},
            {
                "contact": self.contacts[wfs],
                "state": "confirmed",
                "applied_at": _at(min(start - datetime.timedelta(days=90), latest)),
            },
        )
        self._programme(delegation, chosen)
        return delegation

    def _programme(self, delegation: Delegation, participants: list[str]):
        days = (delegation.end_date - delegation.start_date).days + 1
        if delegation.direction == "outbound":
            items = [
                ("Länderbriefing und Eröffnung", "Deutsche Auslandshandelskammer", None),
                ("B2B-Kooperationsbörse", "Konferenzhotel", None),
                ("Unternehmensbesuche", "", None),
                ("Empfang der Deutschen Botschaft", "Residenz des Botschafters", None),
            ]
        else:
            hosts = participants[:2]
            items = [
                (
                    "Standortpräsentation Sachsen",
                    "Wirtschaftsförderung Sachsen, Dresden",
                    "Wirtschaftsförderung Sachsen GmbH",
                ),
                *[(f"Unternehmensbesuch bei {h}", self.orgs[h].city, h) for h in hosts],
                ("B2B-Gespräche mit sächsischen Unternehmen", "Dresden", None),
            ]
        for n, (title, place, host) in enumerate(items):
            day = delegation.start_date + datetime.timedelta(days=min(n, days - 1))
            self.ensure(
                ProgrammeItem,
                {"delegation": delegation, "starts_at": _at(day, 9 + 3 * (n % 3)), "title": title},
                {
                    "ends_at": _at(day, 11 + 3 * (n % 3)),
                    "place": place,
                    "host": self.orgs[host] if host else None,
                },
            )

    def load_delegations(self):
        for title, countries, cities, start, end, theme, fields, lead in cat.OUTBOUND_2018:
            self._delegation(
                direction="outbound",
                title=title,
                countries=countries,
                cities=cities,
                start=_date(start),
                end=_date(end),
                theme=theme,
                fields=fields,
                state="completed",
                capacity=self.rng.randint(10, 15),
                lead=lead,
            )
        for title, countries, start, end, theme, fields in cat.INBOUND_2018:
            self._delegation(
                direction="inbound",
                title=title,
                countries=countries,
                cities="Dresden, Leipzig, Chemnitz",
                start=_date(start),
                end=_date(end),
                theme=theme,
                fields=fields,
                state="completed",
                capacity=None,
            )
        # A few trips of the neighbouring years, so that years can be compared.
        for shift, rows in ((-1, cat.OUTBOUND_2018[::4]), (1, cat.OUTBOUND_2018[1::3])):
            for title, countries, cities, start, end, theme, fields, lead in rows:
                s, e = _date(start), _date(end)
                self._delegation(
                    direction="outbound",
                    title=title,
                    countries=countries,
                    cities=cities,
                    start=s.replace(year=s.year + shift),
                    end=e.replace(year=e.year + shift),
                    theme=theme,
                    fields=fields,
                    state="completed",
                    capacity=12,
                    lead=lead,
                )
        for shift, rows in ((-1, cat.INBOUND_2018[::5]), (1, cat.INBOUND_2018[2::4])):
            for title, countries, start, end, theme, fields in rows:
                s, e = _date(start), _date(end)
                self._delegation(
                    direction="inbound",
                    title=title,
                    countries=countries,
                    cities="Dresden, Leipzig",
                    start=s.replace(year=s.year + shift),
                    end=e.replace(year=e.year + shift),
                    theme=theme,
                    fields=fields,
                    state="completed",
                    capacity=None,
                )
        for title, countries, cities, start, end, theme, fields in cat.OUTBOUND_UPCOMING:
            self._delegation(
                direction="outbound",
                title=title,
                countries=countries,
                cities=cities,
                start=_date(f"{self.next_year}-{start}"),
                end=_date(f"{self.next_year}-{end}"),
                theme=theme,
                fields=fields,
                state="open",
                capacity=12,
            )

    # --- workshops ------------------------------------------------------------------------
    def _workshop(self, *, title_de, title_en, topic, fields, state, open_, challenge_de="", challenge_en=""):
        return self.ensure(
            Workshop,
            {"title_de": title_de},
            {
                "title_en": title_en,
                "topic": topic,
                "challenge_de": challenge_de,
                "challenge_en": challenge_en,
                "state": state,
                "open_for_participants": open_,
                "lead": self.staff[0],
            },
            {
                "technology_fields": [self.fields[f] for f in fields],
                "sectors": [self.sectors[cat.SECTORS_BY_FIELD[f][0]] for f in fields],
            },
        )

    def _participant(self, workshop, name: str, role: str, joined: datetime.date):
        self.ensure(
            WorkshopParticipant,
            {"workshop": workshop, "organisation": self.orgs[name]},
            {"role": role, "joined": joined, "contact": self.contacts.get(name)},
        )

    def load_workshops(self):
        spec = cat.HOSPITAL_LOGISTICS
        workshop = self._workshop(
            title_de=spec["title_de"],
            title_en=spec["title_en"],
            topic=spec["topic"],
            fields=spec["fields"],
            state="active",
            open_=True,
            challenge_de=spec["challenge_de"],
            challenge_en=spec["challenge_en"],
        )
        first_day = datetime.date(2019, 2, 20)
        for start, end, place, host in spec["sessions"]:
            starts = datetime.datetime.fromisoformat(start).replace(tzinfo=TZ)
            self.ensure(
                WorkshopSession,
                {"workshop": workshop, "starts_at": starts},
                {
                    "ends_at": datetime.datetime.fromisoformat(end).replace(tzinfo=TZ),
                    "place": place,
                    "host": self.orgs[host],
                    "agenda": "Bedarfe der Kliniken; Lösungen der Unternehmen; Arbeitsgruppen",
                },
            )
        for name, role in spec["members"]:
            self._participant(workshop, name, role, first_day)
        # "mittlerweile fast 20 Unternehmen": nineteen companies from logistics, medical
        # technology, IT and automation.
        pool = self._exhibitor_pool([cat.LOG, cat.MED, cat.ICT, cat.ROB])
        for name in self.rng.sample(pool, k=19):
            self._participant(workshop, name, "company", first_day + datetime.timedelta(days=self.rng.randint(0, 90)))
        for title_de, title_en, topic, fields, state, first, open_ in cat.OTHER_WORKSHOPS:
            workshop = self._workshop(
                title_de=title_de, title_en=title_en, topic=topic, fields=fields, state=state, open_=open_
            )
            first_day = _date(first)
            for n in range(self.rng.randint(2, 4)):
                self.ensure(
                    WorkshopSession,
                    {"workshop": workshop, "starts_at": _at(first_day + datetime.timedelta(days=70 * n))},
                    {"ends_at": _at(first_day + datetime.timedelta(days=70 * n), 15), "place": "Dresden"},
                )
            for name in self.rng.sample(self._exhibitor_pool(fields), k=self.rng.randint(8, 14)):
                self._participant(workshop, name, "company", first_day)

    # --- the last year and the running year ------------------------------------------------
    def recent_years(self) -> list[int]:
        """The last year and the running one; the press release's years are left as they are."""
        return [year for year in (self.today.year - 1, self.today.year) if year > 2019]

    def load_recent_years(self):
        """Investment projects, fairs with joint booths, delegations and a project workshop for the
        last year in full and for the running year, so that the dashboard has a live year to show.

        Each year draws from a random generator of its own, whatever the day of loading: a record's
        natural key (and so whether it exists) depends only on its year, and only its state depends
        on the day (a fair of the running year that lies ahead has a closed booth, a project that
        starts production later is still in the pipeline). A later run in the same year therefore
        adds nothing, and a run in a later year adds that year next to the ones before."""
        main = self.rng
        try:
            for year in self.recent_years():
                self.rng = random.Random(f"{SEED}:{year}")
                self._recent_investments(year)
                self._recent_fairs(year)
                self._recent_delegations(year)
                self._recent_workshop(year)
        finally:
            self.rng = main

    def _recent_investments(self, year: int):
        (count, volume, new_jobs, secured_jobs) = (self.rng.randint(*bounds) for bounds in cat.RECENT_INVESTMENT_RANGES)
        self._accompanied_year(year, count, Decimal(volume) * Decimal("100000.00"), new_jobs, secured_jobs)

    def _recent_fairs(self, year: int):
        rows = self.rng.sample(cat.RECENT_FAIRS, k=self.rng.randint(10, 13))
        for row in sorted(rows, key=lambda row: row[3]):
            start, end = _date(f"{year}-{row[3]}"), _date(f"{year}-{row[4]}")
            pool = self._exhibitor_pool(row[5])
            exhibitors = self.rng.sample(pool, k=min(len(pool), self.rng.randint(6, 12)))
            pool = [name for name in pool if name not in exhibitors]
            others = self.rng.sample(pool, k=min(len(pool), self.rng.randint(0, 3)))
            state = "completed" if end < self.today else "closed"
            booth = self._fair(row, start=start, end=end, state=state, capacity=len(exhibitors) + 2)
            self._registrations(booth, exhibitors, others)

    def _recent_delegations(self, year: int):
        outbound = self.rng.sample(cat.RECENT_OUTBOUND, k=self.rng.randint(8, 10))
        for title, countries, cities, start, end, theme, fields, lead in sorted(outbound, key=lambda row: row[3]):
            first, last = _date(f"{year}-{start}"), _date(f"{year}-{end}")
            self._delegation(
                direction="outbound",
                title=title,
                countries=countries,
                cities=cities,
                start=first,
                end=last,
                theme=theme,
                fields=fields,
                state="completed" if last < self.today else "closed",
                capacity=self.rng.randint(10, 15),
                lead=lead,
            )
        inbound = self.rng.sample(cat.RECENT_INBOUND, k=self.rng.randint(11, 14))
        for title, countries, start, end, theme, fields in sorted(inbound, key=lambda row: row[2]):
            first, last = _date(f"{year}-{start}"), _date(f"{year}-{end}")
            self._delegation(
                direction="inbound",
                title=title,
                countries=countries,
                cities="Dresden, Leipzig, Chemnitz",
                start=first,
                end=last,
                theme=theme,
                fields=fields,
                state="completed" if last < self.today else "closed",
                capacity=None,
            )

    def _recent_workshop(self, year: int):
        title_de, title_en, topic, fields, challenge_de, challenge_en = cat.RECENT_WORKSHOPS[
            year % len(cat.RECENT_WORKSHOPS)
        ]
        first_day = datetime.date(year, self.rng.randint(2, 4), self.rng.randint(1, 28))
        days = [first_day + datetime.timedelta(days=77 * n) for n in range(self.rng.randint(3, 4))]
        places = [self.rng.choice(["Dresden", "Leipzig", "Chemnitz"]) for _ in days]
        companies = self.rng.sample(self._exhibitor_pool(fields), k=self.rng.randint(8, 14))
        institutes = sorted(
            name
            for name, meta in self.org_meta.items()
            if meta["kind"] == "research" and meta["verified"] and set(self.org_fields[name]) & set(fields)
        )
        institute = self.rng.choice(institutes) if institutes else None
        started, ended = days[0] <= self.today, days[-1] < self.today
        state = "completed" if ended else "active" if started else "planned"
        workshop = self._workshop(
            title_de=title_de,
            title_en=title_en,
            topic=topic,
            fields=fields,
            state=state,
            open_=state != "completed",
            challenge_de=challenge_de,
            challenge_en=challenge_en,
        )
        for day, place in zip(days, places, strict=True):
            self.ensure(
                WorkshopSession,
                {"workshop": workshop, "starts_at": _at(day)},
                {
                    "ends_at": _at(day, 16),
                    "place": place,
                    "agenda": "Impulsvorträge; Bedarfe und Lösungen; nächste Schritte",
                },
            )
        joined = min(first_day, self.today)
        if institute:
            self._participant(workshop, institute, "academic_partner", joined)
        for name in companies:
            self._participant(workshop, name, "company", joined)
