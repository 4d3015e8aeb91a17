"""Matchmaking with the database: a full recompute into a new generation and the switch, a failure
between chunks (the previous generation stays served, a re-run completes the new one), the
incremental update, staff overrides, feedback, reasons in both languages, the admin, the evaluation
command on the labelled set, and the Celery workflow on a real worker (CI)."""

import datetime
import time

import numpy as np
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from threadpoolctl import threadpool_info, threadpool_limits

from companies.choices import OrganisationKind, ProfileType
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.services.organisations import organisation_unverify
from matchmaking import corpus_loading
from matchmaking.choices import GenerationState
from matchmaking.engine import building
from matchmaking.engine.corpus import ROW_FIELDS, assemble
from matchmaking.engine.engine import Engine
from matchmaking.engine.params import LEARNED_PREFILTER_STRUCTURE, Params
from matchmaking.models.generations import MatchChunk, MatchGeneration
from matchmaking.models.matches import Match, MatchOverride
from matchmaking.reasons import render_all
from matchmaking.selectors import matches_for
from matchmaking.services import engines
from matchmaking.services import generations as matching_services
from matchmaking.services.generations import match_generation_activate, match_generation_start
from matchmaking.services.incremental import changed_since, match_organisation_update
from matchmaking.services.steering import match_feedback_give, match_override_set
from matchmaking.services.writer import write_matches
from outbox.choices import MessageState
from outbox.models import OutboxMessage
from tests.factories import (
    ClusterFactory,
    ClusterMembershipFactory,
    ContactRequestFactory,
    MatchExclusionFactory,
    OrganisationFactory,
    PartnerApiKeyFactory,
    PartneringProfileFactory,
    SectorFactory,
    TechnologyFieldFactory,
)
from tests.factories_webhooks import WebhookEndpointFactory
from webhooks.models import WebhookDelivery
from wfs_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

TEXTS = {
    # (offer title, offer summary), (request title, request summary): complementary across languages
    "courier": (
        ProfileType.BUSINESS_OFFER,
        "de",
        "Kühlkettenkurier für Laborproben",
        "Wir transportieren temperaturempfindliche Proben bei 2–8 °C mit lückenlosem Datenlogger.",
    ),
    "clinic": (
        ProfileType.BUSINESS_REQUEST,
        "en",
        "Transport of clinical samples wanted",
        "Our hospital laboratory needs a partner to ship blood samples at controlled temperature.",
    ),
    "software": (
        ProfileType.TECHNOLOGY_OFFER,
        "en",
        "AI image analysis for quality inspection",
        "Our software detects defects in camera images of products on the production line.",
    ),
    "mill": (
        ProfileType.TECHNOLOGY_REQUEST,
        "de",
        "Automatische Fehlererkennung für Gewebe gesucht",
        "Unsere Weberei sucht ein System, das Webfehler im laufenden Stoff per Kamera erkennt.",
    ),
    "printer": (
        ProfileType.BUSINESS_OFFER,
        "de",
        "Druck von Werbebroschüren",
        "Offsetdruck von Katalogen und Flyern in kleinen und großen Auflagen.",
    ),
    "baker": (
        ProfileType.BUSINESS_OFFER,
        "de",
        "Backwaren für Kantinen",
        "Frische Brötchen und Kuchen für Betriebskantinen in Dresden.",
    ),
}


# Two research partners looking for the same joint project, outside the world of the other tests.
JOINT_PROJECT = {
    "consortium": (
        ProfileType.RD_REQUEST,
        "de",
        "Partner für ein Verbundprojekt zu Natrium-Ionen-Batterien gesucht",
        "Wir suchen Forschungspartner für einen gemeinsamen Förderantrag zu Kathoden für Natrium-Ionen-Zellen.",
    ),
    "joint_research": (
        ProfileType.RD_REQUEST,
        "en",
        "Consortium partner for sodium-ion battery research",
        "We look for research partners for a joint grant proposal on cathode materials for sodium-ion cells.",
    ),
}


def with_profile(name: str, texts: dict = TEXTS, **org_fields) -> Organisation:
    ptype, language, title, summary = texts[name]
    organisation = OrganisationFactory(name=name, description_de="", description_en="", **org_fields)
    PartneringProfileFactory(
        organisation=organisation,
        type=ptype,
        published=True,
        title_de=title if language == "de" else "",
        summary_de=summary if language == "de" else "",
        keywords_de="",
        title_en=title if language == "en" else "",
        summary_en=summary if language == "en" else "",
    )
    return organisation


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    """Snapshots in a temporary folder; no engine cached from another test."""
    settings.MEDIA_ROOT = tmp_path
    settings.MATCHING = {"k": 3, "min_score": 0.0}  # full lists: the pipeline is under test, not the floor
    settings.MATCHING_BLOCK_SIZE = 2  # several map and reduce chunks even for a few organisations
    engines.forget()
    corpus_loading._cache.clear()


@pytest.fixture
def world():
    return {name: with_profile(name) for name in TEXTS}


def run_full(django_capture_on_commit_callbacks) -> MatchGeneration:
    with django_capture_on_commit_callbacks(execute=True):
        generation = match_generation_start()
    generation.refresh_from_db()
    return generation


def partners(organisation: Organisation) -> list[str]:
    return [m.partner.name for m in matches_for(organisation)]


def test_full_run_builds_and_activates_a_generation(world, django_capture_on_commit_callbacks):
    generation = run_full(django_capture_on_commit_callbacks)

    assert generation.state == GenerationState.ACTIVE
    assert generation.chunks_done == generation.chunks_total > 2
    assert generation.progress == 100
    assert generation.duration is not None
    # Cross-language complementarity: the German courier serves the English clinic request.
    assert partners(world["clinic"])[0] == "courier"
    assert partners(world["mill"])[0] == "software"
    assert all(len(partners(o)) == 3 for o in world.values())


def test_unverified_organisations_are_neither_listed_nor_proposed(world, django_capture_on_commit_callbacks):
    newcomer = with_profile("baker", self_registered=True)
    newcomer.name = "newcomer"
    newcomer.save()

    run_full(django_capture_on_commit_callbacks)

    assert not matches_for(newcomer).exists()
    assert not Match.objects.filter(partner=newcomer).exists()


def fail_reduce_chunk(monkeypatch, failing_index: int):
    """The reduce chunk ``failing_index`` fails ("worker lost"); returns the real service."""
    real_reduce = matching_services.match_reduce_chunk

    def failing(*, generation_id, index):
        if index == failing_index:
            raise RuntimeError("worker lost")
        return real_reduce(generation_id=generation_id, index=index)

    monkeypatch.setattr("matchmaking.services.generations.match_reduce_chunk", failing)
    return real_reduce


def test_a_failed_chunk_leaves_the_previous_generation_served_and_a_rerun_completes_it(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    first = run_full(django_capture_on_commit_callbacks)
    before = partners(world["clinic"])
    real_reduce = fail_reduce_chunk(monkeypatch, 1)
    # The chunk's task fails after its retries (logged, as a worker logs it); the request that
    # started the run is not bothered.
    with django_capture_on_commit_callbacks(execute=True):
        match_generation_start()

    second = MatchGeneration.objects.exclude(pk=first.pk).get()
    assert second.state == GenerationState.BUILDING
    assert "worker lost" in second.error
    assert MatchGeneration.objects.get(pk=first.pk).state == GenerationState.ACTIVE
    assert partners(world["clinic"]) == before  # readers still see the complete first generation
    done_before = set(second.chunks.filter(done_at__isnull=False).values_list("phase", "index"))
    assert ("reduce", 1) not in done_before

    monkeypatch.setattr("matchmaking.services.generations.match_reduce_chunk", real_reduce)
    resumed = run_full(django_capture_on_commit_callbacks)

    assert resumed.pk == second.pk  # the same generation, completed
    assert resumed.state == GenerationState.ACTIVE
    assert MatchGeneration.objects.get(pk=first.pk).state == GenerationState.RETIRED
    # Chunks that were done were not computed again.
    assert set(MatchChunk.objects.filter(generation=resumed, phase="map").values_list("done_at", flat=True)) == set(
        MatchChunk.objects.filter(generation=second, phase="map").values_list("done_at", flat=True)
    )
    assert partners(world["clinic"])[0] == "courier"


def building_with_reduce_chunk_left(monkeypatch, django_capture_on_commit_callbacks, index: int = 1):
    """A generation whose reduce chunk ``index`` failed, everything else done: (generation, the
    chunk, the real reduce service)."""
    real_reduce = fail_reduce_chunk(monkeypatch, index)
    with django_capture_on_commit_callbacks(execute=True):
        match_generation_start()
    monkeypatch.setattr("matchmaking.services.generations.match_reduce_chunk", real_reduce)
    generation = MatchGeneration.objects.get(state=GenerationState.BUILDING)
    return generation, generation.chunks.get(phase="reduce", index=index), real_reduce


def lists_of(generation: MatchGeneration) -> list[tuple]:
    return list(
        Match.objects.filter(generation=generation)
        .order_by("organisation", "rank")
        .values_list("organisation", "rank", "partner")
    )


def test_a_reduce_chunk_commits_its_lists_with_its_done_mark_and_deletes_nothing(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    generation, chunk, real_reduce = building_with_reduce_chunk_left(monkeypatch, django_capture_on_commit_callbacks)
    before = len(lists_of(generation))

    # The mark fails after the lists were written: neither the lists nor the mark are kept.
    real_done = matching_services._claim_done

    def lost(chunk, seconds):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(matching_services, "_claim_done", lost)
    with pytest.raises(RuntimeError):
        real_reduce(generation_id=generation.pk, index=chunk.index)
    chunk.refresh_from_db()
    assert chunk.done_at is None and chunk.claimed_at is None
    assert len(lists_of(generation)) == before

    # The next attempt writes the lists without a DELETE (nothing of the chunk can be there).
    monkeypatch.setattr(matching_services, "_claim_done", real_done)
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        assert real_reduce(generation_id=generation.pk, index=chunk.index)
    assert not [q for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    chunk.refresh_from_db()
    assert chunk.done_at is not None
    assert len(lists_of(generation)) > before
    generation.refresh_from_db()
    assert generation.state == GenerationState.ACTIVE and generation.chunks_done == generation.chunks_total


def test_lists_committed_without_the_done_mark_are_replaced(world, django_capture_on_commit_callbacks, monkeypatch):
    """Lists of a reduce chunk that an attempt committed without marking the chunk done (as chunks
    were written before the two were one transaction) are replaced, not doubled."""
    generation, chunk, real_reduce = building_with_reduce_chunk_left(monkeypatch, django_capture_on_commit_callbacks)
    monkeypatch.setattr(matching_services, "_claim_done", lambda *a, **k: None)
    assert real_reduce(generation_id=generation.pk, index=chunk.index)  # lists written, no mark
    written = lists_of(generation)
    MatchChunk.objects.filter(pk=chunk.pk).update(claimed_at=None)
    monkeypatch.undo()

    with django_capture_on_commit_callbacks(execute=True):
        assert matching_services.match_reduce_chunk(generation_id=generation.pk, index=chunk.index)

    generation.refresh_from_db()
    assert generation.state == GenerationState.ACTIVE
    assert lists_of(generation) == written


def test_a_reduce_chunk_finished_by_another_worker_meanwhile_writes_nothing(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    generation, chunk, _ = building_with_reduce_chunk_left(monkeypatch, django_capture_on_commit_callbacks)
    before = lists_of(generation)
    claimed = matching_services._claim(generation.pk, MatchChunk.Phase.REDUCE, chunk.index)
    # Its claim went stale, another worker took the chunk and finished it.
    MatchChunk.objects.filter(pk=chunk.pk).update(done_at=timezone.now())

    assert not matching_services._reduce(claimed, generation.pk, chunk.index, time.perf_counter())

    assert lists_of(generation) == before


def test_a_generation_whose_snapshot_is_gone_is_prepared_again_when_it_is_resumed(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    """The volume of the generation files was lost while a run waited to be resumed: its chunks
    could never read the snapshot, so the resumed run prepares it again, without the files and
    matches of the first attempt."""
    real_reduce = fail_reduce_chunk(monkeypatch, 1)
    with django_capture_on_commit_callbacks(execute=True):
        match_generation_start()
    first = MatchGeneration.objects.get()
    assert first.state == GenerationState.BUILDING and Match.objects.filter(generation=first).exists()
    corpus_loading.delete_generation_files(first.pk)  # the volume emptied
    engines.forget()  # a new worker: nothing in memory either
    corpus_loading._cache.clear()
    monkeypatch.setattr("matchmaking.services.generations.match_reduce_chunk", real_reduce)

    resumed = run_full(django_capture_on_commit_callbacks)

    assert resumed.pk == first.pk and resumed.state == GenerationState.ACTIVE
    assert resumed.snapshot != first.snapshot and default_storage.exists(resumed.snapshot)
    assert resumed.attempts == first.attempts + 1 and resumed.chunks_done == resumed.chunks_total
    assert partners(world["clinic"])[0] == "courier"
    assert all(len(partners(o)) == 3 for o in world.values())


def test_old_generations_are_cleaned_up(world, django_capture_on_commit_callbacks):
    generations = [run_full(django_capture_on_commit_callbacks) for _ in range(3)]

    states = dict(MatchGeneration.objects.values_list("pk", "state"))
    assert states == {generations[1].pk: GenerationState.RETIRED, generations[2].pk: GenerationState.ACTIVE}
    assert not Match.objects.filter(generation=generations[0]).exists()


def test_a_worker_that_outlived_its_database_computes_the_new_generation_of_the_same_number(
    world, django_capture_on_commit_callbacks
):
    """A database emptied or restored numbers its generations anew; a worker process keeps the
    engine and snapshot of the old generation of that number. The new one must not be computed with
    them (an organisation added since would have no list)."""
    first = run_full(django_capture_on_commit_callbacks)
    Match.objects.all().delete()
    MatchGeneration.objects.all().delete()
    newcomer = with_profile("clinic")
    newcomer.name = "second clinic"
    newcomer.save()
    # The generation of the same number, left half-done by a lost worker: the next start resumes it.
    MatchGeneration.objects.create(pk=first.pk, parameters=first.parameters, error="worker lost", attempts=1)

    second = run_full(django_capture_on_commit_callbacks)

    assert second.pk == first.pk and second.state == GenerationState.ACTIVE
    assert second.organisations == len(world) + 1
    assert partners(newcomer)[0] == "courier"
    assert second.snapshot != first.snapshot


def test_incremental_update_puts_a_new_partner_into_the_right_lists(world, django_capture_on_commit_callbacks):
    run_full(django_capture_on_commit_callbacks)
    assert "rival courier" not in partners(world["clinic"])

    rival = with_profile("courier")
    rival.name = "rival courier"
    rival.save()
    match_organisation_update(organisation_id=rival.pk)

    assert "rival courier" in partners(world["clinic"])[:2]
    assert "rival courier" not in partners(world["printer"])[:1]
    assert partners(rival)[0] == "clinic"


def test_an_incremental_update_writes_only_the_places_that_change(world, django_capture_on_commit_callbacks):
    run_full(django_capture_on_commit_callbacks)
    before = {m.rank: (m.pk, m.partner.name) for m in matches_for(world["clinic"])}

    rival = with_profile("courier")
    rival.name = "rival courier"
    rival.save()
    match_organisation_update(organisation_id=rival.pk)

    after = {m.rank: (m.pk, m.partner.name) for m in matches_for(world["clinic"])}
    entered = next(rank for rank, (_, name) in after.items() if name == "rival courier")
    assert [after[rank] for rank in range(entered)] == [before[rank] for rank in range(entered)]  # kept rows
    moved = [after[rank] for rank in after if rank > entered]
    assert [name for _, name in moved] == [before[rank][1] for rank in range(entered, entered + len(moved))]
    assert not {pk for pk, _ in moved} & {pk for pk, _ in before.values()}  # written anew at their new place


def test_pinning_the_partner_already_at_the_top_is_written(world, django_capture_on_commit_callbacks, staff_user):
    run_full(django_capture_on_commit_callbacks)
    clinic = world["clinic"]
    first = matches_for(clinic).first()
    assert not first.pinned

    with django_capture_on_commit_callbacks(execute=True):
        match_override_set(organisation=clinic, partner=first.partner, action="pin", user=staff_user)

    top = matches_for(clinic).first()
    assert top.partner == first.partner and top.pinned


def test_an_incremental_update_tells_the_partners_webhook_of_its_members_new_match(
    world, django_capture_on_commit_callbacks
):
    partner = OrganisationFactory(kind="network")
    cluster = ClusterFactory(managing_organisation=partner)
    ClusterMembershipFactory(cluster=cluster, organisation=world["clinic"])
    endpoint = WebhookEndpointFactory(
        api_key=PartnerApiKeyFactory(organisation=partner, scopes=["matches:read"]), events=["match.created"]
    )
    run_full(django_capture_on_commit_callbacks)
    after_full_run = set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("pk", flat=True))

    rival = with_profile("courier")
    rival.name = "rival courier"
    rival.save()
    match_organisation_update(organisation_id=rival.pk)

    new = WebhookDelivery.objects.filter(endpoint=endpoint).exclude(pk__in=after_full_run)
    sent = [(d.payload["data"]["organisation"]["id"], d.payload["data"]["partner"]["name"]) for d in new]
    assert sent == [(world["clinic"].pk, "rival courier")]  # the member's new pair, nothing it already had


def test_incremental_update_removes_an_organisation_that_lost_its_verification(
    world, django_capture_on_commit_callbacks
):
    run_full(django_capture_on_commit_callbacks)
    assert "courier" in partners(world["clinic"])

    organisation_unverify(organisation=world["courier"], user=None)
    match_organisation_update(organisation_id=world["courier"].pk)

    assert "courier" not in partners(world["clinic"])
    assert len(partners(world["clinic"])) == 3  # the place was filled
    assert not matches_for(world["courier"]).exists()


def test_saving_a_profile_schedules_an_update_after_the_first_run(world, django_capture_on_commit_callbacks):
    run_full(django_capture_on_commit_callbacks)
    rival = with_profile("software")
    rival.name = "rival software"
    with django_capture_on_commit_callbacks(execute=True):
        rival.save()

    update = OutboxMessage.objects.get(task_name="matchmaking.tasks.match_organisation_update")
    assert update.task_args == [rival.pk] and update.state == MessageState.SENT
    assert "rival software" in partners(world["mill"])


def test_changes_in_quick_succession_make_one_update(world, django_capture_on_commit_callbacks, settings):
    """The debounce: while an organisation's update waits, further changes join it (the outbox's
    coalescing) instead of queuing another one; its due time moves to the delay after the last."""
    run_full(django_capture_on_commit_callbacks)
    rival = with_profile("software")
    settings.MATCHING_DEBOUNCE_SECONDS = 30
    celery_app.conf.task_always_eager = False  # no delivery on commit: the update waits for the relay
    try:
        before = timezone.now()
        rival.name = "rival software"
        rival.save()
        first_due = OutboxMessage.objects.get(task_args=[rival.pk]).available_at
        rival.city = "Chemnitz"
        rival.save()
        PartneringProfile.objects.filter(organisation=rival).first().save()
    finally:
        celery_app.conf.task_always_eager = True

    waiting = OutboxMessage.objects.filter(
        task_name="matchmaking.tasks.match_organisation_update", task_args=[rival.pk]
    )
    assert waiting.count() == 1
    assert waiting.get().state == MessageState.PENDING
    assert waiting.get().available_at >= first_due >= before + datetime.timedelta(seconds=30)


def test_staff_pin_and_hide_take_effect(world, django_capture_on_commit_callbacks, staff_user):
    run_full(django_capture_on_commit_callbacks)
    clinic, baker, courier = world["clinic"], world["baker"], world["courier"]

    with django_capture_on_commit_callbacks(execute=True):
        match_override_set(organisation=clinic, partner=baker, action="pin", user=staff_user)
        match_override_set(organisation=clinic, partner=courier, action="hide", user=staff_user)

    listed = list(matches_for(clinic))
    assert listed[0].partner == baker and listed[0].pinned
    assert courier not in [m.partner for m in listed]
    assert MatchOverride.objects.filter(organisation=clinic).count() == 2


def test_not_relevant_feedback_removes_the_partner(world, django_capture_on_commit_callbacks, staff_user):
    run_full(django_capture_on_commit_callbacks)
    clinic, courier = world["clinic"], world["courier"]

    with django_capture_on_commit_callbacks(execute=True):
        match_feedback_give(organisation=clinic, partner=courier, verdict="not_relevant", user=staff_user)

    assert "courier" not in partners(clinic)


def test_organisations_that_opted_out_are_neither_listed_nor_proposed(world, django_capture_on_commit_callbacks):
    courier = world["courier"]
    courier.matchmaking_opt_out = True
    courier.save()

    run_full(django_capture_on_commit_callbacks)

    assert not matches_for(courier).exists()
    assert not Match.objects.filter(partner=courier).exists()
    assert partners(world["clinic"])  # the others still get their lists


def test_expired_profiles_are_not_matched(world, django_capture_on_commit_callbacks):
    profile = world["clinic"].partnering_profiles.get()
    profile.valid_until = datetime.date.today() - datetime.timedelta(days=1)
    profile.save()

    run_full(django_capture_on_commit_callbacks)

    assert not Match.objects.filter(Q(request_profile_ref=profile.pk) | Q(offer_profile_ref=profile.pk)).exists()
    # The clinic had nothing but that profile: nobody is offered to it for what it no longer asks.
    assert not Match.objects.filter(organisation=world["clinic"], text_forward__gt=0).exists()


def test_an_accepted_introduction_lifts_partners_like_the_introduced_one_not_the_pair(
    world, django_capture_on_commit_callbacks, settings
):
    settings.MATCHING = {"k": 6, "min_score": 0.0}  # everybody in everybody's list: the scores can be compared
    second_printer = OrganisationFactory(name="second printer", description_de="", description_en="")
    PartneringProfileFactory(
        organisation=second_printer,
        type=ProfileType.BUSINESS_OFFER,
        published=True,
        title_de="Digitaldruck von Katalogen",
        summary_de="Wir drucken Kataloge, Flyer und Broschüren in kleinen und großen Auflagen.",
        keywords_de="",
        title_en="",
        summary_en="",
    )
    run_full(django_capture_on_commit_callbacks)
    clinic, printer = world["clinic"], world["printer"]
    pair_before = Match.objects.get(organisation=clinic, partner=printer)
    similar_before = Match.objects.get(organisation=clinic, partner=second_printer)

    with django_capture_on_commit_callbacks(execute=True):
        ContactRequestFactory(requester=clinic, target=printer, state="accepted")
        clinic.save()  # the update an accepted introduction triggers

    pair = Match.objects.get(organisation=clinic, partner=printer)
    back = Match.objects.get(organisation=printer, partner=clinic)
    similar = Match.objects.get(organisation=clinic, partner=second_printer)
    assert similar_before.feedback == 0
    assert similar.feedback > 0 and similar.score > similar_before.score
    # The introduced pair keeps its score on both sides, and its reasons do not claim feedback.
    assert pair.feedback == back.feedback == 0
    assert pair.score == pytest.approx(pair_before.score)
    reasons = render_all([pair, similar], language="en")
    assert "like partners you rated" in reasons[similar.pk]
    assert "like partners you rated" not in reasons[pair.pk]


def test_a_changed_profile_is_rescored_in_the_lists_it_stays_in(world, django_capture_on_commit_callbacks, settings):
    settings.MATCHING = {"k": 5, "min_score": 0.0}
    run_full(django_capture_on_commit_callbacks)
    clinic, courier = world["clinic"], world["courier"]
    before = Match.objects.get(organisation=clinic, partner=courier)
    assert before.rank == 0

    profile = courier.partnering_profiles.get()
    profile.title_de, profile.summary_de = TEXTS["baker"][2:]
    with django_capture_on_commit_callbacks(execute=True):
        profile.save()

    after = Match.objects.get(organisation=clinic, partner=courier)
    assert after.score < before.score - 0.1  # not the stale score of the courier it was
    assert after.rank > 0


def test_a_failed_preparation_is_never_activated_and_a_rerun_prepares_it(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(corpus_loading, "build_corpus", broken)
    with django_capture_on_commit_callbacks(execute=True):
        match_generation_start()

    generation = MatchGeneration.objects.get()
    assert generation.state == GenerationState.BUILDING
    assert generation.snapshot == "" and generation.chunks_total == 0
    assert "database went away" in generation.error
    assert not match_generation_activate(generation_id=generation.pk)
    assert MatchGeneration.objects.get().state == GenerationState.BUILDING

    monkeypatch.undo()
    resumed = run_full(django_capture_on_commit_callbacks)
    assert resumed.pk == generation.pk and resumed.state == GenerationState.ACTIVE
    assert resumed.attempts == 2
    assert partners(world["clinic"])[0] == "courier"


def test_a_building_generation_without_any_sign_of_life_is_resumed(world, django_capture_on_commit_callbacks):
    """One that never started (no start, no heartbeat, no chunk: its first task was lost) counts as
    stalled from its creation, and a start resumes it."""
    lost = MatchGeneration.objects.create()
    MatchGeneration.objects.filter(pk=lost.pk).update(
        created=timezone.now() - datetime.timedelta(seconds=settings.MATCHING_STALL_SECONDS + 1)
    )

    resumed = run_full(django_capture_on_commit_callbacks)

    assert resumed.pk == lost.pk and resumed.state == GenerationState.ACTIVE


def test_a_generation_that_keeps_failing_is_given_up_for_a_fresh_one(world, django_capture_on_commit_callbacks):
    stuck = MatchGeneration.objects.create(error="map chunk 3: MemoryError()", attempts=matching_services.MAX_ATTEMPTS)

    fresh = run_full(django_capture_on_commit_callbacks)

    stuck.refresh_from_db()
    assert stuck.state == GenerationState.FAILED and "given up" in stuck.error
    assert fresh.pk != stuck.pk and fresh.state == GenerationState.ACTIVE


def test_overrides_made_during_a_run_reach_the_new_generation(
    world, django_capture_on_commit_callbacks, monkeypatch, staff_user
):
    run_full(django_capture_on_commit_callbacks)
    clinic, courier = world["clinic"], world["courier"]
    real_activate = matching_services.match_generation_activate

    def activate_after_staff_hid_a_partner(*, generation_id):
        # Every chunk is done; staff hide the courier before the switch. The override's own update
        # goes to the generation that is active now, the old one.
        with django_capture_on_commit_callbacks(execute=True):
            match_override_set(organisation=clinic, partner=courier, action="hide", user=staff_user)
        return real_activate(generation_id=generation_id)

    monkeypatch.setattr(
        "matchmaking.services.generations.match_generation_activate", activate_after_staff_hid_a_partner
    )
    run_full(django_capture_on_commit_callbacks)

    assert "courier" not in partners(clinic)


def test_changed_since_names_organisations_whose_rules_or_profiles_changed(world, staff_user):
    moment = timezone.now()
    world["baker"].partnering_profiles.get().delete()
    MatchExclusionFactory(kind="pair", organisation=world["printer"], other=world["mill"])
    match_feedback_give(organisation=world["software"], partner=world["mill"], verdict="interesting", user=staff_user)

    changed = changed_since(moment)

    assert {world[n].pk for n in ("baker", "printer", "mill", "software")} <= changed
    assert world["courier"].pk not in changed


def test_reasons_are_rendered_in_german_and_english(world, django_capture_on_commit_callbacks):
    run_full(django_capture_on_commit_callbacks)
    top = matches_for(world["clinic"]).select_related("organisation").first()

    german = render_all([top], "de")[top.pk]
    english = render_all([top], "en")[top.pk]

    assert "Kühlkettenkurier für Laborproben" in german and "Transport of clinical samples wanted" in german
    assert german.startswith("bietet")
    assert english.startswith("offers")
    assert german != english


def test_two_institutes_seeking_a_joint_project_are_listed_as_a_co_operation(
    world, django_capture_on_commit_callbacks, settings
):
    """Two research partners asking for the same joint project, in German and in English: each is the
    other's first partner, and the reason says it is a project of the same kind, not a supplier."""
    first = with_profile("consortium", JOINT_PROJECT, kind=OrganisationKind.RESEARCH)
    second = with_profile("joint_research", JOINT_PROJECT, kind=OrganisationKind.UNIVERSITY)
    run_full(django_capture_on_commit_callbacks)

    match = Match.objects.get(organisation=first, rank=0)
    assert match.partner == second
    assert Match.objects.get(organisation=second, rank=0).partner == first
    english = render_all([match], "en")[match.pk]
    german = render_all([match], "de")[match.pk]
    assert "also looks for a partner for a joint project on the same subject" in english
    assert "sucht ebenfalls einen Partner für ein gemeinsames Vorhaben zum selben Thema" in german


# --- admin ---------------------------------------------------------------------------------------


def test_staff_start_a_run_from_the_admin_and_see_its_progress(world, staff_client, django_capture_on_commit_callbacks):
    changelist = reverse("admin:matchmaking_matchgeneration_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:matchmaking_matchgeneration_start"))
    assert response.status_code == 302

    page = staff_client.get(changelist).content.decode()
    assert "<progress" in page
    assert MatchGeneration.objects.get().state == GenerationState.ACTIVE


def test_match_list_in_the_admin_filters_and_pins(world, staff_client, django_capture_on_commit_callbacks):
    run_full(django_capture_on_commit_callbacks)
    url = reverse("admin:matchmaking_match_changelist")
    from matchmaking.engine import reason_flags as flags

    assert staff_client.get(url, {"signal": flags.PARTNER_OFFERS, "score": "0.3"}).status_code == 200
    match = Match.objects.filter(organisation=world["clinic"]).order_by("rank").last()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"action": "pin", "_selected_action": [match.pk]})
    assert response.status_code == 302
    assert MatchOverride.objects.filter(organisation=world["clinic"], partner=match.partner, action="pin").exists()


def test_staff_without_the_matching_permission_can_neither_start_nor_pin(
    world, client, django_user_model, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission

    run_full(django_capture_on_commit_callbacks)
    viewer = django_user_model.objects.create_user(username="viewer", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_match", "view_matchgeneration", "view_organisation"])
    )
    client.force_login(viewer)
    changelist = reverse("admin:matchmaking_match_changelist")

    assert client.post(reverse("admin:matchmaking_matchgeneration_start")).status_code == 403
    assert 'value="pin"' not in client.get(changelist).content.decode()
    generations = reverse("admin:matchmaking_matchgeneration_changelist")
    start = reverse("admin:matchmaking_matchgeneration_start")
    assert start not in client.get(generations).content.decode()

    viewer.user_permissions.add(Permission.objects.get(codename="run_matching"))
    assert 'value="pin"' in client.get(changelist).content.decode()
    assert f'action="{start}"' in client.get(generations).content.decode()


# --- a real Celery worker (CI) -------------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    settings.CELERY_TASK_ALWAYS_EAGER, reason="needs CELERY_BROKER_URL (set by .ci/run to the local Redis)"
)
def test_full_run_on_a_real_worker_against_redis():
    from celery.contrib.testing.worker import start_worker

    world = {name: with_profile(name) for name in TEXTS}
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        generation = match_generation_start()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            generation.refresh_from_db()
            if generation.state != GenerationState.BUILDING or generation.error:
                break
            time.sleep(0.5)
    assert generation.state == GenerationState.ACTIVE, generation.error
    assert partners(world["clinic"])[0] == "courier"


def test_written_matches_read_back_exactly(world):
    """write_matches (binary COPY on PostgreSQL, bulk_create elsewhere) stores what the engine gave."""
    import numpy as np

    from matchmaking.engine import corpus as cm
    from matchmaking.engine.engine import ChunkResult
    from matchmaking.engine.reason_flags import PINNED

    a, b = world["clinic"], world["courier"]
    corpus = cm.Corpus.__new__(cm.Corpus)
    corpus.ids = np.asarray([a.pk, b.pk], dtype=object)
    corpus.profile_ids = np.asarray([111, 222], dtype=object)
    result = ChunkResult(
        rows=np.asarray([0, 1]),
        partners=np.asarray([1, 0]),
        ranks=np.asarray([0, 3], dtype=np.int16),
        scores=np.asarray([0.8125, 0.25], dtype=np.float32),
        components={name: np.asarray([0.5, 0.125], dtype=np.float32) for name in Match.COMPONENTS},
        reason_flags=np.asarray([PINNED | 1, 4], dtype=np.int32),
        shared_fields=np.asarray([3, 0], dtype=np.int64),
        request_profile=np.asarray([0, -1]),
        offer_profile=np.asarray([1, -1]),
    )
    generation = MatchGeneration.objects.create()

    assert write_matches(generation.pk, result, corpus) == 2

    first, second = Match.objects.filter(generation=generation).order_by("rank")
    assert (first.organisation, first.partner, first.rank, first.score) == (a, b, 0, 0.8125)
    assert first.components == dict.fromkeys(Match.COMPONENTS, 0.5)
    assert (first.reason_flags, first.shared_fields, first.pinned) == (PINNED | 1, 3, True)
    assert (first.request_profile_ref, first.offer_profile_ref) == (111, 222)
    assert (second.organisation, second.rank, second.pinned, second.offer_profile_ref) == (b, 3, False, 0)


def test_a_generation_stores_the_prefilter_structure_weight_it_was_started_with():
    """Resolved when it starts (the learned score's weight by default), so that a run resumed after
    the default changed goes on with the weight its thresholds were estimated with."""
    generation = match_generation_start()
    assert generation.parameters["prefilter_structure"] == LEARNED_PREFILTER_STRUCTURE
    assert Params.from_stored(generation.parameters).prefilter_structure_weight == LEARNED_PREFILTER_STRUCTURE


def test_the_process_that_prepared_a_recompute_computes_its_chunks_without_loading_the_snapshot(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    loads = []
    real = corpus_loading.load_snapshot
    monkeypatch.setattr(corpus_loading, "load_snapshot", lambda path: loads.append(path) or real(path))

    generation = run_full(django_capture_on_commit_callbacks)

    assert generation.state == GenerationState.ACTIVE and loads == []
    assert partners(world["clinic"])[0] == "courier"
    engines.forget()  # another process loads it
    assert engines.generation_engine(generation)[0].corpus.n == len(world)
    assert loads == [generation.snapshot]


@pytest.mark.parametrize(("around", "preparing"), [(1, 2), (2, 1)])
def test_the_preparation_computes_the_thresholds_with_its_own_number_of_blas_threads(
    world, django_capture_on_commit_callbacks, monkeypatch, settings, around, preparing
):
    """A worker process runs with one BLAS thread; its preparation of a recompute may use the cores
    of the processes that wait for its chunks."""
    settings.MATCHING_PREPARE_THREADS = preparing
    seen = []
    real = Engine.thresholds

    def thresholds(self, rows):
        seen.append({pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"})
        return real(self, rows)

    monkeypatch.setattr(Engine, "thresholds", thresholds)
    with threadpool_limits(around, user_api="blas"):
        generation = run_full(django_capture_on_commit_callbacks)

    assert generation.state == GenerationState.ACTIVE
    assert seen == [{preparing}]


def test_a_record_reads_what_the_engine_needs_of_an_organisation(world):
    """Read as values: sectors and technology fields, current cluster memberships, the target
    countries of its published profiles, not its draft or expired ones, its opt-out."""
    courier = world["courier"]
    field = TechnologyFieldFactory()
    courier.technology_fields.set([field])
    courier.sectors.set([SectorFactory(code="49.4")])
    ClusterMembershipFactory(organisation=courier)
    ClusterMembershipFactory(organisation=courier, until=timezone.localdate() - datetime.timedelta(days=1))
    profile = courier.partnering_profiles.get()
    profile.target_countries = ["PL", "CZ"]
    profile.save()
    PartneringProfileFactory(organisation=courier, type=ProfileType.BUSINESS_REQUEST, title_de="Entwurf")
    PartneringProfileFactory(
        organisation=courier,
        type=ProfileType.BUSINESS_REQUEST,
        published=True,
        title_de="Abgelaufen",
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )
    Organisation.objects.filter(pk=world["baker"].pk).update(matchmaking_opt_out=True)

    records = {r.id: r for r in corpus_loading.org_records(corpus_loading.organisation_ids())}

    record = records[courier.pk]
    assert record.fields == (field.slug,) and record.sectors == ("49.4",) and record.sections == ("H",)
    assert len(record.clusters) == 1 and record.target_countries == ("CZ", "PL")
    assert [p.id for p in record.profiles] == [profile.pk] and record.request_vector is None
    assert "Kühlkettenkurier" in record.offer_text and record.request_text == ""
    assert record.offer_german == 1.0 and record.country == "DE"
    assert not records[world["baker"].pk].wants_list and not records[world["baker"].pk].eligible
    assert records[world["clinic"].pk].request_german == 0.0


def test_a_corpus_built_a_batch_at_a_time_is_the_corpus_assembled_at_once(world, monkeypatch):
    """The lexical model fitted on a sample, the batches' rows written into the final arrays and put
    in ``needs_first`` order in place: the same arrays as all records sorted and assembled at once
    with that model."""
    monkeypatch.setattr(building, "FIT_ORGANISATIONS", 4)
    for name in JOINT_PROJECT:
        with_profile(name, JOINT_PROJECT)

    corpus = corpus_loading.build_corpus(batch=3)

    records = building.needs_first(corpus_loading.org_records(corpus_loading.organisation_ids()))
    texts = [r.offer_text for r in records] + [r.request_text for r in records]
    both = corpus.lexical.transform(texts)
    expected = assemble(records, corpus.offer.shape[1], both[: len(records)], both[len(records) :])
    assert len(records) == corpus.n == 8 and corpus.spare_columns
    for name in ROW_FIELDS:
        mine, theirs = getattr(corpus, name), getattr(expected, name)
        if name.endswith("_profiles"):  # slots into the profile arrays, which keep the batches' order
            assert np.array_equal(mine < 0, theirs < 0), name
            mine, theirs = corpus.profile_ids[mine[mine >= 0]], expected.profile_ids[theirs[theirs >= 0]]
            assert np.array_equal(
                corpus.profile_vectors[getattr(corpus, name)[getattr(corpus, name) >= 0]],
                expected.profile_vectors[getattr(expected, name)[getattr(expected, name) >= 0]],
            )
        assert mine.shape == theirs.shape, name
        if name.startswith("lex_"):  # transformed in other slices: the same up to float rounding
            np.testing.assert_allclose(mine, theirs, atol=1e-6, err_msg=name)
        else:
            assert np.array_equal(mine, theirs), name
    # The sample: four of the eight organisations' texts (the words of the others are not in it).
    assert len(corpus.lexical.terms[0].vocabulary) < len({w for t in texts for w in t.lower().split()})
