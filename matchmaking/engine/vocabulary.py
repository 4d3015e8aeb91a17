"""The names the engine knows for organisations' kinds, technology fields, districts, size bands and
profile types, with the names the evaluation file uses for fields and districts, and how well two
kinds of organisation usually work together. No Django here."""

from __future__ import annotations

import numpy as np

KINDS = ("company", "research", "university", "clinic", "network", "public_body", "investor")
FIELDS = (
    "medizin-biotechnologie",
    "ikt",
    "robotik-automatisierung",
    "mikroelektronik-sensorik",
    "werkstoffe-leichtbau",
    "logistik",
)
DISTRICTS = (
    "chemnitz",
    "dresden",
    "leipzig",
    "bautzen",
    "erzgebirgskreis",
    "goerlitz",
    "landkreis_leipzig",
    "meissen",
    "mittelsachsen",
    "nordsachsen",
    "saechsische_schweiz_osterzgebirge",
    "vogtlandkreis",
    "zwickau",
)
SIZE_BANDS = ("1-9", "10-49", "50-249", "250-999", "1000+")
OFFER_TYPES = ("business_offer", "technology_offer")
REQUEST_TYPES = ("business_request", "technology_request", "rd_request")
# Requests for a partner of one's own kind (joint research, a consortium): two organisations that
# both ask for one are a co-operation, not two customers of the same supplier.
COOPERATION_TYPES = ("rd_request",)

# How well two kinds of organisation usually work together (symmetric): companies with research,
# clinics with suppliers rate highest, two networks lowest.
_KIND_FIT = {
    ("company", "company"): 0.6,
    ("company", "research"): 1.0,
    ("company", "university"): 1.0,
    ("company", "clinic"): 1.0,
    ("company", "network"): 0.5,
    ("company", "public_body"): 0.4,
    ("company", "investor"): 0.8,
    ("research", "research"): 0.5,
    ("research", "university"): 0.5,
    ("research", "clinic"): 0.9,
    ("research", "investor"): 0.8,
    ("university", "clinic"): 0.9,
    ("university", "investor"): 0.7,
    ("clinic", "investor"): 0.6,
    ("network", "network"): 0.2,
}


def kind_fit_matrix() -> np.ndarray:
    matrix = np.full((len(KINDS), len(KINDS)), 0.4, dtype=np.float32)
    for (a, b), value in _KIND_FIT.items():
        matrix[KINDS.index(a), KINDS.index(b)] = matrix[KINDS.index(b), KINDS.index(a)] = value
    return matrix


FIELD_NAMES = {
    "Medizin- und Biotechnologie": "medizin-biotechnologie",
    "Informations- und Kommunikationstechnologie": "ikt",
    "Robotik und Automatisierung": "robotik-automatisierung",
    "Mikroelektronik und Sensorik": "mikroelektronik-sensorik",
    "Werkstofftechnologie und Leichtbau": "werkstoffe-leichtbau",
    "Logistik": "logistik",
}
DISTRICT_NAMES = {
    "Chemnitz": "chemnitz",
    "Dresden": "dresden",
    "Leipzig": "leipzig",
    "Bautzen": "bautzen",
    "Erzgebirgskreis": "erzgebirgskreis",
    "Görlitz": "goerlitz",
    "Landkreis Leipzig": "landkreis_leipzig",
    "Meißen": "meissen",
    "Mittelsachsen": "mittelsachsen",
    "Nordsachsen": "nordsachsen",
    "Sächsische Schweiz-Osterzgebirge": "saechsische_schweiz_osterzgebirge",
    "Vogtlandkreis": "vogtlandkreis",
    "Zwickau": "zwickau",
}


def size_band(employees: int | None) -> str:
    if not employees:
        return ""
    for band, upper in zip(SIZE_BANDS, (9, 49, 249, 999), strict=False):
        if employees <= upper:
            return band
    return SIZE_BANDS[-1]
