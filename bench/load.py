"""Load test of the portal and the partner API: gunicorn with the production settings, driven by locust.

    .venv/bin/python bench/load.py [--users 50,200] [--duration 60] [--json FILE] [--keep]
                                   [--gunicorn "GUNICORN_WORKERS=3 GUNICORN_THREADS=1" ...]

What it does (bench/README.md, "Load test", has the figures):

1. A scratch PostgreSQL database ``wfs_load_<pid>`` on the server of --server (the local one by default):
   migrated, the demo data loaded (``manage.py load_demo``, about a minute), then the load test's own records
   (``load.py setup-data``, run in a child process with Django): portal users with verified e-mail addresses,
   each an approved administrator of a demo organisation; a partner API key with scope directory:read and its
   own high limit, so the throttle does not dominate; open joint booths at a coming fair with plenty of room.
   Then one full match computation (the relay and a Celery worker, about 10 s), so the match pages show lists.
   ``--db NAME`` uses a database prepared so before (kept with --keep) instead of building one.
2. The static files collected into a temporary STATIC_ROOT (production serves them with WhiteNoise's manifest).
3. For every gunicorn configuration (--gunicorn, environment assignments for gunicorn.conf.py; default: its
   defaults) and every user count (--users): a fresh copy of the scratch database, an own redis-server on a free
   port (cache and broker), the outbox relay, one Celery worker and gunicorn (``--config gunicorn.conf.py``)
   with DJANGO_DEBUG=false; then locust, headless, for --duration seconds with company users (log in once,
   browse the portal, now and then apply for a joint booth) and partner clients (the organisation list of the
   API); then everything is stopped and the copy dropped.
4. Prints per run: requests per second, p50 and p95 latency overall and per kind of request, number of requests,
   errors (5xx or no answer) with their share, and what took the machine's CPU; ``--json FILE`` writes the same.

Everything runs on this machine and shares its cores: gunicorn, PostgreSQL, Redis, the relay, the worker and
locust itself. Other work on the machine distorts the figures: each run waits for a quiet machine first and is
repeated when other processes took much of it (--quiet, --quiet-wait, --max-other, --retries). Ctrl-C or a
failure stops what was started and drops the databases (unless --keep)."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import itertools
import json
import math
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
PASSWORD = "Lasttest-Passwort-2026!"
# The order the figures are printed in; the form GETs are the first half of a login and of an application.
RUN_NUMBERS = itertools.count(1)
KINDS = ("portal page", "login", "booth application", "API list", "login form", "booth apply form")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Interrupted(Exception):
    pass


def _interrupt(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


# --- processes --------------------------------------------------------------------------------------------------


class Process:
    """A child process in a session of its own (so Ctrl-C in the terminal reaches only this script, which stops
    the children in order), its output in a log file."""

    def __init__(self, name: str, command: list[str], *, env: dict, log_path: Path, cwd: Path = ROOT):
        self.name = name
        self.log_path = log_path
        self.log_file = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.stopped = False
        log(f"  start {name}: {shlex.join(command)}")
        self.popen = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.alive():
            # The whole process group: gunicorn's workers, Celery's pool.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"  {self.name} did not stop within {timeout:.0f} s: killed")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
        else:
            # The group may outlive its leader (a worker of a gunicorn master that died).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)
        self.log_file.close()


def run(command: list[str], *, env: dict, log_path: Path, what: str) -> str:
    """Run a command to its end; its output goes to the log (and is returned). A failure stops the test."""
    log(f"  {what}: {shlex.join(command)}")
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    with open(log_path, "a", encoding="utf-8") as file:
        file.write(f"$ {shlex.join(command)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {result.returncode}), see {log_path}:\n{result.stderr[-3000:]}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: Process, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if not process.alive():
            tail = "\n".join(process.log_path.read_text(errors="replace").splitlines()[-25:])
            raise RuntimeError(f"{process.name} ended during start-up, see {process.log_path}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}: {exc.read()[:300]!r}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s ({last}), see {process.log_path}")


# --- CPU accounting ---------------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _process_table() -> list[tuple[int, int, str, float]]:
    """(pid, process group, command name, CPU seconds) of every process on the machine: its own CPU time and
    that of its children that ended and were waited for (gunicorn's replaced workers, PostgreSQL's backends of
    closed connections, counted in the postmaster)."""
    table = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # After the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
        # cutime cstime ...
        ticks = sum(int(value) for value in fields[11:15])
        table.append((int(entry), int(fields[2]), comm, ticks / CLOCK_TICKS))
    return table


def _machine_busy() -> tuple[float, float]:
    """(busy seconds, total seconds) of all cores since boot, from /proc/stat."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def cpu_snapshot(groups: dict[str, int]) -> dict:
    """CPU seconds used so far by the process groups we started (by name) and by PostgreSQL (all of the
    server's processes: other databases' work on the same server counts too)."""
    seconds = dict.fromkeys([*groups, "postgresql"], 0.0)
    by_group = {pgid: name for name, pgid in groups.items()}
    for _pid, pgid, comm, cpu in _process_table():
        if pgid in by_group:
            seconds[by_group[pgid]] += cpu
        elif comm == "postgres":
            seconds["postgresql"] += cpu
    busy, total = _machine_busy()
    return {"groups": seconds, "busy": busy, "total": total, "at": time.monotonic()}


def cpu_report(before: dict, after: dict, extra: dict[str, float]) -> dict:
    """Share of the machine's CPU capacity over the interval, in percent: all of it, each process group, what
    ``extra`` names (CPU seconds of processes that ended in between, e.g. locust), and the rest ("other": the
    machine's other users)."""
    elapsed = after["at"] - before["at"]
    cores = os.cpu_count() or 1
    used = {name: max(after["groups"][name] - before["groups"].get(name, 0.0), 0.0) for name in after["groups"]}
    used.update(extra)
    shares = {name: round(100 * seconds / (elapsed * cores), 1) for name, seconds in used.items()}
    total = after["total"] - before["total"]
    busy = 100 * (after["busy"] - before["busy"]) / total if total else 0.0
    shares["other"] = round(max(busy - sum(shares.values()), 0.0), 1)
    return {"machine_busy_percent": round(busy, 1), "percent_of_machine": shares, "cores": cores}


def wait_with_usage(popen: subprocess.Popen, timeout: float) -> float:
    """Wait for a child to end; its CPU seconds (and those of its children it waited for)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(popen.pid, os.WNOHANG)
        if pid:
            popen.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(popen.args, timeout)
        time.sleep(0.1)


def gunicorn_memory(master_pid: int) -> dict:
    """Resident and proportional set size (shared pages divided among the sharers) of gunicorn's processes, MB."""
    pids = [master_pid] + [pid for pid, pgid, _c, _s in _process_table() if pgid == master_pid and pid != master_pid]
    rss = pss = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
    return {"processes": len(pids), "rss_mb": round(rss / 1024), "pss_mb": round(pss / 1024)}


# --- the database -----------------------------------------------------------------------------------------------


class Server:
    """The PostgreSQL server that holds the scratch databases (the user needs CREATEDB)."""

    def __init__(self, url: str):
        self.url = url

    def url_of(self, name: str) -> str:
        return urlunsplit(urlsplit(self.url)._replace(path=f"/{name}"))

    def execute(self, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url_of("postgres"), autocommit=True) as connection:
            cursor = connection.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def create(self, name: str, template: str | None = None) -> None:
        self.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def exists(self, name: str) -> bool:
        return bool(self.execute(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"))

    def query(self, database: str, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url_of(database), autocommit=True) as connection:
            return connection.execute(sql).fetchall()


def setup_data(*, accounts: int, booths: int) -> dict:
    """The load test's records, in the database of DATABASE_URL (run as ``load.py setup-data``, with Django).
    Idempotent: a second call on the same database finds the users, representations, fair and booths it made
    (and makes a new API key, since a key is shown only once)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wfs_portal.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()

    from decimal import Decimal

    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from companies.choices import OrganisationKind, RepresentationState, RepresentativeRole, VerificationState
    from companies.models.organisations import Organisation
    from companies.models.representatives import Representative
    from companies.services.api_keys import partner_api_key_create
    from fairs.models import JointBooth, TradeFair
    from fairs.services import joint_booth_staff_save
    from wfs_portal.audit import DEMO_DATA
    from wfs_portal.choices import EventState
    from wfs_portal.services import validated_save

    User = get_user_model()
    today = timezone.localdate()
    # One hash for every account (hashing costs a third of a second each); logging in checks it as usual.
    password_hash = make_password(PASSWORD)
    organisations = list(
        Organisation.objects.filter(
            verification_state=VerificationState.VERIFIED,
            kind__in=[OrganisationKind.COMPANY, OrganisationKind.RESEARCH, OrganisationKind.CLINIC],
        ).order_by("pk")
    )
    if not organisations:
        raise SystemExit("No verified organisations: was the demo data loaded?")
    made = []
    with transaction.atomic():
        for n in range(accounts):
            email = f"lasttest{n:04d}@firma.example.de"
            user, _created = User.objects.get_or_create(
                username=f"lasttest{n:04d}",
                defaults={"email": email, "password": password_hash, "first_name": "Last", "last_name": f"Test {n}"},
            )
            EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            # Each account its own organisation while there are enough; then they share.
            organisation = organisations[n % len(organisations)]
            if not Representative.objects.filter(user=user, organisation=organisation).exists():
                validated_save(
                    Representative(
                        user=user,
                        organisation=organisation,
                        role=RepresentativeRole.ADMINISTRATOR,
                        state=RepresentationState.APPROVED,
                        decided_at=timezone.now(),
                    ),
                    reason=DEMO_DATA,
                )
            made.append({"email": email, "password": PASSWORD})

        start = today + datetime.timedelta(days=150)
        fair, _created = TradeFair.objects.get_or_create(
            name="Lasttest-Messe",
            start_date=start,
            defaults={
                "city": "Leipzig",
                "country": "DE",
                "end_date": start + datetime.timedelta(days=3),
                "programme_year": start.year,
            },
        )
        booth_ids = []
        for n in range(booths):
            booth = JointBooth.objects.filter(fair=fair, stand=f"L{n}").first()
            if booth is None:
                booth = JointBooth(
                    fair=fair,
                    title=f"Sachsen live {n + 1}",
                    hall="1",
                    stand=f"L{n}",
                    # Applications take no place (staff confirm them); room enough all the same.
                    total_area_m2=Decimal("50000.00"),
                    capacity=5000,
                    fee_per_m2_with_construction=Decimal("250.00"),
                    fee_per_m2_without_construction=Decimal("150.00"),
                    registration_deadline=start - datetime.timedelta(days=30),
                    state=EventState.OPEN,
                )
                joint_booth_staff_save(booth=booth, user=None)
            booth_ids.append(booth.pk)

        partner = (
            Organisation.objects.filter(kind=OrganisationKind.NETWORK, verification_state=VerificationState.VERIFIED)
            .order_by("pk")
            .first()
        ) or organisations[0]
        _api_key, key = partner_api_key_create(
            organisation=partner,
            name=f"Lasttest {timezone.now():%Y-%m-%d %H:%M:%S}",
            scopes=["directory:read"],
            throttle_rate="1000000/min",
        )
    # What a partner sees in the directory (the API's list), for the range of pages to ask for.
    from companies.selectors import public_organisations

    listed = public_organisations().count()
    return {
        "accounts": made,
        "booths": booth_ids,
        "api_key": key,
        "api_pages": max(1, math.ceil(listed / 50)),
        "organisations_represented": min(accounts, len(organisations)),
    }


# --- one run ----------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def figures(samples: list[dict]) -> dict:
    """Requests, rate, p50/p95 (ms) and errors of a list of samples."""
    if not samples:
        return {"requests": 0, "rps": 0.0, "p50_ms": None, "p95_ms": None, "errors": 0, "error_percent": 0.0}
    start = min(s["t"] for s in samples)
    end = max(s["t"] + s["ms"] / 1000 for s in samples)
    times = [s["ms"] for s in samples]
    errors = sum(1 for s in samples if s["status"] == 0 or s["status"] >= 500)
    unexpected = sum(1 for s in samples if s["failure"].startswith("unexpected"))
    return {
        "requests": len(samples),
        "rps": round(len(samples) / max(end - start, 1e-9), 1),
        "p50_ms": round(percentile(times, 0.50), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "max_ms": round(max(times), 1),
        "errors": errors,
        "error_percent": round(100 * errors / len(samples), 2),
        "unexpected": unexpected,
    }


def analyse(samples: list[dict], *, ramp_end: float) -> dict:
    result = {"all": figures(samples)}
    result["kinds"] = {kind: figures([s for s in samples if s["kind"] == kind]) for kind in KINDS}
    pages = sorted({s["page"] for s in samples if s["kind"] == "portal page"})
    result["portal_pages"] = {
        page: figures([s for s in samples if s["kind"] == "portal page" and s["page"] == page]) for page in pages
    }
    # After the last user started (and logged in): the portal and the API without the login wave.
    result["steady"] = figures([s for s in samples if s["t"] >= ramp_end])
    applications = [s for s in samples if s["kind"] == "booth application"]
    result["booth_applications"] = {
        outcome: sum(1 for s in applications if s["outcome"] == outcome) for outcome in ("accepted", "refused")
    }
    failures: dict[str, int] = {}
    for s in samples:
        if s["failure"]:
            key = f"{s['method']} {s['kind']}: {s['failure'][:160]}"
            failures[key] = failures.get(key, 0) + 1
    result["failures"] = failures
    return result


def server_log_findings(path: Path, limit: int = 3) -> dict:
    """Counts of what went wrong according to gunicorn's log (Django's error log goes there), and the first
    tracebacks."""
    text = path.read_text(errors="replace") if path.exists() else ""
    lines = text.splitlines()
    tracebacks = []
    for index, line in enumerate(lines):
        if line.startswith("Traceback") and len(tracebacks) < limit:
            end = index + 1
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or lines[end].startswith("During")):
                end += 1
            tracebacks.append("\n".join(lines[max(0, index - 1) : end + 1]))
    return {
        "server_errors_logged": sum(1 for line in lines if " ERROR " in line),
        "worker_timeouts": sum(1 for line in lines if "WORKER TIMEOUT" in line),
        "workers_killed": sum(1 for line in lines if "was sent SIGKILL" in line),
        "tracebacks": tracebacks,
    }


def start_background(
    *, server: Server, database: str, base_env: dict, args: argparse.Namespace, out: Path, tag: str, processes: list
) -> dict:
    """An own redis-server on a free port (cache and broker), the outbox relay and one Celery worker, on
    ``database``; appended to ``processes``. Returns the environment of the Django processes."""
    redis_port = free_port()
    redis_dir = tempfile.mkdtemp(prefix="wfs_load_redis_", dir=out)
    env = {
        **base_env,
        "DATABASE_URL": server.url_of(database),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
    }
    command = [*shlex.split(args.redis_server), "--bind", "127.0.0.1", "--port", str(redis_port)]
    command += ["--save", "", "--appendonly", "no", "--dir", redis_dir]
    processes.append(Process("redis", command, env=env, log_path=out / f"{tag}.redis.log"))
    processes.append(
        Process("relay", [PYTHON, "manage.py", "outbox_relay"], env=env, log_path=out / f"{tag}.relay.log")
    )
    # One thread per process for numpy and the sentence encoder, as docker-compose's worker has.
    worker_env = {**env, "MATCHING_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    command = [PYTHON, "-m", "celery", "--app", "wfs_portal", "worker", "--concurrency", "1", "--loglevel", "INFO"]
    processes.append(Process("worker", command, env=worker_env, log_path=out / f"{tag}.worker.log"))
    return env


def compute_matches(*, server: Server, database: str, base_env: dict, args: argparse.Namespace, out: Path) -> None:
    """A full match computation on the scratch database, by the relay and a worker as in production, so that
    the portal's match pages show real lists."""
    processes: list[Process] = []
    try:
        env = start_background(
            server=server, database=database, base_env=base_env, args=args, out=out, tag="matches", processes=processes
        )
        started = time.monotonic()
        run(
            [PYTHON, "manage.py", "shell", "-c", "from companies.services import match_generation_start as s; s()"],
            env=env,
            log_path=out / "setup.log",
            what="match computation",
        )
        while time.monotonic() - started < 900:
            states = [row[0] for row in server.query(database, "SELECT state FROM matchmaking_matchgeneration")]
            if "active" in states:
                matches = server.query(database, "SELECT count(*) FROM matchmaking_match")[0][0]
                log(f"  {matches} matches computed in {time.monotonic() - started:.0f} s")
                return
            if "failed" in states:
                raise RuntimeError(f"the match computation failed, see {out}/matches.worker.log")
            for process in processes:
                if not process.alive():
                    raise RuntimeError(f"{process.name} ended, see {process.log_path}")
            time.sleep(2)
        raise RuntimeError("the match computation took longer than 15 minutes")
    finally:
        for process in reversed(processes):
            process.stop()


def wait_for_quiet(*, busy_percent: float, timeout: float) -> float:
    """Wait (at most ``timeout`` seconds) until the machine's CPU is at most ``busy_percent`` busy over 5 s,
    since other work on it distorts the figures. Returns the busy share last seen."""
    deadline = time.monotonic() + timeout
    next_note = 0.0
    while True:
        before = _machine_busy()
        time.sleep(5)
        after = _machine_busy()
        busy = 100 * (after[0] - before[0]) / max(after[1] - before[1], 1e-9)
        if busy <= busy_percent:
            return busy
        if time.monotonic() > deadline:
            log(f"  the machine is still {busy:.0f} % busy with other work: running all the same")
            return busy
        if time.monotonic() >= next_note:
            log(f"  the machine is {busy:.0f} % busy with other work: waiting (at most {timeout:.0f} s)")
            next_note = time.monotonic() + 30


def one_run(
    *,
    server: Server,
    template: str,
    base_env: dict,
    gunicorn_env: dict,
    users: int,
    args: argparse.Namespace,
    setup: dict,
    out: Path,
    label: str,
) -> dict:
    # Numbered, so that the logs of a repeated run do not mix with the first one's.
    tag = f"{next(RUN_NUMBERS):02d}_{label.replace(' ', '_').replace('=', '-') or 'defaults'}_u{users}"
    database = f"{template}_run"
    processes: list[Process] = []
    try:
        server.drop(database)
        server.create(database, template=template)
        env = start_background(
            server=server, database=database, base_env=base_env, args=args, out=out, tag=tag, processes=processes
        )
        web_port = free_port()
        web_env = {**env, **gunicorn_env, "GUNICORN_BIND": f"127.0.0.1:{web_port}"}
        gunicorn_log = out / f"{tag}.gunicorn.log"
        web = Process(
            "gunicorn",
            [PYTHON, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "wfs_portal.wsgi"],
            env=web_env,
            log_path=gunicorn_log,
        )
        processes.append(web)
        host = f"http://127.0.0.1:{web_port}"
        wait_healthy(f"{host}/health/", web)
        busy_before = wait_for_quiet(busy_percent=args.quiet, timeout=args.quiet_wait)

        spawn_rate = args.spawn_rate or max(1.0, users / args.ramp)
        samples_path = out / f"{tag}.samples.jsonl"
        locust_env = {
            **os.environ,
            "WFS_LOAD_SETUP": json.dumps(setup),
            "WFS_LOAD_SAMPLES": str(samples_path),
            "WFS_LOAD_WAIT": args.wait,
            "WFS_LOAD_COMPANY_WEIGHT": str(args.company_weight),
            "WFS_LOAD_PARTNER_WEIGHT": str(args.partner_weight),
            "WFS_LOAD_ONE_ADDRESS": "1" if args.one_address else "0",
        }
        command = [
            str(Path(PYTHON).with_name("locust")),
            *("-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", f"{spawn_rate:g}"),
            *("-t", f"{args.duration}s", "--stop-timeout", "10", "--host", host),
            *("--csv", str(out / tag), "--only-summary", "--loglevel", "WARNING"),
        ]
        log(f"  locust: {users} users ({spawn_rate:g}/s), {args.duration} s")
        groups = {p.name: p.pid for p in processes}
        started = time.time()
        before = cpu_snapshot(groups)
        with open(out / f"{tag}.locust.log", "wb") as locust_log:
            locust = subprocess.Popen(
                command, env=locust_env, cwd=ROOT, stdout=locust_log, stderr=subprocess.STDOUT, start_new_session=True
            )
            try:
                locust_cpu = wait_with_usage(locust, args.duration + 60)
            except BaseException:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(locust.pid, signal.SIGTERM)
                locust.wait(20)
                raise
            after = cpu_snapshot(groups)
        memory = gunicorn_memory(web.pid)
        if not samples_path.exists():
            raise RuntimeError(f"locust wrote no samples, see {out / f'{tag}.locust.log'}")
        samples = [json.loads(line) for line in samples_path.read_text().splitlines() if line]
        result = {
            "label": label or "defaults",
            "gunicorn_env": gunicorn_env,
            "users": users,
            "spawn_rate": spawn_rate,
            "duration_s": args.duration,
            **analyse(samples, ramp_end=started + users / spawn_rate),
            "cpu": {**cpu_report(before, after, {"locust": locust_cpu}), "busy_before_percent": round(busy_before, 1)},
            "gunicorn_memory": memory,
        }
        # What the requests left to the background: the relay and the worker should keep up.
        result["outbox"] = dict(
            server.query(database, "SELECT state, count(*) FROM outbox_outboxmessage GROUP BY state ORDER BY state")
        )
        for process in reversed(processes):
            process.stop()
        result["server_log"] = server_log_findings(gunicorn_log)
        result["logs"] = str(out / tag) + ".*"
        return result
    finally:
        for process in reversed(processes):
            process.stop()
        with contextlib.suppress(Exception):
            server.drop(database)


# --- output -----------------------------------------------------------------------------------------------------


def _ms(value) -> str:
    return "–" if value is None else f"{value:.0f}"


def print_run(result: dict) -> None:
    total = result["all"]
    print()
    print(
        f"== {result['users']} users, gunicorn {result['label']} ({result['gunicorn_memory']['processes']} "
        f"processes, PSS {result['gunicorn_memory']['pss_mb']} MB; attempt {result.get('attempt', 1)}) =="
    )
    print(
        f"{total['requests']} requests, {total['rps']} req/s, p50 {_ms(total['p50_ms'])} ms, p95 "
        f"{_ms(total['p95_ms'])} ms, errors {total['errors']} ({total['error_percent']} %)"
        + (f", other failures {total['unexpected']}" if total["unexpected"] else "")
    )
    print(f"{'kind':<20} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'errors':>7}")
    rows = [("all", total), *result["kinds"].items(), ("(after ramp-up)", result["steady"])]
    rows += [(f"  {page}", figures) for page, figures in result["portal_pages"].items()]
    for name, f in rows:
        if not f["requests"]:
            continue
        print(
            f"{name:<20} {f['requests']:>8} {f['rps']:>7} {_ms(f['p50_ms']):>7} {_ms(f['p95_ms']):>7} "
            f"{_ms(f['max_ms']):>7} {f['errors']:>7}"
        )
    applications = result["booth_applications"]
    print(f"booth applications: {applications['accepted']} accepted, {applications['refused']} refused (duplicates)")
    cpu = result["cpu"]
    shares = ", ".join(f"{name} {share} %" for name, share in cpu["percent_of_machine"].items())
    print(
        f"CPU ({cpu['cores']} cores shared by all of these): machine busy {cpu['machine_busy_percent']} % "
        f"(before the run {cpu['busy_before_percent']} %); {shares}"
    )
    print(f"outbox after the run: {result['outbox']}")
    findings = result["server_log"]
    if result["failures"]:
        print("failures:")
        for failure, count in sorted(result["failures"].items(), key=lambda item: -item[1]):
            print(f"  {count:>6}  {failure}")
    if findings["server_errors_logged"] or findings["worker_timeouts"] or findings["tracebacks"]:
        print(
            f"gunicorn log: {findings['server_errors_logged']} errors logged, {findings['worker_timeouts']} worker "
            f"timeouts; logs: {result['logs']}"
        )
        for traceback in findings["tracebacks"]:
            print(traceback)


def print_comparison(results: list[dict]) -> None:
    user_counts = sorted({r["users"] for r in results})
    labels = list(dict.fromkeys(r["label"] for r in results))
    print()
    print("== comparison: p50 / p95 ms, req/s, errors, CPU share of other work during the run ==")
    header = f"{'gunicorn':<48}" + "".join(f" | {f'{u} users':<30}" for u in user_counts)
    print(header)
    for label in labels:
        cells = []
        for users in user_counts:
            r = next((r for r in results if r["label"] == label and r["users"] == users), None)
            if r is None:
                cells.append(f"{'':<30}")
                continue
            a = r["all"]
            other = r["cpu"]["percent_of_machine"]["other"]
            cells.append(
                f"{_ms(a['p50_ms']):>5} / {_ms(a['p95_ms']):>5}, {a['rps']:>5}, {a['errors']} err, {other:>2.0f} %"
            )
        print(f"{label:<48}" + "".join(f" | {cell:<30}" for cell in cells))


# --- main -------------------------------------------------------------------------------------------------------


def parse_gunicorn(spec: str) -> dict:
    env = {}
    for assignment in shlex.split(spec):
        name, sep, value = assignment.partition("=")
        if not sep or not name.startswith(("GUNICORN_", "DATABASE_")):
            raise SystemExit(f"--gunicorn takes NAME=VALUE assignments of GUNICORN_* (or DATABASE_*), not {assignment}")
        env[name] = value
    return env


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="50,200", help="concurrent users, one run each (default 50,200)")
    parser.add_argument("--duration", type=int, default=60, help="seconds per run, ramp-up included (default 60)")
    parser.add_argument("--ramp", type=float, default=20, help="seconds to start all users (default 20)")
    parser.add_argument("--spawn-rate", type=float, help="users started per second (default: users / --ramp)")
    parser.add_argument("--wait", default="1-5", help="seconds a user waits between requests (default 1-5)")
    parser.add_argument("--company-weight", type=int, default=4, help="share of company users (default 4)")
    parser.add_argument("--partner-weight", type=int, default=1, help="share of partner API clients (default 1)")
    parser.add_argument(
        "--gunicorn",
        action="append",
        metavar="ASSIGNMENTS",
        help='a configuration, e.g. "GUNICORN_WORKERS=3 GUNICORN_THREADS=1"; repeat to compare several '
        "(default: gunicorn.conf.py's defaults)",
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("LOAD_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server for the scratch database (default: the local one, user postgres)",
    )
    parser.add_argument("--db", help="use this database, prepared by an earlier run with --keep, as the scratch db")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and the logs")
    parser.add_argument(
        "--one-address",
        action="store_true",
        help="all users from 127.0.0.1, as behind a proxy (default: each company user from its own address)",
    )
    parser.add_argument("--no-matches", action="store_true", help="skip computing the matches (about 10 s)")
    parser.add_argument(
        "--quiet",
        type=float,
        default=25,
        help="before each run wait until the machine is at most this many percent busy (default 25)",
    )
    parser.add_argument("--quiet-wait", type=float, default=120, help="but at most this many seconds (default 120)")
    parser.add_argument(
        "--max-other",
        type=float,
        default=15,
        help="run again when other work took more than this share of the machine during the run (default 15)",
    )
    parser.add_argument(
        "--retries", type=int, default=2, help="at most this many times; the least disturbed run counts (default 2)"
    )
    parser.add_argument("--booths", type=int, default=6, help="open joint booths to apply for (default 6)")
    parser.add_argument("--redis-server", default="redis-server", help="the redis-server command")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--out", type=Path, help="directory for logs and locust's CSV files (default: temporary)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv[:1] == ["setup-data"]:
        options = argparse.ArgumentParser()
        options.add_argument("--accounts", type=int, required=True)
        options.add_argument("--booths", type=int, required=True)
        parsed = options.parse_args(argv[1:])
        print(json.dumps(setup_data(accounts=parsed.accounts, booths=parsed.booths)))
        return 0

    args = arguments(argv)
    user_counts = [int(u) for u in args.users.split(",") if u.strip()]
    configs = [(spec.strip(), parse_gunicorn(spec)) for spec in (args.gunicorn or [""])]
    if shutil.which(args.redis_server.split()[0]) is None:
        raise SystemExit(f"{args.redis_server} not found (Debian: apt-get install redis-server)")

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    out = args.out or Path(tempfile.mkdtemp(prefix="wfs_load_"))
    out.mkdir(parents=True, exist_ok=True)
    setup_log = out / "setup.log"
    server = Server(args.server)
    template = args.db or f"wfs_load_{os.getpid()}"
    created = False
    static_root = Path(tempfile.mkdtemp(prefix="wfs_load_static_"))
    results: list[dict] = []
    completed = False
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "DATABASE_"))},
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_MEDIA_ROOT": str(out / "media"),
        "EMAIL_URL": "consolemail://",
        "DATABASE_URL": server.url_of(template),
        "PYTHONUNBUFFERED": "1",
    }
    # Settings that the runs must not take from a .env file or the calling shell.
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        base_env.pop(name, None)
    try:
        log(f"load test: logs in {out}")
        if args.db:
            if not server.exists(args.db):
                raise SystemExit(f"No database {args.db} on {args.server}")
            log(f"scratch database {template} (prepared before; migrations the code has since are applied)")
            run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env=base_env, log_path=setup_log, what="migrate")
        else:
            log(f"scratch database {template}: migrate, demo data (about a minute)")
            server.create(template)
            created = True
            run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env=base_env, log_path=setup_log, what="migrate")
            started = time.monotonic()
            run([PYTHON, "manage.py", "load_demo"], env=base_env, log_path=setup_log, what="load_demo")
            log(f"  demo data loaded in {time.monotonic() - started:.0f} s")
        accounts = max(user_counts)
        output = run(
            [PYTHON, str(Path(__file__).resolve()), "setup-data", "--accounts", str(accounts)]
            + ["--booths", str(args.booths)],
            env=base_env,
            log_path=setup_log,
            what="portal users, API key, booths",
        )
        setup = json.loads(output.strip().splitlines()[-1])
        log(
            f"  {len(setup['accounts'])} portal users ({setup['organisations_represented']} organisations), "
            f"{len(setup['booths'])} open booths, API key, {setup['api_pages']} pages of organisations"
        )
        if not args.no_matches and not server.query(
            template, "SELECT 1 FROM matchmaking_matchgeneration WHERE state = 'active'"
        ):
            compute_matches(server=server, database=template, base_env=base_env, args=args, out=out)
        run(
            [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"],
            env=base_env,
            log_path=setup_log,
            what="collectstatic",
        )
        for label, gunicorn_env in configs:
            for users in user_counts:
                result = None
                for attempt in range(1, args.retries + 2):
                    again = f", attempt {attempt}" if attempt > 1 else ""
                    log(f"run: gunicorn {label or 'defaults'}, {users} users{again}")
                    candidate = one_run(
                        server=server,
                        template=template,
                        base_env=base_env,
                        gunicorn_env=gunicorn_env,
                        users=users,
                        args=args,
                        setup=setup,
                        out=out,
                        label=label,
                    )
                    candidate["attempt"] = attempt
                    other = candidate["cpu"]["percent_of_machine"]["other"]
                    if result is None or other < result["cpu"]["percent_of_machine"]["other"]:
                        result = candidate
                    if other <= args.max_other:
                        break
                    log(f"  other work took {other} % of the machine during the run (more than {args.max_other} %)")
                results.append(result)
                print_run(result)
                sys.stdout.flush()
        if len(results) > 1:
            print_comparison(results)
        completed = True
        print(
            "\nAll on this machine: gunicorn, PostgreSQL, Redis, the outbox relay, one Celery worker and locust "
            f"share its {os.cpu_count()} cores."
        )
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "date": datetime.datetime.now().isoformat(timespec="seconds"),
                        "cores": os.cpu_count(),
                        "wait_s": args.wait,
                        "company_weight": args.company_weight,
                        "partner_weight": args.partner_weight,
                        "runs": results,
                    },
                    indent=2,
                )
                + "\n"
            )
            log(f"figures written to {args.json}")
        return 0
    except Interrupted as exc:
        log(f"stopped ({exc}): cleaning up")
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if created and not args.keep:
            with contextlib.suppress(Exception):
                server.drop(template)
        elif created:
            log(f"kept the scratch database {template} (reuse it with --db {template})")
        shutil.rmtree(static_root, ignore_errors=True)
        if args.keep or args.out or not completed:
            log(f"logs and locust's CSV files in {out}")
        else:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
