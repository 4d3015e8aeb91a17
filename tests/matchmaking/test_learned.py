"""The learned score on small hand-made cases: roles (a twin that asks for the same thing, a
co-operation of two organisations of the same kind), the hub penalty, the list floor, and the
fitting (sign constraints, folds that never see their own labels, the guard against weights that
rank worse than one signal alone). No database, no embedding model: hand-made vectors."""

import pickle
from dataclasses import replace

import numpy as np
import pytest

from matchmaking.engine import fitting, learned
from matchmaking.engine import reason_flags as flags
from matchmaking.engine.arrays import many_per_row
from matchmaking.engine.building import build
from matchmaking.engine.engine import Engine
from matchmaking.engine.params import Params
from matchmaking.management.commands.match_fit import _not_worse
from tests.matchmaking.hand_made import DIM, org, unit


def engine(records, **params) -> Engine:
    corpus = build(records, dim=DIM)
    corpus.calibration = (0.0, 1.0)
    return Engine(corpus, Params.from_mapping({"k": 5, "candidates": 10, **params}))


def ranked(eng: Engine, who: str) -> list[str]:
    c = eng.corpus
    result = eng.compute(np.asarray([c.index_of(who)]))
    order = np.argsort(result.ranks)
    return [c.ids[p] for p in result.partners[order]]


def pair(eng: Engine, a: str, b: str) -> dict:
    c = eng.corpus
    return eng.score_pairs(np.asarray([c.index_of(a)]), np.asarray([c.index_of(b)]))


def test_the_shipped_weights_are_complete_and_used_by_default():
    weights = learned.shipped_weights()
    learned.check(weights)
    assert Params().weights == weights
    assert 0 < Params().list_floor < 1
    # What should only help cannot count against a pair, and the penalties cannot turn into bonuses.
    for name, sign in fitting.SIGNS.items():
        assert weights["coefficients"][name] * sign >= 0, name
    assert weights["coefficients"]["fit"] > 0


def test_an_organisation_asking_for_the_same_ranks_below_the_one_that_offers_it():
    """Two hospitals that both need transport robots: the other hospital describes the same need in
    its own texts, so its offer vector resembles the need as much as the robot maker's does."""
    need = unit(1, 0, 0, 0)
    eng = engine(
        [
            org("hospital", needs=need, kind="clinic"),
            org("other_hospital", needs=need, offers=unit(0.8, 0, 0.6), kind="clinic"),
            org("robot_maker", offers=unit(0.8, 0.6)),
        ],
        min_score=0.0,
    )
    twin = pair(eng, "hospital", "other_hospital")
    assert twin["features"]["same_need"][0] == pytest.approx(1.0)
    assert ranked(eng, "hospital")[0] == "robot_maker"
    assert pair(eng, "hospital", "robot_maker")["score"][0] > twin["score"][0]


def test_two_organisations_seeking_a_joint_project_on_the_same_subject_are_a_co_operation():
    subject = unit(0, 0, 1, 0.2)
    records = [
        org("institute", needs=subject, offers=unit(0, 0, 0.5, 0, 1), need_type="rd_request", kind="research"),
        org("university", needs=subject, offers=unit(0, 0, 0.5, 0, 0, 1), need_type="rd_request", kind="university"),
    ]
    eng = engine(records, min_score=0.0)
    found = pair(eng, "institute", "university")
    assert found["features"]["co_operation"][0] == pytest.approx(1.0)
    assert found["features"]["same_need"][0] == 0
    assert found["flags"][0] & flags.CO_OPERATION
    # The same two asking as customers (business requests) are twins, and score lower.
    as_customers = engine(
        [replace(r, profiles=[replace(p, type="business_request") for p in r.profiles]) for r in records]
    )
    twins = pair(as_customers, "institute", "university")
    assert twins["features"]["same_need"][0] == pytest.approx(1.0)
    assert not twins["flags"][0] & flags.CO_OPERATION
    assert twins["score"][0] < found["score"][0]


def test_a_generic_institute_that_resembles_everybody_ranks_below_an_equally_close_specialist():
    specialist = unit(0.8, 0.6)
    closeness = specialist[0]
    rest = np.sqrt(1 - closeness**2) / np.sqrt(6)
    generic = np.asarray([closeness, 0, rest, rest, rest, rest, rest, rest], dtype=np.float32)
    records = [org("me", needs=unit(1)), org("specialist", offers=specialist), org("institute", offers=generic)]
    # Enough others that hubness looks at more than the single best similarity (4 % of them).
    records += [
        org(f"needs{axis}-{n}", needs=np.eye(DIM, dtype=np.float32)[axis]) for axis in range(2, DIM) for n in range(10)
    ]
    eng = engine(records, min_score=0.0)
    c = eng.corpus
    assert float(c.request[0] @ c.offer[1]) == pytest.approx(float(c.request[0] @ c.offer[2]))
    assert eng.hubness[c.index_of("institute")] > eng.hubness[c.index_of("specialist")]
    assert ranked(eng, "me")[0] == "specialist"
    # Without the hub penalty the two tie on every other signal.
    no_hub = replace(
        eng.params,
        weights={**eng.params.weights, "coefficients": {**eng.params.weights["coefficients"], "hubness": 0.0}},
    )
    plain = Engine(c, no_hub)
    assert pair(plain, "me", "specialist")["score"][0] == pytest.approx(
        pair(plain, "me", "institute")["score"][0], abs=1e-3
    )


def test_the_list_floor_drops_weak_partners_but_not_pinned_ones():
    records = [
        org("me", needs=unit(1)),
        org("good", offers=unit(1)),
        org("weak", offers=unit(0.1, 1)),
        org("pin", offers=unit(0, 0, 1)),
    ]
    eng = engine(records)
    assert eng.params.list_floor > 0
    assert pair(eng, "me", "weak")["score"][0] < eng.params.list_floor
    assert ranked(eng, "me") == ["good"]
    eng.corpus.set_rules(pinned=[("me", "pin")])
    assert ranked(eng, "me") == ["pin", "good"]
    # The incremental path agrees: the weak one would enter no list.
    assert np.isneginf(eng.scores_as_partner(eng.corpus.index_of("weak"))[eng.corpus.index_of("me")])
    # Without a floor the weak one is listed after the good one.
    assert ranked(engine(records, min_score=0.0), "me")[:2] == ["good", "weak"]


def _languages(rng: np.random.Generator) -> dict:
    """German shares of an organisation's offer and request, each German, English or both."""
    offer, request = rng.choice([0.0, 0.5, 1.0], size=2)
    return {"offer_german": float(offer), "request_german": float(request)}


def test_the_score_stays_symmetric():
    rng = np.random.default_rng(5)
    records = [
        org(i, offers=unit(*rng.random(DIM)), needs=unit(*rng.random(DIM)), **_languages(rng)) for i in range(12)
    ]
    eng = engine(records)
    i, j = np.divmod(np.arange(144), 12)
    keep = i != j
    forward = eng.score_pairs(i[keep], j[keep])["score"]
    backward = eng.score_pairs(j[keep], i[keep])["score"]
    np.testing.assert_allclose(forward, backward, rtol=1e-5)


# --- parameters and snapshots ---------------------------------------------------------------------


def test_a_generation_started_before_the_weights_is_resumed_with_the_hand_set_score():
    assert Params.from_stored({"k": 10}).weights == {}
    stored = Params().as_dict()
    assert Params.from_stored(stored).weights == Params().weights


def test_incomplete_weights_are_refused():
    with pytest.raises(ValueError, match="coefficient for each"):
        Params.from_mapping({"weights": {"coefficients": {"text": 1.0}, "intercept": 0.0}})


def test_a_snapshot_pickled_before_the_co_operation_flags_still_loads():
    corpus = build([org("a", needs=unit(1)), org("b", offers=unit(1))], dim=DIM)
    state = pickle.dumps(corpus)
    old = pickle.loads(state)
    del old.__dict__["cooperation"]
    revived = pickle.loads(pickle.dumps(old))
    assert revived.cooperation.tolist() == [False, False]


# --- fitting ----------------------------------------------------------------------------------------


def _labelled_world(seed: int = 0, pairs: int = 12):
    """Needs and offers on random topics: each need has one true offer (the closest), plus decoys
    that ask for the same (twins) and offers a little off topic."""
    rng = np.random.default_rng(seed)
    records, expected = [], []
    for n in range(pairs):
        topic = unit(*rng.normal(size=DIM))
        off = unit(*(topic + 0.6 * rng.normal(size=DIM)))
        records.append(org(f"need{n}", needs=topic))
        records.append(org(f"offer{n}", offers=unit(*(topic + 0.3 * rng.normal(size=DIM)))))
        records.append(org(f"twin{n}", needs=topic, offers=unit(*(topic + 0.2 * rng.normal(size=DIM)))))
        records.append(org(f"near{n}", offers=off))
        expected.append((f"need{n}", f"offer{n}"))
    corpus = build(records, dim=DIM)
    return fitting.from_pairs("world", corpus, expected), corpus


def test_fitting_learns_to_push_a_twin_below_the_true_partner():
    labelled, corpus = _labelled_world()
    params = Params.from_mapping({"k": 5, "candidates": 10})
    weights = fitting.fit([(fitting.feature_engine(corpus, params), labelled, labelled.rows())])
    learned.check(weights)
    assert weights["coefficients"]["same_need"] < 0
    assert weights["coefficients"]["fit"] > 0  # kept at its floor, whatever the labels say
    assert weights["fitted_on"]["pairs"] == 24


def test_ranking_direction_keeps_the_signs():
    rng = np.random.default_rng(1)
    differences = rng.normal(size=(400, len(learned.FEATURES)))
    # Labels that reward a high hubness and a low structure: the constraints must not follow them.
    differences[:, learned.FEATURES.index("hubness")] = np.abs(differences[:, learned.FEATURES.index("hubness")])
    differences[:, learned.FEATURES.index("structure")] = -np.abs(differences[:, learned.FEATURES.index("structure")])
    w = fitting.ranking_direction(differences, c=1.0)
    assert w[learned.FEATURES.index("hubness")] <= 0
    assert w[learned.FEATURES.index("structure")] >= 0
    assert w[learned.FEATURES.index("fit")] >= fitting.FIT_AT_LEAST


def test_cross_validation_never_ranks_a_row_with_weights_fitted_on_its_own_labels(monkeypatch):
    labelled, _ = _labelled_world(pairs=10)
    fitted_on = []
    real_fit = fitting.fit

    def recording_fit(parts, **kwargs):
        fitted_on.append({row for _, _, rows in parts for row in rows})
        return real_fit(parts, **kwargs)

    monkeypatch.setattr(fitting, "fit", recording_fit)
    params = Params.from_mapping({"k": 5, "candidates": 10})
    result = fitting.cross_validate([labelled], params, k_folds=5, list_length=5)
    fold_of = fitting.folds(labelled, 5)
    assert len(fitted_on) == 5
    for fold, rows in enumerate(fitted_on):
        held_out = {row for row, f in fold_of.items() if f == fold}
        assert held_out and not held_out & rows
    # Every labelled row got a held-out list, and a pair stays in one fold.
    assert set(result["lists"]["world"]) == set(labelled.rows())
    for a, partners in labelled.positives.items():
        assert all(fold_of[a] == fold_of[b] for b in partners)


def test_verdicts_become_positives_and_explicit_negatives():
    corpus = build([org("a", needs=unit(1)), org("b", offers=unit(1)), org("c", offers=unit(0, 1))], dim=DIM)
    labelled = fitting.from_verdicts("feedback", corpus, [("a", "b", 1.0), ("a", "c", -1.0), ("a", "zz", 1.0)])
    assert labelled.positives == {0: {1}}
    assert labelled.negatives == {0: {2}}


def test_the_guard_refuses_weights_worse_than_a_single_signal():
    good = {"recall_at_k": 0.9, "mrr": 0.7}
    assert _not_worse({"learned (held out)": good, "text alone": {"recall_at_k": 0.9, "mrr": 0.6}})
    assert not _not_worse({"learned (held out)": good, "text alone": {"recall_at_k": 0.91, "mrr": 0.6}})
    assert not _not_worse({"learned (held out)": good, "embedding_best alone": {"recall_at_k": 0.8, "mrr": 0.71}})


def test_one_organisation_against_everybody_scores_as_pair_by_pair():
    """The incremental update scores one organisation against all others with matrix-vector
    products; pair by pair the score is the same."""
    rng = np.random.default_rng(9)
    records = [
        org(i, offers=unit(*rng.random(DIM)), needs=unit(*rng.random(DIM)), **_languages(rng)) for i in range(15)
    ]
    records[3] = replace(
        records[3],
        profiles=[replace(p, type="rd_request") if p.type != "technology_offer" else p for p in records[3].profiles],
    )
    records[7] = replace(
        records[7],
        profiles=[replace(p, type="rd_request") if p.type != "technology_offer" else p for p in records[7].profiles],
    )
    eng = engine(records, min_score=0.0)
    at_once = eng.scores_as_partner(3)
    for other in range(15):
        if other != 3:
            single = eng.score_pairs(np.asarray([other]), np.asarray([3]))["score"][0]
            assert at_once[other] == pytest.approx(single, rel=1e-5)


def test_a_block_of_lists_takes_the_role_products_per_organisation_as_pair_by_pair():
    """A block's lists (many pairs per organisation, in no order, some organisations with one
    partner and one with many, more organisations than one table takes) get the role signals
    per organisation; they are the pairwise products of the vectors, co-operations included."""
    rng = np.random.default_rng(11)
    records = [
        org(i, offers=unit(*rng.random(DIM)), needs=unit(*rng.random(DIM)), **_languages(rng)) for i in range(150)
    ]
    for at in (4, 9):  # two organisations seeking a partner of their own kind
        profiles = records[at].profiles
        rd = [replace(p, type="rd_request") if p.type != "technology_offer" else p for p in profiles]
        records[at] = replace(records[at], profiles=rd)
    corpus = build(records, dim=DIM)
    counts = rng.integers(1, 40, size=100)
    counts[4] = 149  # with everybody, the other co-operation seeker among them
    i = np.repeat(np.arange(100), counts)
    j = np.concatenate([rng.choice(np.delete(np.arange(150), r), size=n, replace=False) for r, n in enumerate(counts)])
    shuffle = rng.permutation(len(i))
    i, j = i[shuffle], j[shuffle]
    assert many_per_row(i)  # the per-organisation path is the one taken

    roles = learned.role_similarities(corpus, i, j)

    same_need = np.maximum(np.einsum("md,md->m", corpus.request[i], corpus.request[j]), 0)
    same_offer = np.maximum(np.einsum("md,md->m", corpus.offer[i], corpus.offer[j]), 0)
    both = corpus.cooperation[i] & corpus.cooperation[j]
    assert both.any()
    np.testing.assert_allclose(roles["same_need"], np.where(both, 0, same_need), atol=1e-6)
    np.testing.assert_allclose(roles["co_operation"], np.where(both, same_need, 0), atol=1e-6)
    np.testing.assert_allclose(roles["same_offer"], same_offer, atol=1e-6)


def test_an_organisation_that_both_liked_and_rejected_partners_keeps_them_in_one_fold():
    corpus = build([org(x, needs=unit(1)) for x in "abcd"], dim=DIM)
    labelled = fitting.from_verdicts("feedback", corpus, [("a", "b", 1.0), ("a", "c", -1.0), ("d", "c", 1.0)])
    assert len(set(labelled.groups.values())) == 1
