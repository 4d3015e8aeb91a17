"""The relay: delivers the outbox's committed messages, e-mails to the mail server and tasks to the
Celery broker, and decides what a failure means.

- Claiming: a batch of due messages is marked "being delivered" with a lease in one short
  transaction (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several relays (the relay
  process, the beat safety net) never deliver one message twice; a relay that dies leaves its
  claims to run out, and the messages are taken again.
- An outage (the mail server or the broker cannot be reached, or answers "try later"): nothing is
  wrong with the messages. They wait a few seconds and are tried again, for as long as the outage
  lasts, without counting against them; the first try after the service is back delivers them.
- A failure of the message itself (an address the server refuses, a task that cannot be encoded):
  tried again with exponential backoff, and after OUTBOX_MAX_ATTEMPTS set aside as "failed for
  good", where staff see the error and can send it again (admin, "Outgoing messages").

Without a broker (CELERY_TASK_ALWAYS_EAGER: a laptop, the test suite) there is no relay process:
the messages of a transaction are delivered right after its commit (``deliver_now``), tasks run
in-process."""

from __future__ import annotations

import datetime
import hashlib
import logging
import random
import smtplib
import threading
import time
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from outbox.choices import MessageKind, MessageState
from outbox.models import OutboxMessage
from outbox.signals import message_failed_for_good

logger = logging.getLogger(__name__)


def _celery_app():
    from wfs_portal.celery import app

    return app


_task_names: set[str] = set()
_task_names_lock = threading.Lock()


def registered_task_names() -> set[str]:
    """The names of every task of the installed apps (their tasks modules imported once)."""
    if not _task_names:
        with _task_names_lock:
            if not _task_names:
                app = _celery_app()
                app.loader.import_default_modules()
                _task_names.update(name for name in app.tasks if not name.startswith("celery."))
    return _task_names


def delivers_after_commit() -> bool:
    """Without a broker, tasks run eagerly: the committing process delivers its own messages."""
    return bool(_celery_app().conf.task_always_eager)


class Outage(Exception):
    """The service a kind of message goes to cannot be reached."""


@dataclass
class PassResult:
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


# --- claiming ------------------------------------------------------------------------------------


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def due_q(now: datetime.datetime) -> Q:
    """Waiting and due, or claimed by a relay whose lease ran out (it died while delivering)."""
    return Q(state=MessageState.PENDING, available_at__lte=now) | Q(state=MessageState.SENDING, locked_until__lt=now)


def claim(kind: str, *, limit: int, ids: list[int] | None = None) -> list[OutboxMessage]:
    """Mark up to ``limit`` due messages of ``kind`` as being delivered, oldest first, and return
    them. With ``ids``: those messages, due or not (delivery right after the commit)."""
    now = timezone.now()
    with transaction.atomic():
        candidates = OutboxMessage.objects.filter(kind=kind)
        if ids is not None:
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


def _delivered(message: OutboxMessage) -> None:
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


def _postpone(message: OutboxMessage, *, seconds: float, error: str) -> None:
    """An outage: due again in a few seconds, the failure not counted against the message."""
    due = timezone.now() + datetime.timedelta(seconds=seconds)
    _back_to_waiting(message, due=due, error=error, attempts=message.attempts)


def backoff_seconds(attempts: int) -> float:
    """Wait after the ``attempts``-th failure of a message: doubling from OUTBOX_RETRY_BASE_SECONDS,
    at most OUTBOX_RETRY_MAX_SECONDS, with a tenth of jitter so retries do not arrive together."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    wait = min(base, settings.OUTBOX_RETRY_MAX_SECONDS)
    return wait * (1 + random.uniform(0, 0.1))


def _failed(message: OutboxMessage, error: str, result: PassResult) -> None:
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


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


# --- e-mail --------------------------------------------------------------------------------------


def is_mail_outage(exc: BaseException) -> bool:
    """The mail server is unreachable or not serving (as opposed to refusing this message)."""
    if isinstance(
        exc,
        (
            smtplib.SMTPServerDisconnected,
            smtplib.SMTPConnectError,
            smtplib.SMTPHeloError,
            smtplib.SMTPAuthenticationError,
        ),
    ):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421  # "service not available, closing channel"
    if isinstance(exc, smtplib.SMTPException):
        return False  # recipients or sender refused, data refused: this message's problem
    return isinstance(exc, OSError)  # refused connection, timeout, name resolution, TLS


def message_id(message: OutboxMessage) -> str:
    """A Message-ID made from the message's key: a second delivery of the same message carries the
    same id, which mail clients and servers recognise as the same e-mail."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "wfs.example"
    return f"<{hashlib.sha256(message.key.encode()).hexdigest()[:40]}@{domain}>"


def _email(message: OutboxMessage, mail_connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        message.subject,
        message.body,
        None,
        [message.recipient],
        connection=mail_connection,
        headers={
            "Message-ID": message_id(message),
            # RFC 3834: written by the portal, not a person; no out-of-office replies, please.
            "Auto-Submitted": "auto-generated",
            **({"Content-Language": message.language} if message.language else {}),
        },
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    return email


def _deliver_emails(messages: list[OutboxMessage], result: PassResult) -> None:
    mail_connection = get_connection(fail_silently=False)
    remaining = list(messages)
    try:
        mail_connection.open()
        while remaining:
            message = remaining[0]
            try:
                sent = mail_connection.send_messages([_email(message, mail_connection)])
            except Exception as exc:
                if is_mail_outage(exc):
                    raise Outage(_describe(exc)) from exc
                remaining.pop(0)
                _failed(message, _describe(exc), result)
                continue
            remaining.pop(0)
            if sent:
                _delivered(message)
                result.delivered += 1
            else:
                _failed(message, "the mail server accepted no recipient", result)
    except Exception as exc:
        error = str(exc) if isinstance(exc, Outage) else _describe(exc)
        if not isinstance(exc, Outage) and not is_mail_outage(exc):
            for message in remaining:
                _failed(message, error, result)
            return
        result.outages[MessageKind.EMAIL] = error
        for message in remaining:
            _postpone(message, seconds=settings.OUTBOX_OUTAGE_RETRY_SECONDS, error=error)
    finally:
        try:
            mail_connection.close()
        except Exception:  # closing a connection to a server that is gone: nothing to do
            logger.debug("closing the mail connection failed", exc_info=True)


# --- tasks ---------------------------------------------------------------------------------------


def is_broker_outage(exc: BaseException) -> bool:
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return isinstance(exc, (OperationalError, RedisConnectionError, RedisTimeoutError, OSError))


def _task_id(message: OutboxMessage) -> str:
    return f"outbox-{message.pk}"


def _deliver_tasks(messages: list[OutboxMessage], result: PassResult) -> None:
    app = _celery_app()
    if app.conf.task_always_eager:
        _run_tasks_here(messages, result)
        return
    remaining = list(messages)
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=0, timeout=settings.OUTBOX_BROKER_TIMEOUT_SECONDS)
            while remaining:
                message = remaining[0]
                try:
                    app.send_task(
                        message.task_name,
                        args=message.task_args,
                        kwargs=message.task_kwargs,
                        task_id=_task_id(message),
                        connection=broker,
                        add_to_parent=False,
                        # One quick attempt: an outage is handled here, by postponing the message.
                        retry=False,
                    )
                except Exception as exc:
                    if is_broker_outage(exc):
                        raise Outage(_describe(exc)) from exc
                    remaining.pop(0)
                    _failed(message, _describe(exc), result)
                    continue
                remaining.pop(0)
                _delivered(message)
                result.delivered += 1
    except Exception as exc:
        if not isinstance(exc, Outage) and not is_broker_outage(exc):
            raise
        error = str(exc) if isinstance(exc, Outage) else _describe(exc)
        result.outages[MessageKind.TASK] = error
        for message in remaining:
            _postpone(message, seconds=settings.OUTBOX_OUTAGE_RETRY_SECONDS, error=error)


def _run_tasks_here(messages: list[OutboxMessage], result: PassResult) -> None:
    """No broker: run each task now, in this process. Its own failure is the task's business (it is
    logged, as a worker would); the message was delivered."""
    app = _celery_app()
    registered_task_names()
    for message in messages:
        task = app.tasks.get(message.task_name)
        if task is None:
            _failed(message, f"unknown task {message.task_name}", result)
            continue
        _delivered(message)
        result.delivered += 1
        outcome = task.apply(args=message.task_args, kwargs=message.task_kwargs, task_id=_task_id(message), throw=False)
        if outcome.failed():
            logger.error(
                "task %s(%s) failed: %r\n%s", message.task_name, message.task_args, outcome.result, outcome.traceback
            )


# --- passes --------------------------------------------------------------------------------------

DELIVER = {MessageKind.EMAIL: _deliver_emails, MessageKind.TASK: _deliver_tasks}


def relay_pass(*, limit: int | None = None, kinds=tuple(MessageKind), ids: list[int] | None = None) -> PassResult:
    """Claim and deliver one batch of each kind. Returns what happened."""
    result = PassResult()
    for kind in kinds:
        batch = claim(kind, limit=limit or settings.OUTBOX_BATCH_SIZE, ids=ids)
        result.claimed += len(batch)
        if batch:
            DELIVER[kind](batch, result)
    return result


def deliver_now(ids: list[int]) -> PassResult:
    """Deliver the messages a transaction just committed (no broker: in this process)."""
    return relay_pass(ids=ids, limit=len(ids))


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
