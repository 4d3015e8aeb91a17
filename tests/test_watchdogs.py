"""Self-healing background work: the watchdogs (Celery beat, every minute) send stalled reports and
match computations to the workers again within minutes, and "start" re-sends a computation that
nothing works on. (A worker killed for real: tests/test_faults.py.)"""

import datetime

import pytest
from django.utils import timezone

from matchmaking.choices import GenerationState
from matchmaking.models.generations import MatchChunk, MatchGeneration
from matchmaking.services import generations as matching_services
from matchmaking.services.generations import match_generation_start, match_generation_watch
from outbox.models import OutboxMessage
from reports import services as report_services
from reports.choices import ReportKind, ReportState
from reports.models import Report
from tests import factories
from wfs_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.timedelta(hours=1)


@pytest.fixture
def relay_only():
    """A broker is configured: messages wait for the relay instead of running after the commit."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- reports ----------------------------------------------------------------------------------------


def _queued_report() -> Report:
    start, end = datetime.date(2022, 1, 1), datetime.date(2022, 12, 31)
    return report_services.report_request(kind=ReportKind.ANNUAL, start=start, end=end)


def test_a_queued_report_whose_task_went_missing_is_sent_again(relay_only):
    report = _queued_report()
    # The relay published the task; then the broker lost it (restarted without its data).
    OutboxMessage.objects.filter(topic="reports.tasks.report_generate").update(state="sent", sent_at=timezone.now())
    Report.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - LONG_AGO)

    assert report_services.reports_watch() == 1

    waiting = OutboxMessage.objects.filter(task_name="reports.tasks.report_generate", state="pending")
    assert [m.task_args for m in waiting] == [[report.pk]]


def test_a_report_whose_task_waits_for_the_broker_is_left_alone(relay_only):
    report = _queued_report()  # its task waits in the outbox: the broker is away, nothing is lost
    Report.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - LONG_AGO)

    assert report_services.reports_watch() == 0
    assert OutboxMessage.objects.filter(task_name="reports.tasks.report_generate").count() == 1


def test_a_report_recently_queued_or_beating_is_left_alone(relay_only):
    _queued_report()
    OutboxMessage.objects.update(state="sent", sent_at=timezone.now())

    assert report_services.reports_watch() == 0


def test_a_running_report_whose_worker_died_is_taken_over(django_capture_on_commit_callbacks, relay_only):
    report = _queued_report()
    OutboxMessage.objects.update(state="sent", sent_at=timezone.now())
    # A worker claimed it and died: running, no heartbeat since.
    Report.objects.filter(pk=report.pk).update(
        state=ReportState.RUNNING,
        attempts=1,
        started_at=timezone.now() - LONG_AGO,
        heartbeat_at=timezone.now() - LONG_AGO,
    )

    assert report_services.reports_watch() == 1
    assert Report.objects.get(pk=report.pk).state == ReportState.QUEUED
    report_services.report_generate(report_id=report.pk)

    report.refresh_from_db()
    assert report.state == ReportState.DONE
    assert report.attempts == 2


def test_a_running_report_that_beats_is_not_taken_over():
    report = factories.ReportFactory(state=ReportState.RUNNING, figures=None, progress=40)
    Report.objects.filter(pk=report.pk).update(started_at=timezone.now() - LONG_AGO, heartbeat_at=timezone.now())

    assert report_services.report_generate(report_id=report.pk) is None
    assert Report.objects.get(pk=report.pk).state == ReportState.RUNNING


def test_staff_can_retry_a_report_that_waits_in_vain(relay_only):
    report = _queued_report()
    OutboxMessage.objects.update(state="sent", sent_at=timezone.now())
    Report.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - LONG_AGO)

    report_services.report_retry(report=report)

    assert OutboxMessage.objects.filter(task_name="reports.tasks.report_generate", state="pending").count() == 1


# --- match computations -----------------------------------------------------------------------------


def _stalled_generation(**fields) -> MatchGeneration:
    """A generation being built whose worker went quiet an hour ago, a map chunk claimed and not done."""
    past = timezone.now() - LONG_AGO
    generation = MatchGeneration.objects.create(started_at=past, heartbeat_at=past, snapshot="snap", **fields)
    MatchChunk.objects.create(generation=generation, phase="map", index=0, start=0, stop=2, claimed_at=past)
    MatchChunk.objects.create(generation=generation, phase="reduce", index=0, start=0, stop=2)
    return generation


def test_a_generation_nothing_works_on_is_resumed_by_the_watchdog(relay_only):
    generation = _stalled_generation()

    assert match_generation_watch() == f"generation {generation.pk} resumed"

    generation.refresh_from_db()
    assert generation.attempts == 2
    assert generation.heartbeat_at > timezone.now() - datetime.timedelta(minutes=1)
    assert OutboxMessage.objects.filter(task_name="matchmaking.tasks.match_generation_run", state="pending").exists()


def test_resuming_hands_out_the_chunk_whose_worker_died(relay_only):
    generation = _stalled_generation()

    matching_services._enqueue_chunks(generation.pk)

    sent = OutboxMessage.objects.filter(task_name="matchmaking.tasks.match_map_chunk")
    assert [m.task_args for m in sent] == [[generation.pk, 0]]


def test_a_chunk_a_live_worker_holds_is_not_handed_out_twice(relay_only):
    generation = _stalled_generation()
    MatchChunk.objects.filter(generation=generation).update(claimed_at=timezone.now())

    matching_services._enqueue_chunks(generation.pk)

    assert not OutboxMessage.objects.filter(task_name="matchmaking.tasks.match_map_chunk").exists()
    assert matching_services._claim(generation.pk, "map", 0) is None  # a second delivery does nothing


def test_a_working_generation_is_left_alone(relay_only):
    generation = _stalled_generation()
    MatchGeneration.objects.filter(pk=generation.pk).update(heartbeat_at=timezone.now())

    assert match_generation_watch() == "nothing to do"
    assert match_generation_start().pk == generation.pk
    assert not OutboxMessage.objects.exists()


def test_start_resends_a_generation_nothing_works_on(relay_only):
    generation = _stalled_generation()

    assert match_generation_start().pk == generation.pk

    assert OutboxMessage.objects.filter(task_name="matchmaking.tasks.match_generation_run").count() == 1


def test_a_generation_whose_tasks_wait_for_the_broker_is_not_stalled(relay_only):
    generation = _stalled_generation()
    matching_services._enqueue_chunks(generation.pk)  # waiting in the outbox: the broker is away

    assert not matching_services.generation_stalled(generation)


def test_a_generation_that_failed_too_often_is_given_up_and_not_restarted_by_the_watchdog(relay_only):
    generation = _stalled_generation(attempts=matching_services.MAX_ATTEMPTS, error="reduce chunk 0: MemoryError")

    assert match_generation_watch() == f"generation {generation.pk} given up"

    assert MatchGeneration.objects.get(pk=generation.pk).state == GenerationState.FAILED
    assert MatchGeneration.objects.count() == 1  # the nightly run starts afresh, not the watchdog


def test_the_watchdogs_are_scheduled():
    from wfs_portal.schedules import PERIODIC_TASKS

    tasks = {entry["task"]: entry["crontab"] for entry in PERIODIC_TASKS.values()}
    assert tasks["matchmaking.tasks.match_generation_watch"][0] == "*"
    assert tasks["reports.tasks.reports_watch"][0] == "*"
    assert tasks["outbox.tasks.outbox_deliver_due"][0] == "*"
