"""Quality of the engine on a labelled file of organisations and expected pairs, with decoys and
hubs where the file labels them (see ``tests/data/README-matching-eval.md`` for the format). No
database: the file goes straight into the engine. Used by ``manage.py match_eval`` and the test
suite."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

from matchmaking.engine.building import build
from matchmaking.engine.engine import Engine
from matchmaking.engine.params import Params
from matchmaking.engine.records import (
    OrgRecord,
    ProfileRecord,
    composed,
    profile_text,
)
from matchmaking.engine.vocabulary import DISTRICT_NAMES, FIELD_NAMES, REQUEST_TYPES, size_band

DECOY_KINDS = ("twin", "competitor", "lookalike")
_GERMAN = {"de": 1.0, "en": 0.0}  # a text's language as the German share of its vector

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
            profiles.append(ProfileRecord(id=f"{org['id']}#{n}", type=profile["type"], vector=vector))
            (needs if is_request else offers).append((vector, _GERMAN.get(profile.get("language"), 0.5)))
            (request_texts if is_request else offer_texts).append(text)
        described = [
            (vectors[("passage", t)], _GERMAN.get(lang, 0.5)) for lang, t in org.get("description", {}).items() if t
        ]
        sectors = [code[1:] if code[:1].isalpha() else code for code in org.get("sectors", [])]
        records.append(
            OrgRecord(
                id=org["id"],
                kind=org["kind"],
                offer_text=" ".join(offer_texts + [t for t in org.get("description", {}).values() if t]),
                request_text=" ".join(request_texts),
                **composed(offers, needs, described),
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


def corpus_from_file(data: dict, embed: Embedder, *, dim: int):
    """The engine's corpus of an evaluation file."""
    return build(records_from_file(data, embed), dim=dim)


def ranked_lists(
    data: dict, embed: Embedder, *, k: int = 10, dim: int, params: Params | None = None
) -> dict[str, list[str]]:
    """Every organisation's ranked list as the engine computes it on the file: organisation id ->
    partner ids, best first, at most k (empty where the engine finds none)."""
    params = params or Params()
    params = Params.from_mapping({**params.as_dict(), "k": k, "candidates": max(params.candidates, k)})
    records = records_from_file(data, embed)
    corpus = build(records, dim=dim)
    result = Engine(corpus, params).compute_all()
    ids = corpus.ids
    found = row_lists(result)
    return {org["id"]: [ids[p] for p in found.get(corpus.index_of(org["id"]), [])] for org in data["organisations"]}


def row_lists(result) -> dict[int, list[int]]:
    """The lists of an engine result by corpus row: row -> partner rows, best first."""
    lists: dict[int, list[int]] = {}
    for row, partner, _rank in sorted(
        zip(result.rows.tolist(), result.partners.tolist(), result.ranks.tolist(), strict=True),
        key=lambda x: (x[0], x[2]),
    ):
        lists.setdefault(row, []).append(partner)
    return lists


def ranks_above(found: list[str], rivals, partner: str) -> bool:
    """Whether any of the rivals ranks above the partner in the list: a rival missing from the list
    does not, and a partner missing from it ranks below every rival in it."""
    limit = found.index(partner) if partner in found else len(found)
    return not set(rivals).isdisjoint(found[:limit])


def score(data: dict, lists: dict[str, list[str]], *, k: int = 10) -> dict:
    """The figures of ranked lists (organisation id -> partner ids, best first; only the first k
    count) on a labelled file, over both directions of every expected pair: recall@k, MRR and the
    share of pairs found in at least one direction, overall and split into cross-language and
    same-language directions.

    Where the file labels decoys (``pairs``), also, for each of ``DECOY_KINDS``, ``<kind>_above``:
    the share of the directions x -> partner with decoys of that kind for x in which one of them ranks
    above the partner in x's list (``decoy_directions`` counts those directions). Where it names
    ``hubs``, ``hub_above``: the share of all directions in which a hub ranks above the partner,
    and ``hub_lists``: the largest and the mean share of all organisations' lists that a hub is in."""
    lists = {org: found[:k] for org, found in lists.items()}
    languages = {org["id"]: {p.get("language") for p in org.get("profiles", [])} for org in data["organisations"]}
    decoys_of = {(pair["a"], pair["b"]): pair.get("decoys", {}) for pair in data.get("pairs", [])}
    has_decoys, hubs = "pairs" in data, data.get("hubs")
    directions = {"all": [], "cross_language": [], "same_language": []}
    pairs_found = 0
    for a, b in data["expected"]:
        kind = (
            "cross_language" if languages[a] and languages[b] and not (languages[a] & languages[b]) else "same_language"
        )
        decoys = decoys_of.get((a, b), {})
        found_here = False
        for x, partner in ((a, b), (b, a)):
            found = lists.get(x, [])
            direction = {"rr": 1.0 / (found.index(partner) + 1) if partner in found else 0.0}
            if has_decoys:
                for decoy_kind in DECOY_KINDS:
                    rivals = decoys.get(x, {}).get(decoy_kind, [])
                    direction[decoy_kind] = ranks_above(found, rivals, partner) if rivals else None
            if hubs is not None:
                direction["hub"] = ranks_above(found, hubs, partner)
            found_here = found_here or direction["rr"] > 0
            directions["all"].append(direction)
            directions[kind].append(direction)
        pairs_found += found_here

    def share(values) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    def summary(scope: list[dict]) -> dict:
        figures = {
            "recall_at_k": share([d["rr"] > 0 for d in scope]),
            "mrr": share([d["rr"] for d in scope]),
            "directions": len(scope),
        }
        if has_decoys:
            labelled = {kind: [d[kind] for d in scope if d[kind] is not None] for kind in DECOY_KINDS}
            figures.update({f"{kind}_above": share(values) for kind, values in labelled.items()})
            figures["decoy_directions"] = {kind: len(values) for kind, values in labelled.items()}
        if hubs is not None:
            figures["hub_above"] = share([d["hub"] for d in scope])
        return figures

    report = {
        "k": k,
        "organisations": len(data["organisations"]),
        **summary(directions["all"]),
        "pairs": f"{pairs_found}/{len(data['expected'])}",
        "pairs_found": pairs_found,
        "pairs_total": len(data["expected"]),
        "cross_language": summary(directions["cross_language"]),
        "same_language": summary(directions["same_language"]),
    }
    if hubs:
        in_lists = {hub: share([hub in lists.get(org["id"], []) for org in data["organisations"]]) for hub in hubs}
        most = max(hubs, key=lambda hub: in_lists[hub])
        report["hub_lists"] = {
            "max": in_lists[most],
            "mean": round(sum(in_lists.values()) / len(hubs), 4),
            "most_listed": most,
        }
    return report


def load(path) -> dict:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or "organisations" not in data or "expected" not in data:
        raise ValueError("expected a JSON object with 'organisations' and 'expected'")
    ids = {org["id"] for org in data["organisations"]}
    unknown = {x for pair in data["expected"] for x in pair} - ids
    if unknown:
        raise ValueError(f"expected pairs name unknown organisations: {', '.join(sorted(unknown))}")
    _check_labels(data, ids)
    return data


def _check_labels(data: dict, ids: set[str]) -> None:
    """The hard set's labels: ``pairs`` as ``expected``, decoys for one of their pair, known ids."""
    if "pairs" in data and [[p["a"], p["b"]] for p in data["pairs"]] != [list(p) for p in data["expected"]]:
        raise ValueError("'pairs' must list the pairs of 'expected', in the same order")
    named = set(data.get("hubs", []))
    for pair in data.get("pairs", []):
        for x, decoys in pair.get("decoys", {}).items():
            if x not in (pair["a"], pair["b"]):
                raise ValueError(f"the decoys of the pair {pair['a']}, {pair['b']} are for {x}, not one of the two")
            named.update(decoy for of_kind in decoys.values() for decoy in of_kind)
    if named - ids:
        raise ValueError(f"decoys or hubs name unknown organisations: {', '.join(sorted(named - ids))}")
