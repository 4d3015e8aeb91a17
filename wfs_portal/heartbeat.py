"""Signs of life of long background work, so that a watchdog can tell work that is slow from work
whose worker died (killed, out of memory, machine gone) and start it again within minutes."""

import contextlib
import logging
import threading

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def heartbeat(rows: QuerySet, *, field: str = "heartbeat_at", every: float = 30.0):
    """Set ``field`` of ``rows`` to now at once and then every ``every`` seconds while the block runs,
    from a thread of its own (the work itself may sit in one long numpy call). Inside a transaction
    nobody else could see the beats, so there only the first is written."""
    rows.update(**{field: timezone.now()})
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(every):
                try:
                    rows.update(**{field: timezone.now()})
                except Exception:  # a missed beat only makes the watchdog look closer
                    logger.warning("heartbeat of %s could not be written", rows.model.__name__, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{rows.model.__name__}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every)
