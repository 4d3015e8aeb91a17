"""load_demo's last step: partner suggestions are computed when there are none or when the loader
added what the matching reads, and the run's tasks are delivered by the command itself, so the
generation is active when it returns even inside a transaction (where the outbox delivers nothing
before the commit). The demo itself is loaded once, in tests/test_demo.py; this uses a small world."""

from collections import Counter

import pytest

from matchmaking import corpus_loading
from matchmaking.choices import GenerationState
from matchmaking.models.generations import MatchGeneration
from matchmaking.models.matches import Match
from matchmaking.services import engines
from tests.factories import OrganisationFactory, PartneringProfileFactory
from wfs_portal.demo.matches import matches_ensure

pytestmark = pytest.mark.django_db

PROFILES = [
    ("Kühlkette Leipzig GmbH", "business_offer", "Kühlkettenlogistik für Labore", "Temperaturgeführter Transport."),
    ("Klinik Labor Dresden", "business_request", "Probentransport gesucht", "Transport klinischer Proben, gekühlt."),
    ("Sensorik Chemnitz GmbH", "technology_offer", "Temperaturlogger", "Funkende Datenlogger für die Kühlkette."),
]


@pytest.fixture(autouse=True)
def _small_world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MATCHING = {"k": 2}
    settings.MATCHING_BLOCK_SIZE = 2  # several chunks, so that the delivery loop goes round
    engines.forget()
    corpus_loading._cache.clear()
    for name, kind, title, summary in PROFILES:
        PartneringProfileFactory(
            organisation=OrganisationFactory(name=name),
            type=kind,
            published=True,
            title_de=title,
            summary_de=summary,
            title_en="",
            summary_en="",
        )


def test_a_first_load_computes_and_activates_a_generation():
    outcome = matches_ensure(created=Counter({"companies.Organisation": 3}))

    assert outcome.computed
    outcome.generation.refresh_from_db()
    assert outcome.generation.state == GenerationState.ACTIVE
    assert Match.objects.filter(generation=outcome.generation).exists()


def test_a_run_that_added_nothing_the_matching_reads_keeps_the_active_generation():
    first = matches_ensure(created=Counter()).generation

    outcome = matches_ensure(created=Counter({"fairs.TradeFair": 4, "auth.User": 2}))

    assert not outcome.computed
    assert outcome.generation.pk == first.pk
    assert MatchGeneration.objects.count() == 1
    assert "no organisations, profiles or cluster ties were added" in outcome.reason


@pytest.mark.parametrize(
    "label", ["companies.Organisation", "companies.PartneringProfile", "companies.ClusterMembership"]
)
def test_a_run_that_added_what_the_matching_reads_computes_again(label):
    first = matches_ensure(created=Counter()).generation

    outcome = matches_ensure(created=Counter({label: 1}))

    assert outcome.computed
    assert outcome.generation.pk != first.pk
    assert label in outcome.reason
    assert MatchGeneration.objects.get(pk=outcome.generation.pk).state == GenerationState.ACTIVE
    assert MatchGeneration.objects.get(pk=first.pk).state == GenerationState.RETIRED


def test_a_failing_computation_is_reported_not_waited_for(monkeypatch):
    def failing(*, generation_id, index):
        raise RuntimeError("worker lost")

    monkeypatch.setattr("matchmaking.services.generations.match_map_chunk", failing)

    outcome = matches_ensure(created=Counter(), timeout=5)

    assert outcome.generation.state == GenerationState.BUILDING
    assert "worker lost" in outcome.generation.error
