"""The preparation benchmark (``bench_prepare``, bench/prepare): it fills a scratch database with
organisations whose texts' vectors are all in the cache, and measures the preparing task on them."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from companies.models.profiles import PartneringProfile
from matchmaking.management.commands import bench_matching
from matchmaking.models.generations import MatchGeneration

pytestmark = pytest.mark.django_db


def run(**options) -> dict:
    out = StringIO()
    call_command("bench_prepare", stdout=out, **options)
    return json.loads(out.getvalue())


def test_it_creates_a_world_and_measures_its_preparation(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(bench_matching, "SCRATCH_PREFIX", str(connection.settings_dict["NAME"])[:4])

    created = run(create=40)
    measured = run()

    assert created["orgs"] == 40 and created["profiles"] == PartneringProfile.objects.count() >= 40
    assert measured["orgs"] == 40 and measured["chunks"] >= 1 and measured["peak_rss_mb"] > 0
    # Its generation and snapshot are removed again (a start would resume a generation left building).
    assert not MatchGeneration.objects.exists() and not list(tmp_path.glob("matching/*/*"))


def test_it_refuses_a_database_that_is_not_a_scratch_one():
    with pytest.raises(CommandError, match="scratch database"):
        run(create=40)


def test_the_whole_recompute_benchmark_refuses_what_it_cannot_measure(monkeypatch, settings):
    """``bench_recompute`` (bench/recompute starts it with a scratch database and a broker)."""

    with pytest.raises(CommandError, match="scratch database"):
        call_command("bench_recompute")
    monkeypatch.setattr(bench_matching, "SCRATCH_PREFIX", str(connection.settings_dict["NAME"])[:4])
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with pytest.raises(CommandError, match="needs a broker"):
        call_command("bench_recompute")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with pytest.raises(CommandError, match="at least 1"):
        call_command("bench_recompute", workers=0)
