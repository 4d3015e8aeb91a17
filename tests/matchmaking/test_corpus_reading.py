"""Reading the corpus from the database: the batches read ahead by a thread of their own on
PostgreSQL (``corpus_loading.ReadAhead``), the cached vectors as they were stored (in the binary
format on PostgreSQL). SQLite here, PostgreSQL in CI."""

import threading

import numpy as np
import pytest
from django.db import connection, transaction

from companies.models.organisations import Organisation
from matchmaking import corpus_loading, embedding
from matchmaking.corpus_loading import ReadAhead
from matchmaking.engine import building
from matchmaking.models.generations import TextEmbedding
from tests.factories import OrganisationFactory


def counted(read: list, n: int = 6):
    """n items, each with the thread that read it and what its query found."""
    for item in range(n):
        read.append(item)
        yield item, threading.current_thread().name, Organisation.objects.count()


def read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "corpus-read-ahead"]


@pytest.mark.django_db(transaction=True)
def test_items_are_read_ahead_by_a_thread_of_their_own_on_postgresql():
    OrganisationFactory.create_batch(2)

    with ReadAhead(counted([])) as items:
        got = list(items)

    assert [item for item, _, _ in got] == list(range(6))
    assert all(found == 2 for _, _, found in got)  # its own connection sees what was committed
    reader = "corpus-read-ahead" if connection.vendor == "postgresql" else threading.current_thread().name
    assert {name for _, name, _ in got} == {reader}
    assert not read_ahead_threads()


@pytest.mark.django_db
def test_inside_a_transaction_the_items_are_read_as_they_are_asked_for():
    """Another connection would not see the rows of a transaction that is not committed."""
    OrganisationFactory()
    read = []
    items = iter(ReadAhead(counted(read)))

    assert next(items) == (0, threading.current_thread().name, 1)
    assert read == [0]


@pytest.mark.django_db(transaction=True)
def test_an_error_while_reading_is_raised_to_the_caller():
    def failing():
        yield 1
        raise ValueError("batch 2 could not be read")

    with pytest.raises(ValueError, match="batch 2 could not be read"), ReadAhead(failing()) as items:
        assert list(items)
    assert not read_ahead_threads()


@pytest.mark.django_db(transaction=True)
def test_closing_stops_the_reading_where_the_queue_is_full():
    read = []
    reading = ReadAhead(counted(read), depth=1)

    first = next(iter(reading))
    reading.close()

    assert first[0] == 0
    assert len(read) <= 3  # the one taken, the one queued, the one waiting for room
    assert not read_ahead_threads()


@pytest.mark.django_db(transaction=True)
def test_a_failed_fit_of_the_sample_stops_the_reading(monkeypatch):
    OrganisationFactory.create_batch(5)
    monkeypatch.setattr(building, "FIT_ORGANISATIONS", 2)

    def fails(records, dims=64):
        raise RuntimeError("no memory for the fit")

    monkeypatch.setattr(building, "fit_lexical", fails)
    with pytest.raises(RuntimeError, match="no memory for the fit"):
        corpus_loading.build_corpus(batch=2)
    assert not read_ahead_threads()


@pytest.mark.django_db(transaction=True)
def test_a_corpus_read_ahead_is_the_corpus_read_in_line(monkeypatch):
    OrganisationFactory.create_batch(7)
    monkeypatch.setattr(building, "FIT_ORGANISATIONS", 3)
    ahead = corpus_loading.build_corpus(batch=2)

    with transaction.atomic():  # read in line
        in_line = corpus_loading.build_corpus(batch=2)

    assert list(ahead.ids) == list(in_line.ids) and ahead.n == 7
    np.testing.assert_array_equal(ahead.offer, in_line.offer)
    np.testing.assert_allclose(ahead.lex_offer, in_line.lex_offer, atol=1e-6)


@pytest.mark.django_db
def test_cached_vectors_come_back_as_they_were_stored():
    texts = ["Kühlkettenlogistik für Laborproben", "quality inspection by camera", "Weberei"]
    vectors = np.random.default_rng(2).standard_normal((3, embedding.DIM)).astype(np.float32)
    TextEmbedding.objects.bulk_create(
        TextEmbedding(model=embedding.MODEL_NAME, text_hash=embedding.text_hash(t), vector=v.tobytes())
        for t, v in zip(texts, vectors, strict=True)
    )

    found = embedding.embed_cached(texts + ["", "  "])

    assert found.keys() == set(texts)
    for text, vector in zip(texts, vectors, strict=True):
        assert found[text].dtype == np.float32 and np.array_equal(found[text], vector)
