"""matchmaking.engine.evaluation and manage.py match_eval: the figures on hand-made rankings, and the
command on both labelled files in tests/data."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from matchmaking.engine.evaluation import load, ranks_above, score

DATA = Path(__file__).resolve().parent.parent / "data"
EASY = DATA / "matching_eval.json"
HARD = DATA / "matching_hard_eval.json"


def _org(id_, *languages):
    return {"id": id_, "kind": "company", "profiles": [{"language": language} for language in languages]}


def _labelled() -> dict:
    """a (German) and b (English) are a cross-language pair, c and d (both German) a same-language
    one; the rest are decoys and hubs."""
    return {
        "organisations": [_org("a", "de"), _org("b", "en"), _org("c", "de"), _org("d", "de")]
        + [_org(x) for x in ("t1", "t2", "comp", "look", "hub1", "hub2")],
        "expected": [["a", "b"], ["c", "d"]],
        "pairs": [
            {
                "a": "a",
                "b": "b",
                "decoys": {
                    "a": {"twin": ["t1"], "competitor": ["comp"], "lookalike": ["look"]},
                    "b": {"twin": ["t2"], "competitor": [], "lookalike": []},
                },
            },
            {"a": "c", "b": "d", "decoys": {"c": {"twin": [], "competitor": [], "lookalike": ["look"]}}},
        ],
        "hubs": ["hub1", "hub2"],
    }


LISTS = {
    "a": ["t1", "b", "comp"],  # the twin above the partner, the competitor below, the lookalike absent
    "b": ["hub1", "comp", "t2", "a"],  # the partner beyond k = 3: the twin and the hub rank above it
    "c": ["look", "d"],  # the lookalike above the partner
    "d": ["hub1", "hub2", "c"],  # no decoys for d, two hubs above the partner
}


@pytest.mark.parametrize(
    ("found", "above"),
    [
        (["x", "p"], True),
        (["p", "x"], False),
        (["p", "y"], False),
        (["y", "x"], True),
        (["y", "z"], False),
        ([], False),
    ],
    ids=["above", "below", "absent", "partner-absent", "both-absent", "empty"],
)
def test_a_rival_ranks_above_the_partner_only_if_it_is_in_the_list_before_it(found, above):
    assert ranks_above(found, ["x"], "p") is above


def test_score_counts_decoys_and_hubs_above_the_true_partner():
    report = score(_labelled(), LISTS, k=3)

    assert report["pairs"] == "2/2"
    assert report["directions"] == 4
    assert report["recall_at_k"] == 0.75
    assert report["mrr"] == round((1 / 2 + 0 + 1 / 2 + 1 / 3) / 4, 4)
    assert report["decoy_directions"] == {"twin": 2, "competitor": 1, "lookalike": 2}
    assert (report["twin_above"], report["competitor_above"], report["lookalike_above"]) == (1.0, 0.0, 0.5)
    assert report["hub_above"] == 0.5
    assert report["hub_lists"] == {"max": 0.2, "mean": 0.15, "most_listed": "hub1"}

    cross, same = report["cross_language"], report["same_language"]
    assert (cross["directions"], cross["recall_at_k"], cross["mrr"]) == (2, 0.5, 0.25)
    assert cross["decoy_directions"] == {"twin": 2, "competitor": 1, "lookalike": 1}
    assert (cross["twin_above"], cross["competitor_above"], cross["lookalike_above"]) == (1.0, 0.0, 0.0)
    assert cross["hub_above"] == 0.5
    assert same["decoy_directions"] == {"twin": 0, "competitor": 0, "lookalike": 1}
    assert (same["twin_above"], same["competitor_above"], same["lookalike_above"]) == (None, None, 1.0)
    assert same["hub_above"] == 0.5


def test_score_without_labels_reports_no_decoy_figures():
    data = _labelled()
    del data["pairs"], data["hubs"]
    report = score(data, LISTS, k=3)

    assert report["recall_at_k"] == 0.75
    assert not {"twin_above", "hub_above", "decoy_directions", "hub_lists"} & (
        report.keys() | report["cross_language"].keys()
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["pairs"].reverse(), "'pairs' must list the pairs of 'expected'"),
        (lambda d: d["pairs"][1]["decoys"].update(a={"twin": ["c"]}), "are for a, not one of the two"),
        (lambda d: d["pairs"][0]["decoys"]["a"]["twin"].append("zz"), "unknown organisations: zz"),
        (lambda d: d["hubs"].append("hub9"), "unknown organisations: hub9"),
    ],
    ids=["order", "decoys-of-another", "unknown-decoy", "unknown-hub"],
)
def test_load_refuses_labels_that_do_not_fit(tmp_path, change, message):
    data = _labelled()
    change(data)
    path = tmp_path / "labelled.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message):
        load(path)


def _run(*args) -> str:
    out = io.StringIO()
    call_command("match_eval", *args, stdout=out)
    return out.getvalue()


def test_evaluation_on_the_labelled_set():
    """The engine on the easy set in tests/data (75 organisations, 36 expected pairs, most of
    them across languages and sectors): at least 0.8 recall@10, cross-language pairs found as
    well as same-language ones. The file labels no decoys, so there are no decoy figures."""
    report = json.loads(_run("--data", str(EASY), "--k", "10", "--json"))

    assert report["recall_at_k"] >= 0.8
    assert report["cross_language"]["recall_at_k"] >= 0.8
    assert report["same_language"]["recall_at_k"] >= 0.8
    assert report["pairs_found"] >= 0.9 * report["pairs_total"]
    assert "twin_above" not in report and "hub_lists" not in report


def test_the_default_output_is_a_table_for_people():
    text = _run("--data", str(EASY), "--k", "10")

    assert "matching_eval.json: 75 organisations, k=10" in text
    assert "engine" in text.splitlines()[2]
    assert any(line.split()[:1] == ["recall@10"] and len(line.split()) == 2 for line in text.splitlines())
    assert "twin above" not in text


def test_the_hard_set_with_baselines_and_the_lists(tmp_path):
    """The held-out set runs through; the lists written are the engine's, and the report's figures
    are theirs. No thresholds: the set is for measuring, not for tuning."""
    lists_file = tmp_path / "lists.json"
    report = json.loads(_run("--data", str(HARD), "--k", "5", "--baselines", "--lists", str(lists_file), "--json"))

    data = load(HARD)
    lists = json.loads(lists_file.read_text(encoding="utf-8"))
    ids = [org["id"] for org in data["organisations"]]
    assert list(lists) == ids
    assert all(len(partners) <= 5 and org not in partners for org, partners in lists.items())
    assert all(len(set(partners)) == len(partners) and set(partners) <= set(ids) for partners in lists.values())
    assert {key: v for key, v in report.items() if key not in ("model", "seconds", "baselines")} == score(
        data, lists, k=5
    )

    for figures in [report, *report["baselines"].values()]:
        for scope in (figures, figures["cross_language"], figures["same_language"]):
            for key in ("twin_above", "competitor_above", "lookalike_above", "hub_above"):
                assert 0 <= scope[key] <= 1
        assert figures["decoy_directions"] == report["decoy_directions"]
        assert 0 < figures["hub_lists"]["mean"] <= figures["hub_lists"]["max"] <= 1
    assert set(report["baselines"]) == {"hand_set", "text_only", "embeddings_only"}


def test_evaluation_of_a_bad_file_says_what_is_wrong(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"organisations": [{"id": "a"}], "expected": [["a", "zz"]]}))
    with pytest.raises(CommandError, match="unknown organisations: zz"):
        call_command("match_eval", "--data", str(bad))
