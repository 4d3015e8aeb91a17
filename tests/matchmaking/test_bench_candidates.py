"""manage.py bench_candidates: the engine's lists against the exhaustive ones on the easy labelled
set (real texts, the real encoder), with few candidates so that the pre-filter cuts."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from matchmaking.engine.building import build
from matchmaking.engine.engine import Engine
from matchmaking.engine.params import Params
from matchmaking.management.commands.bench_candidates import prefilter_ranks
from tests.matchmaking.hand_made import DIM, org, unit

EASY = str(Path(__file__).resolve().parent.parent / "data" / "matching_eval.json")


@override_settings(MATCHING={"k": 5, "candidates": 12})
def test_the_lists_are_held_against_the_exhaustive_ones_for_each_size():
    out = io.StringIO()
    call_command(
        "bench_candidates", "--data", EASY, "--sizes", "40,0", "--repeats", "2", "--k", "5", "--json", stdout=out
    )
    reports = [json.loads(line) for line in out.getvalue().splitlines()]

    assert [r["organisations"] for r in reports] == [40, 40, 75]
    for report in reports:
        assert (report["k"], report["candidates"]) == (5, 12)
        assert report["entries"] > 0
        # Twelve candidates of 75 keep most of the exhaustive entries, not necessarily all.
        assert 0.8 <= report["kept"] <= 1
        ranks = report["prefilter_rank"]
        assert 1 <= ranks["0.5"] <= ranks["0.99"] <= ranks["0.999"] <= ranks["max"] < report["organisations"]


@override_settings(MATCHING={"k": 5, "candidates": 12})
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sizes", "24"], "above twice the candidates"),
        (["--sizes", "40,76"], "at most the 75 organisations"),
        (["--sizes", "5x"], "whole numbers"),
        (["--k", "20"], "k <= candidates"),
    ],
)
def test_a_run_that_would_measure_nothing_is_refused(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("bench_candidates", "--data", EASY, "--k", "5", *args)


def test_the_prefilter_order_places_every_column_once_and_the_best_first():
    records = [org("need", needs=unit(1))] + [org(f"o{n}", offers=unit(1, n)) for n in range(6)]
    engine = Engine(build(records, dim=DIM), Params.from_mapping({"k": 2, "candidates": 2}))
    ranks = prefilter_ranks(engine, np.asarray([0]))

    assert sorted(ranks[0].tolist()) == list(range(1, 8))
    assert ranks[0, 1] == 1  # o0 (cosine 1) first
    assert ranks[0, 0] == 7  # the organisation itself last


@override_settings(MATCHING={"k": 5, "candidates": 12})
def test_grown_corpora_are_held_against_the_exhaustive_lists_of_a_sample():
    out = io.StringIO()
    call_command(
        "bench_candidates", "--data", EASY, "--grow", "75,200", "--rows", "30", "--k", "5", "--json", stdout=out
    )
    reports = [json.loads(line) for line in out.getvalue().splitlines()]

    assert [r["organisations"] for r in reports] == [75, 200]
    for report in reports:
        assert report["similarity"] == 0.8
        assert 0 < report["entries"] <= 30 * 5  # 30 sampled lists of at most five exhaustive entries
        assert 0.8 <= report["kept"] <= 1
        ranks = report["prefilter_rank"]
        assert 1 <= ranks["0.5"] <= ranks["0.99"] <= ranks["max"] < report["organisations"]
    # The same seed gives the same corpus and the same sample: a run repeats itself.
    again = io.StringIO()
    call_command(
        "bench_candidates", "--data", EASY, "--grow", "200", "--rows", "30", "--k", "5", "--json", stdout=again
    )
    repeated = json.loads(again.getvalue())
    assert {k: v for k, v in repeated.items() if k != "seconds"} == {
        k: v for k, v in reports[1].items() if k != "seconds"
    }


@override_settings(MATCHING={"k": 5, "candidates": 12})
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grow", "50"], "at least the 75 organisations"),
        (["--grow", "100", "--similarity", "1"], "between 0 and 1"),
        (["--grow", "100", "--rows", "0"], "--rows must be at least 1"),
        (["--grow", "1e5"], "--grow takes whole numbers"),
    ],
)
def test_a_grown_run_that_would_measure_nothing_is_refused(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("bench_candidates", "--data", EASY, "--k", "5", *args)


def test_a_variation_lies_at_the_given_similarity_to_its_original():
    from matchmaking.management.commands.bench_candidates import grown, varied

    rng = np.random.default_rng(4)
    original = unit(1, 2, 3)
    for similarity in (0.3, 0.8, 0.95):
        copy = varied(original, similarity, rng)
        assert float(np.linalg.norm(copy)) == pytest.approx(1, abs=1e-5)
        assert float(copy @ original) == pytest.approx(similarity, abs=1e-5)
    assert varied(None, 0.8, rng) is None
    assert not varied(np.zeros(DIM, dtype=np.float32), 0.8, rng).any()  # no text stays no text

    records = [
        org("need", needs=unit(1), fields=("Mikroelektronik und Sensorik",)),
        org("offer", offers=unit(0, 1)),
        org("both", needs=unit(0, 0, 1), offers=unit(0, 0, 0, 1)),
    ]
    # Each organisation its own lexical vectors, so that a copy's must follow it through the
    # corpus's order (organisations with a request first).
    lexical = {
        "need": (np.zeros(4, np.float32), unit(1)[:4]),
        "offer": (unit(0, 1)[:4], np.zeros(4, np.float32)),
        "both": (unit(0, 0, 1)[:4], unit(0, 0, 0, 1)[:4]),
    }
    corpus = grown(records, lexical, 12, 0.8, np.random.default_rng(0), dim=DIM)
    ids = corpus.ids.tolist()
    assert len(ids) == 12 and {"need", "offer", "both"} <= set(ids)
    assert ids.index("offer") > max(ids.index("need"), ids.index("both"))  # requests first
    for n, copy in enumerate(ids):
        source = copy.split("~")[0]
        origin = corpus.index_of(source)
        expected = 1.0 if copy == source else 0.8
        for side in (corpus.offer, corpus.request):
            if side[origin].any():
                assert float(side[n] @ side[origin]) == pytest.approx(expected, abs=1e-4)
        for side, original in ((corpus.lex_offer, lexical[source][0]), (corpus.lex_request, lexical[source][1])):
            if original.any():
                assert float(side[n] @ original) == pytest.approx(expected, abs=1e-4)
            else:
                assert not side[n].any()
        assert corpus.fields[n] == corpus.fields[origin]


def test_the_readable_line_of_a_grown_corpus_says_so():
    from matchmaking.management.commands.bench_candidates import readable

    report = {
        "organisations": 10000,
        "similarity": 0.8,
        "k": 20,
        "candidates": 200,
        "kept": 0.998,
        "entries": 4000,
        "prefilter_rank": {"0.5": 12, "0.99": 91, "0.999": 257, "max": 552},
        "within_candidates": 0.9982,
        "seconds": 3.1,
    }
    line = readable(report)
    assert line.startswith("10000 organisations (grown, similarity 0.8), k=20, 200 candidates: the engine keeps 0.9980")
    assert "99 % 91" in line
    del report["similarity"]
    assert readable(report).startswith("10000 organisations, k=20, 200 candidates: the engine keeps")
