"""The cross-language correction of the text similarity: a German need meets an English offer that
answers it before a German one that only shares its words, how much of each organisation's text is
German (from the database and from an evaluation file), and generations and snapshots from before
the correction. Hand-made vectors, except where the database's texts are read."""

import pickle

import numpy as np
import pytest

from companies.choices import ProfileType
from matchmaking import corpus_loading
from matchmaking.engine.corpus import build
from matchmaking.engine.engine import Engine
from matchmaking.engine.evaluation import records_from_file
from matchmaking.engine.params import Params
from matchmaking.engine.records import OrgRecord, composed
from matchmaking.engine.scoring import across_languages
from tests.factories import OrganisationFactory, PartneringProfileFactory
from tests.matchmaking.hand_made import DIM, org, unit


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
    (record,) = corpus_loading.org_records(corpus_loading.organisations_queryset().filter(pk=organisation.pk))
    # The offer: a profile in both languages (0.5, weight 1) and an English description (weight 0.5).
    assert record.offer_german == pytest.approx(1 / 3)
    assert record.request_german == 1.0
