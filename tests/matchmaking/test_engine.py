"""The scoring core on small hand-made cases: each signal moves the score the right way,
reciprocity, exclusions, pins and hides, feedback, diversity, and the incremental update.
No database: the engine is plain numpy."""

import numpy as np
import pytest

from matchmaking.engine import reason_flags as flags
from matchmaking.engine.building import build
from matchmaking.engine.engine import Engine, incremental_update
from matchmaking.engine.params import Params
from matchmaking.engine.records import OrgRecord, ProfileRecord

DIM = 8


def axis(n: int, *, weight: float = 1.0, noise: int | None = None) -> np.ndarray:
    """A unit vector along axis n (optionally tilted towards axis ``noise``): hand-made topics."""
    v = np.zeros(DIM, dtype=np.float32)
    v[n] = weight
    if noise is not None:
        v[noise] = 1.0 - weight
    return v / np.linalg.norm(v)


def org(id, *, offers=None, needs=None, **kwargs) -> OrgRecord:
    profiles = []
    if offers is not None:
        profiles.append(ProfileRecord(id=f"{id}-offer", type="technology_offer", vector=offers))
    if needs is not None:
        profiles.append(ProfileRecord(id=f"{id}-need", type="technology_request", vector=needs))
    kwargs.setdefault("kind", "company")
    return OrgRecord(id=id, offer_vector=offers, request_vector=needs, profiles=profiles, **kwargs)


def engine(records, **params) -> Engine:
    """The engine with the shipped learned score on hand-made records. The list floor is off: the
    hand-made topics score far lower than real texts (the floor has tests of its own)."""
    corpus = build(records, dim=DIM)
    corpus.calibration = (0.0, 1.0)  # raw cosines as they are: the cases are hand-made
    return Engine(corpus, Params.from_mapping({"k": 5, "candidates": 10, "min_score": 0.0, **params}))


def lists(eng: Engine, **rules) -> dict:
    if rules:
        eng.corpus.set_rules(**rules)
    result = eng.compute_all()
    out = {}
    for row, partner, rank, score in zip(result.rows, result.partners, result.ranks, result.scores, strict=True):
        out.setdefault(eng.corpus.ids[row], []).append((rank, eng.corpus.ids[partner], float(score)))
    return {k: [(p, s) for _, p, s in sorted(v)] for k, v in out.items()}


def score(eng: Engine, a, b, **rules) -> float:
    return dict(lists(eng, **rules).get(a, [])).get(b, float("nan"))


def pair_score(eng: Engine, a, b) -> float:
    c = eng.corpus
    i, j = np.asarray([c.index_of(a)]), np.asarray([c.index_of(b)])
    return float(eng.score_pairs(i, j)["score"][0])


# --- text: complementarity and reciprocity -------------------------------------------------------


def test_an_offer_meeting_a_need_scores_higher_than_one_that_does_not():
    eng = engine(
        [
            org("clinic", needs=axis(0)),
            org("courier", offers=axis(0)),  # offers exactly what the clinic needs
            org("printer", offers=axis(3)),  # offers something else
        ]
    )
    assert pair_score(eng, "clinic", "courier") > pair_score(eng, "clinic", "printer")


def test_both_directions_count_and_the_score_is_symmetric():
    eng = engine(
        [
            org("a", offers=axis(0), needs=axis(1)),
            org("mutual", offers=axis(1), needs=axis(0)),  # each offers what the other needs
            org("one_way", offers=axis(1), needs=axis(5)),  # only serves a's need
        ]
    )
    assert pair_score(eng, "a", "mutual") > pair_score(eng, "a", "one_way")
    assert pair_score(eng, "a", "mutual") == pytest.approx(pair_score(eng, "mutual", "a"))


def test_two_organisations_offering_the_same_are_not_matched_on_text():
    eng = engine([org("a", offers=axis(0)), org("competitor", offers=axis(0)), org("client", needs=axis(0))])
    components = eng.score_pairs(np.asarray([0]), np.asarray([1]))
    assert components["text"][0] == 0
    assert pair_score(eng, "a", "client") > pair_score(eng, "a", "competitor")


# --- structure and practical fit -----------------------------------------------------------------


def test_a_shared_technology_field_across_sectors_earns_the_cross_sector_bonus():
    base = {"offers": axis(0), "fields": ("logistik",)}
    eng = engine(
        [
            org("clinic", needs=axis(0), fields=("logistik",), sections=("Q",)),
            org("same_sector", sections=("Q",), **base),
            org("other_sector", sections=("H",), **base),
            org("no_field", offers=axis(0), sections=("H",)),
        ]
    )
    cross = pair_score(eng, "clinic", "other_sector")
    assert cross > pair_score(eng, "clinic", "same_sector") > pair_score(eng, "clinic", "no_field")


def test_complementary_divisions_count_when_staff_declared_them():
    eng = engine([org("clinic", needs=axis(0), sectors=("86.10",)), org("store", offers=axis(0), sectors=("52.10",))])
    before = pair_score(eng, "clinic", "store")
    eng.corpus.set_rules(complementary_divisions=[(52, 86)])
    assert pair_score(eng, "clinic", "store") > before


@pytest.mark.parametrize(
    ("near", "far"),
    [
        ({"district": "leipzig"}, {"district": "dresden"}),  # same district beats elsewhere in Saxony
        ({"district": "dresden"}, {"district": "", "country": "FR"}),  # Saxony beats abroad
        ({"size_band": "50-249"}, {"size_band": "1000+"}),  # similar size
        ({"clusters": ("biosaxony",)}, {"clusters": ("silicon",)}),  # cluster ties
        ({"kind": "research"}, {"kind": "network"}),  # company <-> research institute
    ],
)
def test_practical_fit_prefers_the_closer_partner(near, far):
    me = {"district": "leipzig", "size_band": "50-249", "clusters": ("biosaxony",)}
    eng = engine(
        [org("me", needs=axis(0), **me), org("near", offers=axis(0), **near), org("far", offers=axis(0), **far)]
    )
    assert pair_score(eng, "me", "near") > pair_score(eng, "me", "far")


def test_a_partner_abroad_in_the_target_countries_beats_one_abroad_elsewhere():
    eng = engine(
        [
            org("exporter", offers=axis(0), district="chemnitz", target_countries=("PL",)),
            org("polish", needs=axis(0), district="", country="PL"),
            org("spanish", needs=axis(0), district="", country="ES"),
        ]
    )
    assert pair_score(eng, "exporter", "polish") > pair_score(eng, "exporter", "spanish")


# --- who may appear --------------------------------------------------------------------------------


def test_unverified_or_opted_out_organisations_are_never_proposed():
    eng = engine(
        [
            org("a", needs=axis(0)),
            org("hidden", offers=axis(0), eligible=False, wants_list=False),
            org("b", offers=axis(0, weight=0.7, noise=1)),
        ]
    )
    result = lists(eng)
    assert "hidden" not in [p for p, _ in result["a"]]
    assert "hidden" not in result


@pytest.mark.parametrize(
    ("records", "rules"),
    [
        ([org("a", needs=axis(0), group="Holding"), org("b", offers=axis(0), group="holding ")], {}),
        (
            [
                org("a", needs=axis(0), sectors=("26.60",), competitor_rule=True),
                org("b", offers=axis(0), sectors=("26.60",)),
            ],
            {},
        ),
        ([org("a", needs=axis(0)), org("b", offers=axis(0))], {"excluded": [("a", "b")]}),
        ([org("a", needs=axis(0)), org("b", offers=axis(0))], {"hidden": [("a", "b")]}),
        ([org("a", needs=axis(0)), org("b", offers=axis(0))], {"feedback": [("a", "b", -1.0)]}),
    ],
    ids=["same-group", "competitors", "explicit-pair", "hidden-by-staff", "not-relevant"],
)
def test_exclusions_remove_the_pair(records, rules):
    eng = engine([*records, org("c", offers=axis(0, weight=0.6, noise=2))])
    result = lists(eng, **rules)
    assert "b" not in [p for p, _ in result["a"]]


def test_same_group_rule_can_be_switched_off():
    eng = engine([org("a", needs=axis(0), group="Holding"), org("b", offers=axis(0), group="Holding")])
    assert "b" in [p for p, _ in lists(eng, same_group_rule=False)["a"]]


def test_a_pinned_partner_leads_the_list_even_with_a_low_score():
    eng = engine([org("a", needs=axis(0)), org("good", offers=axis(0)), org("weak", offers=axis(4))])
    result = lists(eng, pinned=[("a", "weak")])
    assert result["a"][0][0] == "weak"


# --- feedback and diversity ------------------------------------------------------------------------


def mix(a: int, b: int, weight_b: float = 2.0) -> np.ndarray:
    """A unit vector between axis a and axis b (b weighted)."""
    v = np.zeros(DIM, dtype=np.float32)
    v[a], v[b] = 1.0, weight_b
    return v / np.linalg.norm(v)


def reasons(eng: Engine, a) -> dict:
    """{partner: reason flags} of a's list (with the rules set last)."""
    result = eng.compute_all()
    c = eng.corpus
    mine = result.rows == c.index_of(a)
    return {
        c.ids[partner]: int(bits)
        for partner, bits in zip(result.partners[mine], result.reason_flags[mine], strict=True)
    }


def test_interesting_raises_similar_partners_and_leaves_the_rated_pair_as_it_was():
    eng = engine(
        [
            org("a", needs=axis(0)),
            org("rated", offers=mix(0, 1)),
            org("similar", offers=mix(0, 1)),  # offers what "rated" offers
            org("different", offers=mix(0, 2)),  # serves the need as well, with something else
        ]
    )
    before = dict(lists(eng)["a"])
    after = dict(lists(eng, feedback=[("a", "rated", 1.0)])["a"])
    bits = reasons(eng, "a")

    assert after["rated"] == pytest.approx(before["rated"])
    assert after["similar"] > before["similar"]
    assert after["different"] == pytest.approx(before["different"])
    # "like partners you rated" is said of the partner that moved, not of the rated one.
    assert bits["similar"] & flags.FEEDBACK_SIMILAR
    assert not bits["rated"] & flags.FEEDBACK_SIMILAR
    assert not bits["different"] & flags.FEEDBACK_SIMILAR


def test_a_rated_partner_is_not_moved_by_feedback_on_another_similar_one():
    eng = engine([org("a", needs=axis(0)), org("b", offers=mix(0, 1)), org("c", offers=mix(0, 1))])
    before = dict(lists(eng)["a"])
    after = dict(lists(eng, feedback=[("a", "b", 1.0), ("a", "c", 1.0)])["a"])

    assert after == pytest.approx(before)


def test_much_feedback_moves_a_score_by_at_most_similar_feedback():
    rated = [org(f"rated{n}", offers=mix(0, 1)) for n in range(6)]
    eng = engine([org("a", needs=axis(0)), org("similar", offers=mix(0, 1)), *rated], k=8)
    before = dict(lists(eng)["a"])["similar"]
    after = dict(lists(eng, feedback=[("a", f"rated{n}", 1.0) for n in range(6)])["a"])["similar"]

    assert after - before == pytest.approx(Params().similar_feedback, abs=1e-4)


def test_not_relevant_lowers_similar_partners():
    eng = engine(
        [
            org("a", needs=axis(0)),
            org("rejected", offers=mix(0, 1)),
            org("similar", offers=mix(0, 1)),  # offers what "rejected" offers
            org("different", offers=mix(0, 2)),  # serves the need as well, with something else
        ]
    )
    before = dict(lists(eng)["a"])
    after = dict(lists(eng, feedback=[("a", "rejected", -1.0)])["a"])
    assert "rejected" not in after
    assert after["similar"] < before["similar"]
    assert after["different"] == pytest.approx(before["different"])


def test_diversity_spreads_a_list_over_kinds_when_scores_are_close():
    me = org("me", needs=axis(0), kind="company", sections=("C",))
    copies = [org(f"institute{i}", kind="research", sections=("M",), offers=mix(0, 1, 0.5)) for i in range(4)]
    clinic = org("clinic", kind="clinic", sections=("Q",), offers=mix(0, 1, 0.55))  # a little less close
    plain = lists(engine([me, *copies, clinic], k=3, diversity=0.0))["me"]
    diverse = lists(engine([me, *copies, clinic], k=3, diversity=0.08))["me"]
    assert "clinic" not in [p for p, _ in plain]  # without diversity: three near-copies
    assert "clinic" in [p for p, _ in diverse]


# --- reasons ---------------------------------------------------------------------------------------


def test_reasons_name_the_direction_and_the_profiles():
    eng = engine(
        [org("clinic", needs=axis(0), fields=("logistik",)), org("courier", offers=axis(0), fields=("logistik",))]
    )
    result = eng.compute_all()
    first = np.flatnonzero(eng.corpus.ids[result.rows] == "clinic")[0]
    assert result.reason_flags[first] & flags.PARTNER_OFFERS
    assert result.reason_flags[first] & flags.SHARED_FIELD
    assert eng.corpus.profile_ids[result.request_profile[first]] == "clinic-need"
    assert eng.corpus.profile_ids[result.offer_profile[first]] == "courier-offer"


# --- the two ways of computing, and the incremental update ----------------------------------------


def test_block_pairs_and_single_rows_give_the_same_lists():
    rng = np.random.default_rng(3)
    records = [
        org(
            i,
            offers=axis(int(rng.integers(DIM)), weight=0.7, noise=int(rng.integers(DIM))),
            needs=axis(int(rng.integers(DIM))),
        )
        for i in range(40)
    ]
    eng = engine(records)
    by_blocks = eng.compute_all(block=7)
    by_rows = eng.compute(np.arange(40))
    assert sorted(zip(by_blocks.rows.tolist(), by_blocks.partners.tolist(), strict=True)) == sorted(
        zip(by_rows.rows.tolist(), by_rows.partners.tolist(), strict=True)
    )


def test_incremental_update_finds_the_lists_a_changed_organisation_enters_and_leaves():
    records = [org("seeker", needs=axis(0)), org("other_seeker", needs=axis(3))]
    records += [org(f"filler{i}", offers=mix(3, 5 + i % 3)) for i in range(6)]  # half serve other_seeker
    records.append(org("changer", offers=axis(3)))  # serves other_seeker best, for now
    eng = engine(records, k=2)
    result = eng.compute_all()
    c = eng.corpus
    kth = np.full(c.n, -np.inf, dtype=np.float32)
    for row in range(c.n):
        mine = result.scores[result.rows == row]
        if len(mine) >= 2:
            kth[row] = mine.min()
    changer = c.index_of("changer")
    members = result.rows[result.partners == changer]
    assert c.index_of("other_seeker") in members
    # The changer now offers what "seeker" needs instead.
    c.offer[changer] = axis(0)
    eng = Engine(c, eng.params)
    own, leaves, enters = incremental_update(eng, changer, kth, members)
    assert c.index_of("seeker") in enters
    assert c.index_of("other_seeker") in leaves
    assert len(own) == 2


# --- structure and fit support text, exact set overlaps --------------------------------------------


def test_structure_and_fit_alone_do_not_outrank_a_real_offer_for_a_need():
    """A neighbour that shares every technology field and cluster but offers nothing the
    organisation needs ranks below a distant partner that offers exactly that."""
    me = {"fields": ("logistik",), "sections": ("Q",), "district": "leipzig", "clusters": ("c1",), "kind": "clinic"}
    eng = engine(
        [
            org("clinic", needs=axis(0), **me),
            org("neighbour", offers=axis(5), **{**me, "sections": ("H",), "kind": "company"}),
            # offers part of what the clinic needs (cosine 0.45)
            org("supplier", offers=axis(0, weight=0.335, noise=1), district="zwickau", kind="company"),
        ]
    )
    assert pair_score(eng, "clinic", "supplier") > pair_score(eng, "clinic", "neighbour")
    hand_set = Engine(eng.corpus, Params.from_mapping({"k": 5, "candidates": 10, "weights": {}}))
    assert pair_score(hand_set, "clinic", "supplier") > pair_score(hand_set, "clinic", "neighbour")
    ungated = Engine(eng.corpus, Params.from_mapping({"k": 5, "candidates": 10, "weights": {}, "gate_floor": 1.0}))
    assert pair_score(ungated, "clinic", "supplier") < pair_score(ungated, "clinic", "neighbour")


def test_two_specialists_in_one_field_share_more_structure_than_two_generalists():
    everything = ("logistik", "ikt", "robotik-automatisierung", "mikroelektronik-sensorik")
    eng = engine(
        [
            org("me", needs=axis(0), fields=("logistik",)),
            org("specialist", offers=axis(0), fields=("logistik",)),
            org("generalist", offers=axis(0), fields=everything),
        ]
    )
    c = eng.corpus
    i = np.asarray([c.index_of("me")] * 2)
    j = np.asarray([c.index_of("specialist"), c.index_of("generalist")])
    structure = eng.score_pairs(i, j)["structure"]
    assert structure[0] > structure[1] > 0


def test_clusters_countries_and_classes_compare_exactly():
    """Set overlaps compare the values themselves: many clusters, target countries and NACE codes
    never produce a shared cluster, a target country or a competitor that is not there."""
    clusters = [f"cluster-{n}" for n in range(200)]
    records = [org("me", needs=axis(0), clusters=tuple(clusters[:100]), target_countries=("PL", "CZ"))]
    records += [org(f"o{n}", offers=axis(0), clusters=(clusters[100 + n],), country="FR") for n in range(100)]
    eng = engine(records, k=5, candidates=100)
    c = eng.corpus
    i = np.full(100, c.index_of("me"))
    j = np.asarray([c.index_of(f"o{n}") for n in range(100)])
    flags_ = eng.score_pairs(i, j)["flags"]
    assert not (flags_ & flags.SHARED_CLUSTER).any()
    assert not (flags_ & (flags.TARGET_COUNTRY | flags.TARGETED_BY_PARTNER)).any()


def test_the_target_country_reason_says_who_targets_whom():
    eng = engine(
        [
            org("exporter", offers=axis(0), district="chemnitz", target_countries=("PL",)),
            org("polish", needs=axis(0), district="", country="PL"),
        ]
    )
    c = eng.corpus
    a, b = np.asarray([c.index_of("exporter")]), np.asarray([c.index_of("polish")])
    assert eng.score_pairs(a, b)["flags"][0] & flags.TARGET_COUNTRY  # the partner is where it exports
    assert not eng.score_pairs(a, b)["flags"][0] & flags.TARGETED_BY_PARTNER
    assert eng.score_pairs(b, a)["flags"][0] & flags.TARGETED_BY_PARTNER  # the partner looks at Poland
    assert not eng.score_pairs(b, a)["flags"][0] & flags.TARGET_COUNTRY


def test_competitors_are_kept_apart_only_in_a_shared_nace_code():
    records = [
        org("me", needs=axis(0), sectors=("62.01",), competitor_rule=True),
        org("rival", offers=axis(0), sectors=("62.01",)),
        org("other", offers=axis(0), sectors=("62.02", "28.1")),
    ]
    listed = dict(lists(engine(records))["me"])
    assert "rival" not in listed and "other" in listed


def test_complementary_divisions_count_for_every_division_of_an_organisation():
    eng = engine(
        [org("clinic", needs=axis(0), sectors=("72.1", "86.10")), org("store", offers=axis(0), sectors=("52.10",))]
    )
    before = pair_score(eng, "clinic", "store")
    eng.corpus.set_rules(complementary_divisions=[(52, 86)])
    assert pair_score(eng, "clinic", "store") > before


# --- degenerate corpora ------------------------------------------------------------------------------


def test_an_empty_corpus_gives_no_lists():
    assert len(engine([]).compute_all()) == 0


def test_a_single_organisation_gets_an_empty_list_and_calibration_survives():
    corpus = build([org("alone", offers=axis(0), needs=axis(1))], dim=DIM)
    eng = Engine(corpus, Params.from_mapping({"k": 5, "candidates": 10}))
    assert corpus.calibration == (0.0, 1.0)
    assert len(eng.compute_all()) == 0


def test_texts_without_any_word_do_not_break_the_lexical_signal():
    records = [
        org("a", offers=axis(0), offer_text="- .", request_text=""),
        org("b", needs=axis(0), offer_text="", request_text="– ."),
    ]
    eng = engine(records)
    assert [p for p, _ in lists(eng)["b"]] == ["a"]


# --- the incremental path updates the engine in place -------------------------------------------------


def test_rows_changed_in_place_give_the_same_lists_as_a_new_engine():
    from matchmaking.engine.corpus import update, update_in_place

    records = [
        org(f"o{n}", offers=axis(n % DIM), needs=axis((n + 3) % DIM), offer_text=f"offer {n}") for n in range(30)
    ]
    eng = engine(records, k=5, candidates=10)
    changed = [
        org("o4", offers=axis(1), needs=axis(2), offer_text="changed", fields=("ikt",), clusters=("x", "y")),
        org("o7", offers=axis(6), eligible=False, wants_list=False),
    ]
    fresh = Engine(update(eng.corpus, changed), eng.params)
    before = eng.corpus.eligible[[4, 7]].copy()
    rows = update_in_place(eng.corpus, changed)
    eng.refresh_rows(rows, before)

    assert sorted(rows.tolist()) == [4, 7]
    assert lists(eng) == lists(fresh)
    assert update_in_place(eng.corpus, [org("new", offers=axis(0))]) is None  # unknown: rebuild


def test_a_generation_started_before_a_parameter_was_retired_can_be_resumed():
    stored = {**Params().as_dict(), "k": 7, "interesting_boost": 0.15, "model": "some-encoder"}

    assert Params.from_stored(stored).k == 7
    with pytest.raises(ValueError, match="interesting_boost"):
        Params.from_mapping(stored)  # the settings are still checked strictly: a typo there is an error
