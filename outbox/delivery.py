"""The delivery of claimed outbox messages, each kind to its service: e-mails to the mail server,
tasks to the Celery broker (without a broker, run in this process). This is the one module that
hands messages to the mail server and the broker.

Each delivery tells an outage of its service from a failure of one message:

- An outage (the mail server or the broker cannot be reached, or answers "try later"): nothing is
  wrong with the messages. The rest of the batch is postponed for OUTBOX_OUTAGE_RETRY_SECONDS
  without counting against the messages, and the pass notes the outage, so the relay pauses that
  kind; the first try after the service is back delivers them.
- A failure of the message itself (an address the server refuses, a task that cannot be encoded or
  is unknown): that message is recorded as failed (outbox.claims.mark_failed) and the batch goes on.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import threading
from collections.abc import Callable
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from outbox.choices import MessageKind
from outbox.claims import PassResult, describe_error, mark_delivered, mark_failed, postpone
from outbox.models import OutboxMessage

logger = logging.getLogger(__name__)


def celery_app():
    from wfs_portal.celery import app

    return app


_task_names: set[str] = set()
_task_names_lock = threading.Lock()


def registered_task_names() -> set[str]:
    """The names of every task of the installed apps (their tasks modules imported once)."""
    if not _task_names:
        with _task_names_lock:
            if not _task_names:
                app = celery_app()
                app.loader.import_default_modules()
                _task_names.update(name for name in app.tasks if not name.startswith("celery."))
    return _task_names


class Outage(Exception):
    """The service a kind of message goes to cannot be reached."""


def _hand_over(
    remaining: list[OutboxMessage],
    send: Callable[[OutboxMessage], str | None],
    *,
    is_outage: Callable[[BaseException], bool],
    result: PassResult,
) -> None:
    """Hand the messages to their service one at a time, taking each off ``remaining`` once dealt
    with: ``send`` answers None when the service took it, or why the service refused it. An error
    ``is_outage`` calls an outage raises Outage and leaves this message and the rest in
    ``remaining``; any other error fails this message only."""
    while remaining:
        message = remaining[0]
        try:
            refusal = send(message)
        except Exception as exc:
            if is_outage(exc):
                raise Outage(describe_error(exc)) from exc
            refusal = describe_error(exc)
        remaining.pop(0)
        if refusal is None:
            mark_delivered(message)
            result.delivered += 1
        else:
            mark_failed(message, refusal, result)


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


def deliver_emails(messages: list[OutboxMessage], result: PassResult) -> None:
    mail_connection = get_connection(fail_silently=False)
    remaining = list(messages)

    def send(message: OutboxMessage) -> str | None:
        if mail_connection.send_messages([_email(message, mail_connection)]):
            return None
        return "the mail server accepted no recipient"

    try:
        mail_connection.open()
        _hand_over(remaining, send, is_outage=is_mail_outage, result=result)
    except Exception as exc:
        error = str(exc) if isinstance(exc, Outage) else describe_error(exc)
        if not isinstance(exc, Outage) and not is_mail_outage(exc):
            for message in remaining:
                mark_failed(message, error, result)
            return
        result.outages[MessageKind.EMAIL] = error
        for message in remaining:
            postpone(message, seconds=settings.OUTBOX_OUTAGE_RETRY_SECONDS, error=error)
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


def deliver_tasks(messages: list[OutboxMessage], result: PassResult) -> None:
    app = celery_app()
    if app.conf.task_always_eager:
        _run_tasks_here(messages, result)
        return
    remaining = list(messages)
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=0, timeout=settings.OUTBOX_BROKER_TIMEOUT_SECONDS)

            def send(message: OutboxMessage) -> None:
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

            _hand_over(remaining, send, is_outage=is_broker_outage, result=result)
    except Exception as exc:
        if not isinstance(exc, Outage) and not is_broker_outage(exc):
            raise
        error = str(exc) if isinstance(exc, Outage) else describe_error(exc)
        result.outages[MessageKind.TASK] = error
        for message in remaining:
            postpone(message, seconds=settings.OUTBOX_OUTAGE_RETRY_SECONDS, error=error)


def _run_tasks_here(messages: list[OutboxMessage], result: PassResult) -> None:
    """No broker: run each task now, in this process. Its own failure is the task's business (it is
    logged, as a worker would); the message was delivered."""
    app = celery_app()
    registered_task_names()
    for message in messages:
        task = app.tasks.get(message.task_name)
        if task is None:
            mark_failed(message, f"unknown task {message.task_name}", result)
            continue
        mark_delivered(message)
        result.delivered += 1
        outcome = task.apply(args=message.task_args, kwargs=message.task_kwargs, task_id=_task_id(message), throw=False)
        if outcome.failed():
            logger.error(
                "task %s(%s) failed: %r\n%s", message.task_name, message.task_args, outcome.result, outcome.traceback
            )


# The delivery of each kind of message.
DELIVER = {MessageKind.EMAIL: deliver_emails, MessageKind.TASK: deliver_tasks}
