"""The engine's input as plain records (``OrgRecord``, ``ProfileRecord``), so that the database,
the evaluation file and the benchmark all feed the engine the same way, and how an organisation's
texts and vectors are composed from its profiles and description. No Django here."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ProfileRecord:
    id: object
    type: str
    vector: np.ndarray  # the embedding of the profile's text (its organisation's texts carry the lexical signal)


@dataclass
class OrgRecord:
    """One organisation as the engine sees it."""

    id: object
    kind: str
    offer_text: str = ""  # offer profiles and the description: what it does
    request_text: str = ""  # request profiles: what it looks for
    offer_vector: np.ndarray | None = None
    request_vector: np.ndarray | None = None
    # How much of what makes each vector is German text (0 English, 1 German, 0.5 both or unknown),
    # weighted as the vectors are (``composed``).
    offer_german: float = 0.5
    request_german: float = 0.5
    profiles: list[ProfileRecord] = field(default_factory=list)
    fields: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()  # NACE codes without section letter: "26.60", "52.1", "86"
    sections: tuple[str, ...] = ()  # NACE section letters
    district: str = ""  # a Saxon district or ""
    country: str = "DE"
    target_countries: tuple[str, ...] = ()
    size_band: str = ""
    clusters: tuple[str, ...] = ()
    group: str = ""  # corporate group
    competitor_rule: bool = False  # asked not to be matched with others of its NACE classes
    eligible: bool = True  # may be proposed to others (verified, not opted out)
    wants_list: bool = True  # gets a list of its own


def profile_text(title: str, summary: str, keywords) -> str:
    """The text of a partnering profile as the embedding model and TF-IDF read it."""
    keywords = ", ".join(keywords) if not isinstance(keywords, str) else keywords
    return " ".join(part for part in (f"{title}." if title else "", summary, keywords) if part).strip()


def combine(vectors: list[np.ndarray], weights: list[float] | None = None) -> np.ndarray | None:
    """The normalised weighted mean of some vectors, or None without any."""
    if not vectors:
        return None
    weights = weights or [1.0] * len(vectors)
    total = np.sum([w * v for w, v in zip(weights, vectors, strict=True)], axis=0)
    norm = np.linalg.norm(total)
    return (total / norm).astype(np.float32) if norm > 0 else None


# A description says what an organisation does: it counts towards its offer, at half the weight of
# an explicit offer profile.
DESCRIPTION_WEIGHT = 0.5


def composed(offers: list, requests: list, descriptions: list) -> dict:
    """An organisation's offer and request vectors and how much of each is German text (0 English,
    1 German, in between for a profile written in both; 0.5 where there is nothing), from
    (vector, German share) of each of its offer profiles, request profiles and descriptions: the
    ``OrgRecord`` fields they make. A description counts towards the offer at
    ``DESCRIPTION_WEIGHT``; the shares are weighted as the vectors are."""
    offered = offers + descriptions
    offer_weights = [1.0] * len(offers) + [DESCRIPTION_WEIGHT] * len(descriptions)

    def share(parts: list, weights: list[float]) -> float:
        total = sum(weights)
        return sum(g * w for (_, g), w in zip(parts, weights, strict=True)) / total if total else 0.5

    return {
        "offer_vector": combine([v for v, _ in offered], offer_weights),
        "request_vector": combine([v for v, _ in requests]),
        "offer_german": share(offered, offer_weights),
        "request_german": share(requests, [1.0] * len(requests)),
    }
