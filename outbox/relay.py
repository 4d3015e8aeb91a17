"""The relay: delivers the outbox's committed messages, e-mails to the mail server and tasks to the
Celery broker.

Each pass claims a batch of due messages of each kind and delivers it. Claiming and what becomes of
a message are outbox.claims (the lease that keeps two relays from delivering one message twice, the
retries with backoff, the messages set aside for good); handing a batch to the mail server or the
broker is outbox.delivery (an outage of either is waited out without counting against the messages,
a message that fails by itself is retried). ``Relay`` is the loop of ``manage.py outbox_relay``;
beat's ``outbox_deliver_due`` runs a pass should that process be down.

Without a broker (CELERY_TASK_ALWAYS_EAGER: a laptop, the test suite) there is no relay process:
the messages of a transaction are delivered right after its commit (``deliver_now``), tasks run
in-process. A message due later (a webhook's retry, a debounced update) is delivered by a timer of
the same process at its time (``deliver_later``); should the process end first, the message waits in
the outbox for the next pass."""

from __future__ import annotations

import datetime
import logging
import threading
import time

from django.conf import settings
from django.db import connection
from django.db.models import Min, Q
from django.utils import timezone

from outbox.choices import MessageKind, MessageState
from outbox.claims import PassResult, claim
from outbox.delivery import DELIVER, celery_app
from outbox.models import OutboxMessage

logger = logging.getLogger(__name__)


def delivers_after_commit() -> bool:
    """Without a broker, tasks run eagerly: the committing process delivers its own messages."""
    return bool(celery_app().conf.task_always_eager)


def relay_pass(
    *, limit: int | None = None, kinds=tuple(MessageKind), ids: list[int] | None = None, due_only: bool = False
) -> PassResult:
    """Claim and deliver one batch of each kind. Returns what happened."""
    result = PassResult()
    for kind in kinds:
        batch = claim(kind, limit=limit or settings.OUTBOX_BATCH_SIZE, ids=ids, due_only=due_only)
        result.claimed += len(batch)
        if batch:
            DELIVER[kind](batch, result)
    return result


def deliver_now(ids: list[int], *, due_only: bool = False) -> PassResult:
    """Deliver the messages a transaction just committed (no broker: in this process), due or not
    unless ``due_only``."""
    return relay_pass(ids=ids, limit=len(ids), due_only=due_only)


def deliver_later(ids: list[int], when: datetime.datetime) -> threading.Timer:
    """Deliver messages due at ``when`` from a timer thread of this process (no broker, and
    OUTBOX_DELIVER_LATER_IN_PROCESS on). Only what is due then is claimed: a message delivered or
    moved to a later time meanwhile is left alone, and the later time has its own timer."""
    wait = max((when - timezone.now()).total_seconds(), 0) + 0.05
    timer = threading.Timer(wait, _deliver_in_thread, args=(ids,))
    timer.daemon = True
    timer.name = "outbox-deliver-later"
    timer.start()
    return timer


def _deliver_in_thread(ids: list[int]) -> None:
    try:
        deliver_now(ids, due_only=True)
    except Exception:
        logger.exception("outbox: delivering messages %s later in this process failed (they stay pending)", ids)
    finally:
        connection.close()


def next_due(now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When the next waiting message falls due (or a claim runs out)."""
    row = OutboxMessage.objects.filter(state__in=[MessageState.PENDING, MessageState.SENDING]).aggregate(
        pending=Min("available_at", filter=Q(state=MessageState.PENDING)),
        claimed=Min("locked_until", filter=Q(state=MessageState.SENDING)),
    )
    times = [t for t in row.values() if t is not None]
    return min(times) if times else None


class Relay:
    """The relay's loop (``manage.py outbox_relay``): deliver what is due, then sleep until a commit
    notifies it (PostgreSQL LISTEN), the next message falls due, or ``idle`` seconds pass. An outage
    of one service pauses that kind for OUTBOX_OUTAGE_RETRY_SECONDS; the database being away pauses
    everything, with a growing wait of at most 30 seconds."""

    def __init__(self, *, batch: int | None = None, idle: float = 5.0):
        self.batch = batch or settings.OUTBOX_BATCH_SIZE
        self.idle = idle
        self.paused_until: dict[str, float] = {}
        self._listener = None

    def run_once(self) -> PassResult:
        now = time.monotonic()
        kinds = [kind for kind in MessageKind if self.paused_until.get(kind, 0) <= now]
        result = relay_pass(limit=self.batch, kinds=kinds)
        for kind in result.outages:
            self.paused_until[kind] = time.monotonic() + settings.OUTBOX_OUTAGE_RETRY_SECONDS
        return result

    def run_forever(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                result = self.run_once()
                if result.claimed or result.outages:
                    logger.info("outbox relay: %s", result)
                failures = 0
                if result.claimed >= self.batch and not result.outages:
                    continue  # more may be due at once
                self._wait(stop, self._timeout())
            except Exception:
                failures += 1
                logger.exception("outbox relay pass failed (the database may be unreachable)")
                self._close_listener()
                try:
                    # The next pass connects afresh (the loop keeps one connection while it works).
                    connection.close()
                except Exception:
                    logger.debug("closing the database connection failed", exc_info=True)
                stop.wait(min(2**failures, 30))
        self._close_listener()
        connection.close()

    def _timeout(self) -> float:
        timeout = self.idle
        due = next_due()
        if due is not None:
            timeout = min(timeout, max((due - timezone.now()).total_seconds(), 0.05))
        now = time.monotonic()
        for until in self.paused_until.values():
            if until > now:
                timeout = min(timeout, until - now)
        return max(timeout, 0.05)

    def _wait(self, stop: threading.Event, timeout: float) -> None:
        if connection.vendor != "postgresql":
            stop.wait(timeout)
            return
        listener = self._listen()
        deadline = time.monotonic() + timeout
        # Wake at least every second to notice a stop.
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if any(True for _ in listener.notifies(timeout=min(left, 1.0), stop_after=1)):
                return

    def _listen(self):
        if self._listener is None or self._listener.closed:
            import psycopg

            params = settings.DATABASES["default"]
            self._listener = psycopg.connect(
                dbname=connection.settings_dict["NAME"],
                user=params.get("USER") or None,
                password=params.get("PASSWORD") or None,
                host=params.get("HOST") or None,
                port=params.get("PORT") or None,
                connect_timeout=params.get("OPTIONS", {}).get("connect_timeout", 5),
                autocommit=True,
            )
            from outbox.services import NOTIFY_CHANNEL

            self._listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:
                logger.debug("closing the listening connection failed", exc_info=True)
            self._listener = None
