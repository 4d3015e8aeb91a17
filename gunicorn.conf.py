"""Gunicorn's configuration: ``gunicorn --config gunicorn.conf.py wfs_portal.wsgi``.

Every knob comes from the environment; a bad value stops the start with a message that names the variable.
The defaults were chosen with the load test (bench/load.py; figures and reasons in bench/README.md, "Load test"):

| variable | default | meaning |
|---|---|---|
| ``GUNICORN_BIND`` | ``0.0.0.0:8000`` | address (or ``unix:/path``), comma-separated for several |
| ``GUNICORN_WORKERS`` | cores + 1 | worker processes |
| ``GUNICORN_THREADS`` | 1 | threads per worker: 1 is the ``sync`` worker class, more the ``gthread`` one |
| ``GUNICORN_KEEPALIVE`` | 5 | seconds an idle keep-alive connection is held open (gthread only; sync closes at once) |
| ``GUNICORN_TIMEOUT`` | 30 | a worker silent for this long is killed and replaced |
| ``GUNICORN_GRACEFUL_TIMEOUT`` | 30 | seconds the workers get to finish their requests on a stop or restart |
| ``GUNICORN_MAX_REQUESTS`` | 5000 | a worker is replaced after about this many requests (0: never) |
| ``GUNICORN_MAX_REQUESTS_JITTER`` | 500 | random extra, so the workers are not all replaced at once |
| ``GUNICORN_BACKLOG`` | 2048 | connections waiting to be accepted |
| ``GUNICORN_ACCESS_LOG`` | ``true`` | one line per request on stdout |
| ``GUNICORN_LOG_LEVEL`` | ``info`` | gunicorn's own messages (stderr) |

The sync worker expects a proxy in front that buffers requests and answers (nginx does by default), so that a
slow client does not hold a worker; without one, use threads (e.g. GUNICORN_WORKERS=2 GUNICORN_THREADS=4).
"""

import gc
import os


def _int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise RuntimeError(f"Unexpected value {name}={raw}: a whole number of at least {minimum} is needed.")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1", "yes", "on"):
        return True
    if raw in ("false", "0", "no", "off"):
        return False
    raise RuntimeError(f"Unexpected value {name}={raw}: use true or false.")


def _cores() -> int:
    # The cores this process may run on (a container's cpuset), not all the host has.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",") if address.strip()]
backlog = _int("GUNICORN_BACKLOG", 2048, minimum=1)

# A portal request is mostly Python (templates, forms, serializers) between short queries, so the cores are
# the limit: one process per core plus one to use the time a request waits for PostgreSQL or Redis. In the
# load test (with persistent database connections) this served as many requests as 2 x cores + 1
# processes or 2-4 processes with 4-8 threads or more, with a lower p95 and less CPU per request (threads
# of one process contend for its GIL); without persistent connections all of them were level.
workers = _int("GUNICORN_WORKERS", _cores() + 1, minimum=1)
threads = _int("GUNICORN_THREADS", 1, minimum=1)
worker_class = "gthread" if threads > 1 else "sync"
# Only the gthread worker keeps connections alive; the sync worker closes each after one answer.
keepalive = _int("GUNICORN_KEEPALIVE", 5, minimum=0)
timeout = _int("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
# Replacing workers now and then bounds the memory a slow leak (or fragmentation) can take.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000, minimum=0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500, minimum=0)

accesslog = "-" if _bool("GUNICORN_ACCESS_LOG", True) else None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The heartbeat file of each worker: in memory, since a container's overlay file system can stall
# the writes for long enough that a healthy worker is taken for a silent one.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Load Django once in the master; the forked workers share its memory pages copy-on-write.
preload_app = True


def when_ready(server):
    # The URLconf imports every view module (admin, API, portal); importing it here instead of on
    # each worker's first request puts those modules in the shared pages too.
    from django.urls import get_resolver

    len(get_resolver().url_patterns)
    # Nothing may be shared that a worker would use as its own: connections opened while loading
    # (none are, but a future import-time query must not leak a socket into every worker).
    from django.db import connections

    connections.close_all()
    # Move everything loaded so far out of the garbage collector's reach: a collection in a worker
    # would otherwise write to (and so copy) every page that holds a Python object's header.
    gc.collect()
    gc.freeze()


def pre_fork(server, worker):
    # Objects the master made since (e.g. while replacing a worker) are frozen as well.
    gc.freeze()
