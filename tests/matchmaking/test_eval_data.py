"""The labelled evaluation files are well formed: the easy set (matching_eval.json) and the five hard
sets (matching_hard_eval.json, matching_hard_eval_2.json ... matching_hard_eval_5.json). Only the
data is checked here; nothing is embedded or scored."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from companies.choices import OrganisationKind, ProfileType
from matchmaking.engine import vocabulary
from matchmaking.engine.evaluation import load, records_from_file

DATA = Path(__file__).resolve().parent.parent / "data"
EASY = DATA / "matching_eval.json"
HARD = DATA / "matching_hard_eval.json"
HARD_2 = DATA / "matching_hard_eval_2.json"
HARD_3 = DATA / "matching_hard_eval_3.json"
HARD_4 = DATA / "matching_hard_eval_4.json"
HARD_5 = DATA / "matching_hard_eval_5.json"
NACE = Path(__file__).resolve().parent.parent.parent / "companies" / "data" / "nace_rev2.csv"

LANGUAGES = {"de", "en"}
ROLES = {"offer", "need", "hub", "distractor", "co-operation"}
DECOY_KINDS = {"twin", "competitor", "lookalike"}
ONE_LINE = 120  # characters of summary, at most one sentence


def _read(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(
    scope="module",
    params=[HARD, HARD_2, HARD_3, HARD_4, HARD_5],
    ids=["hard", "hard-2", "hard-3", "hard-4", "hard-5"],
)
def hard(request) -> dict:
    return _read(request.param)


@pytest.fixture(
    scope="module",
    params=[EASY, HARD, HARD_2, HARD_3, HARD_4, HARD_5],
    ids=["easy", "hard", "hard-2", "hard-3", "hard-4", "hard-5"],
)
def labelled(request) -> dict:
    return _read(request.param)


def _nace_sections() -> dict[str, str]:
    """NACE code -> its section letter, read the way the reference-data migration reads the file."""
    with NACE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    parent = {row["code"]: row["parent"] for row in rows}

    def section(code: str) -> str:
        while parent[code]:
            code = parent[code]
        return code

    return {code: section(code) for code in parent}


def _languages(org: dict) -> set[str]:
    return {profile["language"] for profile in org["profiles"]}


def _is_cross_language(a: dict, b: dict) -> bool:
    """As matchmaking.engine.evaluation counts it: both have profiles and share no language."""
    return bool(_languages(a) and _languages(b) and not (_languages(a) & _languages(b)))


def _is_one_line(profile: dict) -> bool:
    summary = profile["summary"].strip()
    return len(summary) <= ONE_LINE and ". " not in summary


def _partners(data: dict) -> dict[str, set[str]]:
    partners: dict[str, set[str]] = {}
    for a, b in data["expected"]:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    return partners


# --- both files -----------------------------------------------------------------------------------


def test_ids_are_unique(labelled):
    ids = [org["id"] for org in labelled["organisations"]]
    assert len(ids) == len(set(ids))


def test_expected_pairs_name_existing_organisations_once(labelled):
    ids = {org["id"] for org in labelled["organisations"]}
    seen = set()
    for pair in labelled["expected"]:
        assert len(pair) == 2 and pair[0] != pair[1], pair
        assert set(pair) <= ids, pair
        assert frozenset(pair) not in seen, f"pair listed twice: {pair}"
        seen.add(frozenset(pair))


def test_organisation_fields(labelled):
    fields = set(vocabulary.FIELD_NAMES)
    for org in labelled["organisations"]:
        assert org["name"].strip(), org["id"]
        assert org["kind"] in OrganisationKind.values, org["id"]
        assert set(org["technology_fields"]) <= fields, org["id"]
        assert org["district"] in vocabulary.DISTRICT_NAMES or org["district"] == "", org["id"]
        assert len(org["country"]) == 2 and org["country"].isupper(), org["id"]
        assert isinstance(org["employees"], int) and org["employees"] > 0, org["id"]
        assert set(org["description"]) <= LANGUAGES and all(org["description"].values()), org["id"]
        for profile in org["profiles"]:
            assert profile["type"] in ProfileType.values, org["id"]
            assert profile["language"] in LANGUAGES, org["id"]
            assert profile["title"].strip(), org["id"]
            assert isinstance(profile["summary"], str), org["id"]
            assert all(isinstance(k, str) and k.strip() for k in profile["keywords"]), org["id"]


def test_sector_codes_exist_in_nace(labelled):
    sections = _nace_sections()
    for org in labelled["organisations"]:
        assert org["sectors"], org["id"]
        for code in org["sectors"]:
            letter, number = code[:1], code[1:]
            assert letter.isalpha() and number in sections, f"{org['id']}: {code} is not a NACE code"
            assert sections[number] == letter, f"{org['id']}: {number} is not in section {letter}"


def test_file_loads_as_the_evaluation_loads_it(labelled, tmp_path):
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(labelled, ensure_ascii=False), encoding="utf-8")
    data = load(path)
    rng = np.random.default_rng(0)

    def embed(texts, role):
        vectors = rng.normal(size=(len(texts), 8)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    records = records_from_file(data, embed)
    assert [r.id for r in records] == [org["id"] for org in labelled["organisations"]]


# --- the hard set ---------------------------------------------------------------------------------


def test_hard_pairs_mirror_expected(hard):
    assert [[p["a"], p["b"]] for p in hard["pairs"]] == hard["expected"]
    for pair in hard["pairs"]:
        assert set(pair) == {"a", "b", "why", "cross_language", "decoys"}, pair["a"]
        assert pair["why"].strip().endswith(".") and pair["why"].count(". ") == 0, pair["why"]


def test_hard_cross_language_flags_are_right(hard):
    orgs = {org["id"]: org for org in hard["organisations"]}
    for pair in hard["pairs"]:
        assert pair["cross_language"] == _is_cross_language(orgs[pair["a"]], orgs[pair["b"]]), pair


def test_hard_decoys_exist_and_are_never_true_partners(hard):
    ids = {org["id"] for org in hard["organisations"]}
    partners = _partners(hard)
    for pair in hard["pairs"]:
        assert set(pair["decoys"]) <= {pair["a"], pair["b"]}, pair
        for side, decoys in pair["decoys"].items():
            assert set(decoys) <= DECOY_KINDS, decoys
            for kind, listed in decoys.items():
                assert len(listed) == len(set(listed)), (side, kind)
                for decoy in listed:
                    assert decoy in ids, decoy
                    assert decoy not in (pair["a"], pair["b"]), (side, kind, decoy)
                    assert decoy not in partners[side], f"{decoy} is a {kind} decoy of {side} and its partner"


def test_hard_roles_and_hubs(hard):
    orgs = {org["id"]: org for org in hard["organisations"]}
    partners = _partners(hard)
    for org in hard["organisations"]:
        assert org["roles"] and set(org["roles"]) <= ROLES, org["id"]
    for hub in hard["hubs"]:
        assert "hub" in orgs[hub]["roles"], hub
    assert {o["id"] for o in orgs.values() if "hub" in o["roles"]} == set(hard["hubs"])
    for org_id, org in orgs.items():
        if "distractor" in org["roles"]:
            assert org_id not in partners, f"{org_id} is a distractor with an expected partner"


def test_hard_set_is_large_and_hard_enough(hard):
    orgs = hard["organisations"]
    pairs = hard["pairs"]
    assert len(orgs) >= 240
    assert len(pairs) >= 60
    assert sum(p["cross_language"] for p in pairs) >= 0.45 * len(pairs)

    def with_decoys(*kinds):
        return sum(any(d.get(k) for d in p["decoys"].values() for k in kinds) for p in pairs)

    assert with_decoys("twin", "competitor") >= 40
    assert with_decoys("lookalike") >= 30
    assert len(hard["hubs"]) >= 8
    assert sum(any(_is_one_line(p) for p in org["profiles"]) for org in orgs) >= 10
    assert sum(len(org["profiles"]) > 1 for org in orgs) >= 10
    assert {org["kind"] for org in orgs} == set(OrganisationKind.values)
    assert hard["about"].strip()


def test_hard_set_has_same_kind_co_operations(hard):
    orgs = {org["id"]: org for org in hard["organisations"]}
    same_kind = [
        (a, b)
        for a, b in hard["expected"]
        if orgs[a]["kind"] == orgs[b]["kind"] and {"co-operation"} <= set(orgs[a]["roles"]) & set(orgs[b]["roles"])
    ]
    assert len(same_kind) >= 3
