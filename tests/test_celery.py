"""The Celery wiring: discovery, the beat schedule, bounded waits on a dead broker, and a real
worker against Redis (in CI)."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from companies.choices import ProfileState
from companies.tasks import partnering_profiles_expire
from tests.factories import PartneringProfileFactory
from wfs_portal.celery import app as celery_app
from wfs_portal.schedules import PERIODIC_TASKS, ensure_periodic_tasks

ROOT = Path(__file__).resolve().parent.parent


def expired_profile():
    """A published profile whose 'valid until' date passed yesterday."""
    return PartneringProfileFactory(
        state=ProfileState.PUBLISHED,
        published_at=timezone.now() - datetime.timedelta(days=365),
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )


def test_every_scheduled_task_exists():
    celery_app.loader.import_default_modules()
    for name, entry in PERIODIC_TASKS.items():
        assert entry["task"] in celery_app.tasks, f"periodic task {name!r} names an unknown task"


@pytest.mark.django_db
def test_migrate_creates_the_periodic_tasks_for_staff_to_edit():
    for name, entry in PERIODIC_TASKS.items():
        assert PeriodicTask.objects.get(name=name).task == entry["task"]


@pytest.mark.django_db
def test_staff_edits_to_a_schedule_survive_the_next_migrate():
    name = next(iter(PERIODIC_TASKS))
    task = PeriodicTask.objects.get(name=name)
    task.crontab = CrontabSchedule.objects.create(minute="0", hour="5")
    task.enabled = False
    task.save()

    assert ensure_periodic_tasks() == 0

    task.refresh_from_db()
    assert (task.crontab.hour, task.enabled) == ("5", False)


@pytest.mark.django_db
def test_a_deleted_periodic_task_comes_back():
    PeriodicTask.objects.filter(name__in=PERIODIC_TASKS).delete()
    assert ensure_periodic_tasks() == len(PERIODIC_TASKS)


def test_only_json_is_accepted():
    assert celery_app.conf.accept_content == ["json"]
    assert celery_app.conf.task_serializer == "json"
    assert celery_app.conf.task_acks_late is True


def test_delay_with_the_broker_down_fails_instead_of_hanging():
    """Redis down must give the caller an error it can report, not a request that never returns."""
    code = (
        "import django; django.setup()\n"
        "from kombu.exceptions import OperationalError\n"
        "from companies.tasks import partnering_profiles_expire\n"
        "try:\n"
        "    partnering_profiles_expire.delay()\n"
        "except OperationalError as exc:\n"
        "    print('OperationalError', exc)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wfs_portal.settings", "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert "OperationalError" in result.stdout, result.stderr


@pytest.mark.django_db
def test_task_runs_eagerly_without_a_broker():
    profile = expired_profile()
    assert partnering_profiles_expire.delay().get() == 1
    profile.refresh_from_db()
    assert profile.state == ProfileState.EXPIRED


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    settings.CELERY_TASK_ALWAYS_EAGER, reason="needs CELERY_BROKER_URL (set by .ci/run to the local Redis)"
)
def test_task_runs_on_a_real_worker():
    from celery.contrib.testing.worker import start_worker

    profile = expired_profile()
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        result = partnering_profiles_expire.apply_async(ignore_result=False)
        assert result.get(timeout=60) == 1
    profile.refresh_from_db()
    assert profile.state == ProfileState.EXPIRED
