"""The lexical model of a corpus (``lexical.LexicalModel``): scikit-learn's terms and weights with
its own counting, fitted on the texts of a sample of a large corpus's organisations, transforming
texts a slice at a time, with the same vectors as the corpus's own for a text transformed later (an
organisation that changed), and reading the models of earlier snapshots. No database."""

import pickle
import random

import numpy as np

from matchmaking.engine import building
from matchmaking.engine.building import fit_sample
from matchmaking.engine.lexical import Chunks, LexicalModel, char_terms

WORDS = [
    "Kühlkette",
    "Logistik",
    "Laborproben",
    "Sensorik",
    "Fertigung",
    "Robotik",
    "Transport",
    "Klinik",
    "Weberei",
    "Kamera",
    "Prüfung",
    "Kunststoff",
    "Spritzguss",
    "Wasserstoff",
    "Elektrolyse",
    "Batterie",
    "Recycling",
    "Holzbau",
    "Brauerei",
    "cold",
    "chain",
    "logistics",
    "samples",
    "sensors",
    "manufacturing",
    "robots",
    "hospital",
    "weaving",
    "inspection",
]


def texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) if i % 5 else "" for i in range(n)]


ODD = [
    "",
    "  ",
    "a b",
    "x",
    "abc",
    "İstanbul Straße naïve ½ ² ﬁsch",
    "a\u00a0b c\td",
    "Ä-Ö_ü 12 3d",
    "¨foo",
    "Kühl-\nkette!",
]


def sklearn_vectors(corpus: list[str], dims: int) -> np.ndarray:
    """The lexical vectors as scikit-learn's own vectorizers and SVD make them."""
    from scipy.sparse import hstack
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(sublinear_tf=True, strip_accents="unicode", lowercase=True)
    grams = TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(4, 5), lowercase=True)
    matrix = hstack([words.fit_transform(corpus), grams.fit_transform(corpus)]).tocsr()
    dense = TruncatedSVD(n_components=dims, random_state=0).fit_transform(matrix).astype(np.float32)
    dense[[not t.strip() for t in corpus]] = 0
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    return np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0)


def test_the_terms_and_vectors_are_scikit_learn_s():
    from sklearn.feature_extraction.text import TfidfVectorizer

    corpus = texts(120, seed=5) + ODD
    model = LexicalModel(dims=8).fit(corpus)

    words, grams = model.terms
    assert words.vocabulary == TfidfVectorizer(strip_accents="unicode").fit(corpus).vocabulary_
    assert grams.vocabulary == TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 5)).fit(corpus).vocabulary_
    np.testing.assert_allclose(model.transform(corpus), sklearn_vectors(corpus, 8), atol=1e-5)


def test_character_grams_of_short_and_long_words_are_scikit_learn_s():
    from sklearn.feature_extraction.text import CountVectorizer

    analyse = CountVectorizer(analyzer="char_wb", ngram_range=(4, 5)).build_analyzer()
    for word in ("a", "ab", "abc", "abcd", "abcde", "kühlkettenlogistik"):
        assert char_terms(word) == analyse(word), word


def test_texts_transformed_a_slice_at_a_time_or_later_get_the_same_vectors(monkeypatch):
    corpus = texts(250)
    model = LexicalModel(dims=8).fit(corpus[:60])
    monkeypatch.setattr(LexicalModel, "STEP", 17)
    vectors = model.transform(corpus)

    assert vectors.shape == (250, 8) and vectors.dtype == np.float32
    empty = np.asarray([not t for t in corpus])
    assert not vectors[empty].any()
    np.testing.assert_allclose(np.linalg.norm(vectors[~empty], axis=1), 1.0, rtol=1e-5)
    # A text transformed later gets the vector the corpus gave it, also after the chunks seen so
    # far were let go; slices change nothing.
    np.testing.assert_allclose(model.transform(corpus[100:103]), vectors[100:103], atol=1e-6)
    monkeypatch.setattr(Chunks, "LIMIT", 5)
    np.testing.assert_allclose(model.transform(corpus[100:103]), vectors[100:103], atol=1e-6)
    assert len(model._chunks.names) < len(set(" ".join(corpus).lower().split()))  # started anew
    monkeypatch.setattr(LexicalModel, "STEP", 1000)
    np.testing.assert_allclose(LexicalModel(dims=8).fit(corpus[:60]).transform(corpus), vectors, atol=1e-6)


def test_a_snapshot_s_model_of_scikit_learn_s_vectorizers_transforms_as_before():
    """Snapshots stored before the model counted its terms itself hold scikit-learn's vectorizers."""
    from scipy.sparse import hstack
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    corpus = texts(80, seed=2) + ODD
    vectorizers = [
        TfidfVectorizer(sublinear_tf=True, strip_accents="unicode", lowercase=True).fit(corpus),
        TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(4, 5), lowercase=True).fit(corpus),
    ]
    svd = TruncatedSVD(n_components=8, random_state=0).fit(hstack([v.transform(corpus) for v in vectorizers]).tocsr())
    old = pickle.dumps({"dims": 8, "seed": 0, "vectorizers": vectorizers, "svd": svd})
    model = LexicalModel.__new__(LexicalModel)
    model.__setstate__(pickle.loads(old))

    expected = svd.transform(hstack([v.transform(corpus) for v in vectorizers]).tocsr()).astype(np.float32)
    expected[[not t.strip() for t in corpus]] = 0
    norms = np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(
        model.transform(corpus), np.divide(expected, norms, out=np.zeros_like(expected), where=norms > 0), atol=1e-5
    )
    assert pickle.loads(pickle.dumps(model)).transform(corpus[:5]).shape == (5, 8)


def test_a_large_corpus_is_fitted_on_a_sample_of_its_organisations(monkeypatch):
    assert list(fit_sample(7)) == list(range(7))
    monkeypatch.setattr(building, "FIT_ORGANISATIONS", 60)
    sample = fit_sample(250)
    assert len(sample) == 60 == len(set(sample)) and list(sample) == sorted(sample) and sample[-1] < 250
    assert list(fit_sample(250)) == list(sample)  # the same every time


def test_the_sampled_fit_still_finds_a_text_s_near_duplicate_first(monkeypatch):
    monkeypatch.setattr(building, "FIT_ORGANISATIONS", 60)
    corpus = texts(250, seed=3)
    corpus[7] = "Kühlkettenlogistik für Laborproben mit Datenlogger"
    corpus[200] = "Kühlkette Laborproben Logistik"
    vectors = LexicalModel(dims=8).fit([corpus[i] for i in fit_sample(250)]).transform(corpus)

    similarities = vectors @ vectors[7]
    similarities[7] = -1
    assert int(np.argmax(similarities)) == 200


def test_texts_without_a_word_give_zero_vectors():
    model = LexicalModel(dims=8)
    assert model.fit_transform(["", "  ", ""]).shape == (3, 1)
    assert model.transform([]).shape == (0, 1)


def test_a_text_s_vector_is_the_same_whatever_was_transformed_with_it_before():
    """Whatever order the model saw the chunks in (a corpus built a batch at a time, an
    organisation transformed later)."""
    corpus = [t for t in texts(400, seed=7) if t]
    for fitted_on in (corpus[:6], corpus[:40], corpus):
        model = LexicalModel(dims=8).fit(fitted_on)
        forward = model.transform(corpus)

        fresh = pickle.loads(pickle.dumps(model))
        backward = fresh.transform(corpus[::-1])[::-1]
        by_slices = [fresh.transform(corpus[start : start + 7]) for start in range(0, len(corpus), 7)]

        assert np.array_equal(backward, forward) and np.array_equal(np.concatenate(by_slices), forward)
