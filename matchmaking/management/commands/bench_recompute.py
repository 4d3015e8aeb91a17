import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matchmaking.choices import GenerationState
from matchmaking.management.commands.bench_matching import require_scratch_database
from matchmaking.models.matches import Match
from matchmaking.services.generations import SNAPSHOT_PREPARING, match_generation_start


class Command(BaseCommand):
    help = (
        "Benchmark a full recompute from the database as production runs it: a Celery worker with "
        "--workers processes (one BLAS thread each, as docker-compose.yml runs it) and the outbox "
        "relay are started against the broker of CELERY_BROKER_URL, the recompute is started as staff "
        "start it, and the run is timed until its generation is active (the corpus read and prepared, "
        "every chunk computed, the matches written). Needs a scratch PostgreSQL database with "
        "organisations (bench_prepare --create N) and a broker queue of its own: bench/recompute does "
        "all of it. Prints end_to_end_s, prepare_s, the workers' peak resident memory and the pairs written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2, help="Worker processes (default 2).")
        parser.add_argument("--timeout", type=int, default=1800, help="Give up after this many seconds.")

    def handle(self, *args, workers, timeout, **options):
        require_scratch_database(made_by="(bench/recompute makes one)")
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("This needs a broker: set CELERY_BROKER_URL (bench/recompute uses the local Redis).")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        env = {**os.environ, "MATCHING_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "--app", "wfs_portal", "worker", "--concurrency", str(workers)]
            + ["--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
            env=env,
            stdout=subprocess.DEVNULL,  # its banner; warnings and errors go to stderr
        )
        relay = subprocess.Popen([sys.executable, manage, "outbox_relay"], env=env, stdout=subprocess.DEVNULL)
        try:
            self._wait_for(worker)
            report = self._run(worker, workers, timeout)
        finally:
            for process in (relay, worker):
                process.send_signal(signal.SIGTERM)
            for process in (relay, worker):
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write(json.dumps(report))

    def _wait_for(self, worker: subprocess.Popen) -> None:
        """Until the worker's processes answer a ping."""
        from wfs_portal.celery import app

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise CommandError(f"The Celery worker ended at its start (exit code {worker.returncode}).")
            if app.control.ping(timeout=1.0):
                return
        raise CommandError("The Celery worker did not answer within 120 s.")

    def _run(self, worker: subprocess.Popen, workers: int, timeout: int) -> dict:
        started = time.perf_counter()
        generation = match_generation_start()
        prepared = None
        peak = {}
        while True:
            time.sleep(0.5)
            for pid in _descendants(worker.pid):
                peak[pid] = max(peak.get(pid, 0), _peak_rss_kb(pid))
            generation.refresh_from_db()
            if prepared is None and generation.snapshot not in ("", SNAPSHOT_PREPARING):
                prepared = time.perf_counter() - started
            if generation.state == GenerationState.ACTIVE:
                break
            if generation.error:
                raise CommandError(f"The recompute failed: {generation.error}")
            if time.perf_counter() - started > timeout:
                raise CommandError(f"The recompute was not done after {timeout} s ({generation.progress} %).")
        elapsed = time.perf_counter() - started
        return {
            "orgs": generation.organisations,
            "workers": workers,
            "end_to_end_s": round(elapsed, 1),
            "prepare_s": round(prepared or elapsed, 1),
            "chunks": generation.chunks_total,
            "pairs_written": Match.objects.filter(generation=generation).count(),
            "peak_rss_worker_mb": round(max(peak.values(), default=0) / 1024, 1),
        }


def _descendants(pid: int) -> list[int]:
    """The process's children, theirs, and so on (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found.extend(int(c) for c in children)
        todo.extend(int(c) for c in children)
    return found


def _peak_rss_kb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
