"""Claiming the outbox's due messages, and recording what became of each claimed one.

- Claiming: a batch of due messages is marked "being delivered" with a lease in one short
  transaction (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several relays (the relay
  process, the beat safety net) never deliver one message twice; a relay that dies leaves its
  claims to run out, and the messages are taken again.
- Delivered: the message is marked sent (a sensitive one loses its text).
- Postponed (an outage of the service it goes to): due again in a few seconds, the attempt not
  counted against the message.
- Failed (a failure of the message itself): due again after an exponential backoff, and after
  OUTBOX_MAX_ATTEMPTS set aside as "failed for good", where staff see the error and can send it
  again (admin, "Outgoing messages"); staff are told through ``message_failed_for_good``.

Every outcome is written only while the message is still "being delivered", the state its claim
gave it. The delivery itself is outbox.delivery; the passes and the loop are outbox.relay."""

from __future__ import annotations

import datetime
import logging
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from outbox.choices import MessageState
from outbox.models import OutboxMessage
from outbox.signals import message_failed_for_good

logger = logging.getLogger(__name__)


@dataclass
class PassResult:
    """What one pass of the relay did, by outcome, and the services it found unreachable."""

    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    outages: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        text = f"claimed {self.claimed}, delivered {self.delivered}, failed {self.failed}, set aside {self.dead}"
        for kind, error in self.outages.items():
            text += f"; {kind} service unreachable: {error}"
        return text


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def due_q(now: datetime.datetime) -> Q:
    """Waiting and due, or claimed by a relay whose lease ran out (it died while delivering)."""
    return Q(state=MessageState.PENDING, available_at__lte=now) | Q(state=MessageState.SENDING, locked_until__lt=now)


def claim(kind: str, *, limit: int, ids: list[int] | None = None, due_only: bool = False) -> list[OutboxMessage]:
    """Mark up to ``limit`` due messages of ``kind`` as being delivered, oldest first, and return
    them. With ``ids``: those messages, due or not (delivery right after the commit), or only if due
    (``due_only``)."""
    now = timezone.now()
    with transaction.atomic():
        candidates = OutboxMessage.objects.filter(kind=kind)
        if ids is not None and due_only:
            candidates = candidates.filter(pk__in=ids).filter(due_q(now))
        elif ids is not None:
            candidates = candidates.filter(pk__in=ids).filter(
                Q(state=MessageState.PENDING) | Q(state=MessageState.SENDING, locked_until__lt=now)
            )
        else:
            candidates = candidates.filter(due_q(now))
        picked = list(
            candidates.order_by("available_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not picked:
            return []
        OutboxMessage.objects.filter(pk__in=picked).update(state=MessageState.SENDING, locked_until=now + _lease())
    return list(OutboxMessage.objects.filter(pk__in=picked).order_by("available_at", "pk"))


def mark_delivered(message: OutboxMessage) -> None:
    # A sign-in or confirmation link is nobody's business once it is on its way.
    blank = {"body": "", "html_body": ""} if message.sensitive else {}
    OutboxMessage.objects.filter(pk=message.pk, state=MessageState.SENDING).update(
        state=MessageState.SENT, sent_at=timezone.now(), locked_until=None, last_error="", **blank
    )


def _back_to_waiting(message: OutboxMessage, *, due: datetime.datetime, error: str, attempts: int) -> None:
    try:
        with transaction.atomic():
            OutboxMessage.objects.filter(pk=message.pk, state=MessageState.SENDING).update(
                state=MessageState.PENDING, available_at=due, locked_until=None, last_error=error, attempts=attempts
            )
    except IntegrityError:
        # A newer message with the same coalesce value waits already: it does this one's work.
        OutboxMessage.objects.filter(pk=message.pk, state=MessageState.SENDING).delete()


def postpone(message: OutboxMessage, *, seconds: float, error: str) -> None:
    """An outage: due again in a few seconds, the failure not counted against the message."""
    due = timezone.now() + datetime.timedelta(seconds=seconds)
    _back_to_waiting(message, due=due, error=error, attempts=message.attempts)


def backoff_seconds(attempts: int) -> float:
    """Wait after the ``attempts``-th failure of a message: doubling from OUTBOX_RETRY_BASE_SECONDS,
    at most OUTBOX_RETRY_MAX_SECONDS, with a tenth of jitter so retries do not arrive together."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    wait = min(base, settings.OUTBOX_RETRY_MAX_SECONDS)
    return wait * (1 + random.uniform(0, 0.1))


def mark_failed(message: OutboxMessage, error: str, result: PassResult) -> None:
    """A failure of the message itself: tried again after backoff_seconds, or set aside for good
    once it has failed OUTBOX_MAX_ATTEMPTS times."""
    attempts = message.attempts + 1
    if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        OutboxMessage.objects.filter(pk=message.pk, state=MessageState.SENDING).update(
            state=MessageState.DEAD, locked_until=None, last_error=error, attempts=attempts
        )
        result.dead += 1
        logger.error("outbox message %s failed for good after %d attempts: %s", message.pk, attempts, error)
        message.state, message.attempts, message.last_error = MessageState.DEAD, attempts, error
        try:
            message_failed_for_good.send(sender=OutboxMessage, message=message)
        except Exception:  # telling staff must not stop the relay
            logger.exception("reporting the failed outbox message %s failed", message.pk)
        return
    due = timezone.now() + datetime.timedelta(seconds=backoff_seconds(attempts))
    _back_to_waiting(message, due=due, error=error, attempts=attempts)
    result.failed += 1
    logger.warning("outbox message %s failed (attempt %d), tried again at %s: %s", message.pk, attempts, due, error)


def describe_error(exc: BaseException) -> str:
    """An exception as the message's ``last_error`` (at most 2,000 characters)."""
    return f"{type(exc).__name__}: {exc}"[:2000]
