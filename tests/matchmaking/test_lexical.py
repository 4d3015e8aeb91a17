"""The lexical model of a corpus (``corpus.LexicalModel``): fitted on every text of a small corpus,
on a sample of a large one, and transforming texts a slice at a time, with the same vectors as the
corpus's own for a text transformed later (an organisation that changed). No database."""

import random

import numpy as np
import pytest

from matchmaking.engine.corpus import LexicalModel

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


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(LexicalModel, "FIT_TEXTS", 60)
    monkeypatch.setattr(LexicalModel, "STEP", 17)


def test_a_large_corpus_is_fitted_on_a_sample_and_transformed_a_slice_at_a_time(small_limits, monkeypatch):
    corpus = texts(250)
    fitted_on = []
    real_fit = LexicalModel._fit
    monkeypatch.setattr(
        LexicalModel, "_fit", lambda self, some, **kw: fitted_on.append(len(some)) or real_fit(self, some, **kw)
    )
    model = LexicalModel(dims=8)

    vectors = model.fit_transform(corpus)

    assert fitted_on == [60]
    assert vectors.shape == (250, 8) and vectors.dtype == np.float32
    empty = np.asarray([not t for t in corpus])
    assert not vectors[empty].any()
    np.testing.assert_allclose(np.linalg.norm(vectors[~empty], axis=1), 1.0, rtol=1e-5)
    # A text transformed later gets the vector the corpus gave it; slices change nothing.
    np.testing.assert_allclose(model.transform(corpus[100:103]), vectors[100:103], atol=1e-6)
    monkeypatch.setattr(LexicalModel, "STEP", 1000)
    np.testing.assert_allclose(model.transform(corpus), vectors, atol=1e-6)


def test_the_sampled_fit_still_finds_a_text_s_near_duplicate_first(small_limits):
    corpus = texts(250, seed=3)
    corpus[7] = "Kühlkettenlogistik für Laborproben mit Datenlogger"
    corpus[200] = "Kühlkette Laborproben Logistik"
    vectors = LexicalModel(dims=8).fit_transform(corpus)

    similarities = vectors @ vectors[7]
    similarities[7] = -1
    assert int(np.argmax(similarities)) == 200


def test_a_small_corpus_is_fitted_on_all_its_texts():
    corpus = texts(40)
    model = LexicalModel(dims=8)
    vectors = model.fit_transform(corpus)

    words = {w.lower() for t in corpus for w in t.split()}
    assert len(model.vectorizers[0].vocabulary_) == len(words)  # accents stripped: ü and u are one
    np.testing.assert_allclose(model.transform(corpus), vectors, atol=1e-5)


def test_texts_without_a_word_give_zero_vectors():
    model = LexicalModel(dims=8)
    assert model.fit_transform(["", "  ", ""]).shape == (3, 1)
    assert model.transform([]).shape == (0, 1)
