"""The cross-language correction of the text similarity: a German need meets an English offer that
answers it before a German one that only shares its words, the pre-filter chooses its candidates by
the corrected values, how much of each organisation's text is German (from the database and from an
evaluation file), and generations and snapshots from before the correction. Hand-made vectors,
except where the database's texts are read."""

import pickle

import numpy as np
import pytest

from companies.choices import ProfileType
from matchmaking import corpus_loading
from matchmaking.engine.building import build, needs_first
from matchmaking.engine.engine import Engine
from matchmaking.engine.evaluation import records_from_file
from matchmaking.engine.params import Params
from matchmaking.engine.prefilter import Prefilter
from matchmaking.engine.records import OrgRecord, composed
from matchmaking.engine.scoring import across_languages
from matchmaking.engine.vocabulary import DISTRICTS, FIELDS
from tests.factories import OrganisationFactory, PartneringProfileFactory
from tests.matchmaking.hand_made import DIM, first_partner, org, unit


def speaking(german: float) -> dict:
    """The German share of an organisation's offer and request: 1 German, 0 English, 0.5 both."""
    return {"offer_german": german, "request_german": german}


def world() -> list[OrgRecord]:
    """A German need; a German offer a little closer to its words (cosine 0.8) than the English
    offer (0.72) that a German text of the same meaning would reach at 0.9; two unrelated ones."""
    need = unit(1, 0, 0)
    return [
        org("need", needs=need, **speaking(1.0)),
        org("german_lookalike", offers=unit(0.8, 0.6, 0), **speaking(1.0)),
        org("english_partner", offers=unit(0.72, 0, 0.694), **speaking(0.0)),
        org("other_a", offers=unit(0, 0, 0, 1), **speaking(1.0)),
        org("other_b", offers=unit(0, 0, 0, 0, 1), **speaking(0.0)),
    ]


def ranked(records, **params) -> list[str]:
    corpus = build(records, dim=DIM)
    corpus.calibration = (0.0, 1.0)
    eng = Engine(corpus, Params.from_mapping({"k": 3, "candidates": 4, "weights": {}, "min_score": 0.0, **params}))
    result = eng.compute(np.asarray([corpus.index_of("need")]))
    return [corpus.ids[p] for p in result.partners[np.argsort(result.ranks)]]


@pytest.mark.parametrize("weights", ["hand-set", "learned"])
def test_the_english_offer_that_answers_a_german_need_ranks_above_a_german_lookalike(weights):
    chosen = {"weights": {}} if weights == "hand-set" else {"weights": Params().weights}
    assert ranked(world(), cross_language_scale=0.8, **chosen)[0] == "english_partner"
    # Without the correction the encoder's language gap decides.
    assert ranked(world(), cross_language_scale=1.0, **chosen)[0] == "german_lookalike"


def test_the_correction_works_in_both_directions_of_a_pair():
    """Seen from the German offerer: the English organisation that needs its offer ranks above a
    German one whose need only shares more of its words."""
    offer = unit(1, 0, 0)
    records = [
        org("need", offers=offer, **speaking(1.0)),  # the German offerer; its list is ranked below
        org("german_lookalike", needs=unit(0.8, 0.6, 0), **speaking(1.0)),
        org("english_partner", needs=unit(0.72, 0, 0.694), **speaking(0.0)),
        org("other_a", needs=unit(0, 0, 0, 1), **speaking(1.0)),
        org("other_b", needs=unit(0, 0, 0, 0, 1), **speaking(0.0)),
    ]
    assert ranked(records, cross_language_scale=0.8, weights=Params().weights)[0] == "english_partner"
    assert ranked(records, cross_language_scale=1.0, weights=Params().weights)[0] == "german_lookalike"


def test_the_correction_divides_only_as_far_as_the_two_texts_differ_in_language():
    records = [
        org("de", needs=unit(1), offers=unit(1), **speaking(1.0)),
        org("en", needs=unit(1), offers=unit(1), **speaking(0.0)),
        org("both", needs=unit(1), offers=unit(1), **speaking(0.5)),
    ]
    corpus = build(records, dim=DIM)
    p = Params.from_mapping({"cross_language_scale": 0.8})
    i = np.asarray([0, 0, 1, 0, 2])
    j = np.asarray([0, 1, 0, 2, 2])
    raw = np.full(5, 0.5, dtype=np.float32)
    corrected = across_languages(corpus, p, i, j, raw)
    # de-de stays; de-en and en-de are divided by 0.8; half the chance of differing, by 0.9.
    np.testing.assert_allclose(corrected, [0.5, 0.625, 0.625, 0.5 / 0.9, 0.5 / 0.9], rtol=1e-6)
    unchanged = across_languages(corpus, Params.from_mapping({"cross_language_scale": 1.0}), i, j, raw)
    np.testing.assert_array_equal(unchanged, raw)


def crowded() -> list[OrgRecord]:
    """A German need, ten German offers that share its words (cosine 0.8), the English offer that
    answers it (0.72, worth 0.9 corrected) and ten unrelated organisations: more than twice the
    candidates, so that the pre-filter cuts, and the English offer below the cut of the raw values."""
    records = [org("need", needs=unit(1), **speaking(1.0))]
    for n in range(10):
        records.append(org(f"lookalike_{n}", offers=unit(0.8, *([0] * (n % 6)), 0.6), **speaking(1.0)))
    records.append(org("english_partner", offers=unit(0.72, 0, 0, 0, 0, 0, 0, 0.694), **speaking(0.0)))
    for n in range(10):
        records.append(org(f"other_{n}", offers=unit(0, *([0] * (n % 6)), 1), **speaking(n % 2)))
    return records


@pytest.mark.parametrize("path", ["one organisation", "the full run in blocks"])
@pytest.mark.parametrize("weights", ["hand-set", "learned"])
def test_the_prefilter_keeps_a_partner_that_only_the_correction_lifts_above_its_cut(path, weights):
    """Four candidates of 22 organisations: by the raw values the ten German look-alikes fill them;
    corrected, the English partner is above them all and must be a candidate to be listed."""

    def first(scale) -> str:
        chosen = {"weights": {}} if weights == "hand-set" else {}
        params = Params.from_mapping(
            {"k": 3, "candidates": 4, "min_score": 0.0, "cross_language_scale": scale, **chosen}
        )
        return first_partner(crowded(), params, path)

    assert first(0.8) == "english_partner"
    assert first(1.0).startswith("lookalike_")


def place(n: int) -> dict:
    """Technology fields and a district, so that pairs have a structure part beside their texts."""
    return {"fields": tuple(FIELDS[: 1 + n % 3]), "district": DISTRICTS[n % 2]}


def test_no_pair_below_the_floor_reaches_its_threshold_once_corrected():
    rng = np.random.default_rng(5)
    records = [
        org(n, offers=unit(*rng.standard_normal(DIM)), needs=unit(*rng.standard_normal(DIM)), **speaking(g), **place(n))
        for n, g in enumerate(rng.choice([0.0, 1.0, 0.5, 0.3, 0.9], size=40))
    ]
    eng = Prefilter(build(records, dim=DIM), Params.from_mapping({"cross_language_scale": 0.7}))
    rows = np.arange(40)
    forward, backward = eng.products(eng.X, eng.Y)
    raw = eng.scale * np.maximum(forward, backward)
    i, j = np.repeat(rows, 40), np.tile(rows, 40)
    lifted = eng.candidate_value(i, j, eng.scale * forward.ravel(), eng.scale * backward.ravel()).reshape(40, 40)
    assert (lifted > raw + 1e-3).any()  # the correction lifts some pairs
    assert (eng.structure_part(i, j) > 0).any()
    for quantile in (0.2, 0.5, 0.9):
        thresholds = np.quantile(lifted, quantile, axis=1).astype(np.float32)
        reaching = lifted >= thresholds[:, None]
        assert (
            raw[reaching] >= np.broadcast_to(eng._floor(thresholds, rows)[:, None], raw.shape)[reaching] - 1e-6
        ).all()


def test_against_columns_of_its_own_language_a_row_needs_no_lower_floor():
    """A block of German columns cannot lift a German row's pairs; English ones lift them fully."""
    records = [
        org(f"{lang}_{n}", needs=unit(1, n), offers=unit(n, 1), **speaking(german))
        for lang, german in (("de", 1.0), ("en", 0.0))
        for n in range(2)
    ]
    eng = Prefilter(build(records, dim=DIM), Params.from_mapping({"cross_language_scale": 0.8}))
    german, english = slice(0, 2), slice(2, 4)
    thresholds = np.asarray([0.5, -0.5], dtype=np.float32)
    np.testing.assert_allclose(eng._floor(thresholds, german, german), [0.5, -0.5])
    np.testing.assert_allclose(eng._floor(thresholds, german, english), [0.4, -0.5])
    np.testing.assert_allclose(eng._floor(thresholds, german), [0.4, -0.5])  # against everybody


def test_the_corpus_gives_the_english_texts_before_the_german_ones_among_the_needs_and_the_rest():
    records = [
        org("de_need", needs=unit(1), **speaking(1.0)),
        org("de_offer", offers=unit(1), **speaking(1.0)),
        org("en_need", needs=unit(1), **speaking(0.0)),
        org("both_need", needs=unit(1), **speaking(0.5)),
        org("en_offer", offers=unit(1), **speaking(0.0)),
    ]
    assert [r.id for r in needs_first(records)] == ["en_need", "both_need", "de_need", "en_offer", "de_offer"]


def test_the_thresholds_are_those_of_the_corrected_values():
    """With every column in the sample, a row's threshold is its candidates-th largest corrected
    value against the others."""
    rng = np.random.default_rng(6)
    records = [
        org(n, offers=unit(*rng.standard_normal(DIM)), needs=unit(*rng.standard_normal(DIM)), **speaking(g), **place(n))
        for n, g in enumerate(rng.choice([0.0, 1.0, 0.5], size=60))
    ]
    eng = Prefilter(build(records, dim=DIM), Params.from_mapping({"k": 3, "candidates": 7}))
    rows = np.arange(60)
    forward, backward = eng.products(eng.X, eng.Y)
    i, j = np.repeat(rows, 60), np.tile(rows, 60)
    lifted = eng.candidate_value(i, j, eng.scale * forward.ravel(), eng.scale * backward.ravel()).reshape(60, 60)
    np.fill_diagonal(lifted, -np.inf)
    expected = np.sort(lifted, axis=1)[:, -7]
    np.testing.assert_allclose(eng.thresholds(rows), expected, atol=1e-5)


@pytest.mark.parametrize("weight", [-0.1, float("nan")])
def test_a_negative_structure_weight_of_the_prefilter_is_refused(weight):
    with pytest.raises(ValueError, match="prefilter_structure"):
        Params.from_mapping({"prefilter_structure": weight})


@pytest.mark.parametrize("scale", [0.0, -0.5, 1.2])
def test_a_scale_outside_zero_to_one_is_refused(scale):
    with pytest.raises(ValueError, match="cross_language_scale"):
        Params.from_mapping({"cross_language_scale": scale})


def test_a_generation_started_before_the_correction_is_resumed_without_it():
    stored = Params().as_dict()
    del stored["cross_language_scale"]
    assert Params.from_stored(stored).cross_language_scale == 1.0
    assert Params.from_stored(Params().as_dict()).cross_language_scale == Params().cross_language_scale


def test_parameters_pickled_before_the_correction_come_back_without_it():
    """A generation's snapshot keeps its parameters pickled; one prepared before the correction
    goes on without it (its weights were fitted without it), whatever the default now is."""
    old = Params.from_mapping({"k": 7})
    del old.__dict__["cross_language_scale"]  # as the code before the correction pickled it
    revived = pickle.loads(pickle.dumps(old))
    assert (revived.cross_language_scale, revived.k) == (1.0, 7)
    assert pickle.loads(pickle.dumps(Params())).cross_language_scale == Params().cross_language_scale


def test_a_snapshot_pickled_before_the_language_shares_counts_both_languages_as_unknown():
    corpus = build(world(), dim=DIM)
    old = pickle.loads(pickle.dumps(corpus))
    del old.__dict__["offer_german"], old.__dict__["request_german"]
    revived = pickle.loads(pickle.dumps(old))
    assert revived.offer_german.tolist() == [0.5] * 5
    assert revived.request_german.tolist() == [0.5] * 5


def test_the_language_shares_are_weighed_as_the_vectors_are():
    # Two German offer profiles and an English description (half the weight of a profile).
    made = composed([(unit(1), 1.0), (unit(1, 1), 1.0)], [], [(unit(0, 1), 0.0)])
    assert made["offer_german"] == pytest.approx(0.8)
    assert made["request_vector"] is None and made["request_german"] == 0.5
    # The offer vector leans towards the profiles as its share does.
    expected = unit(*(unit(1) + unit(1, 1) + 0.5 * unit(0, 1))[:2])
    np.testing.assert_allclose(made["offer_vector"], expected, rtol=1e-6)
    # A request written in both languages, and nothing offered.
    made = composed([], [(unit(1), 0.5)], [])
    assert (made["offer_vector"], made["offer_german"], made["request_german"]) == (None, 0.5, 0.5)


def test_the_evaluation_file_gives_each_text_its_language():
    data = {
        "organisations": [
            {
                "id": "x",
                "kind": "company",
                "description": {"de": "Wir bauen Roboter.", "en": ""},
                "profiles": [
                    {"type": "technology_request", "language": "en", "title": "Robots", "summary": "", "keywords": []}
                ],
            }
        ]
    }
    (record,) = records_from_file(data, lambda texts, role: np.tile(unit(1), (len(texts), 1)))
    assert (record.offer_german, record.request_german) == (1.0, 0.0)


@pytest.mark.django_db
def test_the_database_gives_each_profile_and_description_its_language():
    organisation = OrganisationFactory(description_de="", description_en="We build mobile robots for hospitals.")
    PartneringProfileFactory(
        organisation=organisation,
        published=True,
        type=ProfileType.TECHNOLOGY_OFFER,
        title_de="Fahrerlose Transportsysteme",
        summary_de="Autonome Fahrzeuge für Kliniken.",
        title_en="Driverless transport systems",
        summary_en="Autonomous vehicles for hospitals.",
    )
    PartneringProfileFactory(
        organisation=organisation,
        published=True,
        type=ProfileType.TECHNOLOGY_REQUEST,
        title_de="Wir suchen Sensoren für die Hinderniserkennung",
        summary_de="Für unsere Fahrzeuge.",
    )
    (record,) = corpus_loading.org_records([organisation.pk])
    # The offer: a profile in both languages (0.5, weight 1) and an English description (weight 0.5).
    assert record.offer_german == pytest.approx(1 / 3)
    assert record.request_german == 1.0
