"""Quality of the engine on a labelled file of organisations and expected pairs (see
``tests/data/matching_eval.json`` for the format). No database: the file goes straight into the
engine. Used by ``manage.py match_eval`` and the test suite."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

from matchmaking.engine.corpus import build
from matchmaking.engine.engine import Engine
from matchmaking.engine.params import Params
from matchmaking.engine.records import OrgRecord, ProfileRecord, offer_and_request_vectors, profile_text
from matchmaking.engine.vocabulary import DISTRICT_NAMES, FIELD_NAMES, REQUEST_TYPES, size_band

Embedder = Callable[[list[str], str], np.ndarray]  # (texts, role "query" or "passage") -> unit vectors


def records_from_file(data: dict, embed: Embedder) -> list[OrgRecord]:
    """OrgRecords for the organisations of an evaluation file, embedding their texts."""
    organisations = data["organisations"]
    # Collect every text first, so the model embeds them in batches.
    requests, passages = [], []
    for org in organisations:
        for profile in org.get("profiles", []):
            text = profile_text(profile.get("title", ""), profile.get("summary", ""), profile.get("keywords", []))
            (requests if profile["type"] in REQUEST_TYPES else passages).append(text)
        passages.extend(text for text in org.get("description", {}).values() if text)
    vectors = {}
    for role, texts in (("query", requests), ("passage", passages)):
        unique = sorted(set(texts))
        if unique:
            vectors.update({(role, t): v for t, v in zip(unique, embed(unique, role), strict=True)})
    records = []
    for org in organisations:
        profiles, offers, needs, offer_texts, request_texts = [], [], [], [], []
        for n, profile in enumerate(org.get("profiles", [])):
            text = profile_text(profile.get("title", ""), profile.get("summary", ""), profile.get("keywords", []))
            is_request = profile["type"] in REQUEST_TYPES
            vector = vectors[("query" if is_request else "passage", text)]
            profiles.append(ProfileRecord(id=f"{org['id']}#{n}", type=profile["type"], vector=vector, text=text))
            (needs if is_request else offers).append(vector)
            (request_texts if is_request else offer_texts).append(text)
        descriptions = [vectors[("passage", t)] for t in org.get("description", {}).values() if t]
        offer, request = offer_and_request_vectors(offers, needs, descriptions)
        sectors = [code[1:] if code[:1].isalpha() else code for code in org.get("sectors", [])]
        records.append(
            OrgRecord(
                id=org["id"],
                kind=org["kind"],
                offer_text=" ".join(offer_texts + [t for t in org.get("description", {}).values() if t]),
                request_text=" ".join(request_texts),
                offer_vector=offer,
                request_vector=request,
                profiles=profiles,
                fields=tuple(FIELD_NAMES.get(f, f) for f in org.get("technology_fields", [])),
                sectors=tuple(sectors),
                sections=tuple(code[0] for code in org.get("sectors", []) if code[:1].isalpha()),
                district=DISTRICT_NAMES.get(org.get("district", ""), ""),
                country=org.get("country", "DE") or "DE",
                size_band=size_band(org.get("employees")),
            )
        )
    return records


def evaluate(data: dict, embed: Embedder, *, k: int = 10, dim: int, params: Params | None = None) -> dict:
    """recall@k over both directions of every expected pair, MRR over the same directions, and the
    share of pairs found (in at least one direction), overall and for cross-language pairs."""
    params = params or Params()
    params = Params.from_mapping({**params.as_dict(), "k": k, "candidates": max(params.candidates, k)})
    records = records_from_file(data, embed)
    corpus = build(records, dim=dim)
    engine = Engine(corpus, params)
    result = engine.compute_all()
    ids = corpus.ids
    lists: dict[str, list[str]] = {}
    for row, partner, _rank in sorted(
        zip(result.rows, result.partners, result.ranks, strict=True), key=lambda x: (x[0], x[2])
    ):
        lists.setdefault(ids[row], []).append(ids[partner])
    languages = {org["id"]: {p.get("language") for p in org.get("profiles", [])} for org in data["organisations"]}

    def direction(a, b):
        found = lists.get(a, [])[:k]
        return (1.0 / (found.index(b) + 1)) if b in found else 0.0

    totals = {"all": [], "cross_language": [], "same_language": []}
    pairs_found = 0
    for a, b in data["expected"]:
        scores = [direction(a, b), direction(b, a)]
        pairs_found += any(s > 0 for s in scores)
        kind = (
            "cross_language" if languages[a] and languages[b] and not (languages[a] & languages[b]) else "same_language"
        )
        for s in scores:
            totals["all"].append(s)
            totals[kind].append(s)

    def summary(values):
        values = np.asarray(values) if values else np.zeros(0)
        return {
            "recall_at_k": round(float((values > 0).mean()), 4) if len(values) else None,
            "mrr": round(float(values.mean()), 4) if len(values) else None,
            "directions": len(values),
        }

    overall = summary(totals["all"])
    return {
        "k": k,
        "organisations": len(data["organisations"]),
        "recall_at_k": overall["recall_at_k"],
        "mrr": overall["mrr"],
        "pairs": f"{pairs_found}/{len(data['expected'])}",
        "pairs_found": pairs_found,
        "pairs_total": len(data["expected"]),
        "cross_language": summary(totals["cross_language"]),
        "same_language": summary(totals["same_language"]),
    }


def load(path) -> dict:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or "organisations" not in data or "expected" not in data:
        raise ValueError("expected a JSON object with 'organisations' and 'expected'")
    ids = {org["id"] for org in data["organisations"]}
    unknown = {x for pair in data["expected"] for x in pair} - ids
    if unknown:
        raise ValueError(f"expected pairs name unknown organisations: {', '.join(sorted(unknown))}")
    return data
