"""Writes of the outbox: how services send an e-mail or start a background task (``email_enqueue``,
``task_enqueue``, called inside the service's transaction), and staff's "send again".

Nothing here talks to the mail server or the broker. A message is a row written in the caller's
transaction: if the change is rolled back, so is the message; once it is committed, the relay
(outbox.relay) delivers it, however long the mail server or Redis is away. Without a broker (a
laptop, the test suite) the relay's delivery runs right after the commit, in the same process.

Delivery is at least once: a task may run twice (tasks claim their work, so the second run does
nothing), an e-mail carries a Message-ID made from its key."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from outbox.choices import MessageKind, MessageState
from outbox.models import OutboxMessage

# Woken by NOTIFY on PostgreSQL (delivered only when the transaction commits), the relay delivers at
# once instead of at its next poll.
NOTIFY_CHANNEL = "wfs_outbox"
SUBJECT_MAX_LENGTH = OutboxMessage._meta.get_field("subject").max_length


def task_enqueue(
    name: str,
    *,
    args: Iterable = (),
    kwargs: dict | None = None,
    key: str | None = None,
    coalesce: str = "",
    delay: float = 0,
    topic: str = "",
) -> OutboxMessage:
    """Run the Celery task ``name`` with JSON ``args``/``kwargs`` once the caller's transaction commits.

    ``key``: a second call with the same key adds nothing (returns the first message).
    ``coalesce``: while a message with the same value waits, another call only moves its due time to
    ``delay`` seconds from now (a burst of changes of one organisation makes one update).
    ``delay``: not before this many seconds from now."""
    from outbox.delivery import registered_task_names

    if name not in registered_task_names():
        raise ValueError(f"Unknown task {name!r}: tasks are enqueued by their registered name.")
    args, kwargs = list(args), dict(kwargs or {})
    json.dumps([args, kwargs])  # tasks take JSON only; refuse anything else here, not in the relay
    message = OutboxMessage(
        kind=MessageKind.TASK,
        task_name=name,
        task_args=args,
        task_kwargs=kwargs,
        key=key or uuid.uuid4().hex,
        coalesce=coalesce,
        available_at=timezone.now() + datetime.timedelta(seconds=delay),
        topic=topic or name,
    )
    return _add([message])[0]


def email_enqueue(
    *,
    recipient: str,
    subject: str,
    body: str,
    html_body: str = "",
    language: str = "",
    key: str | None = None,
    topic: str = "",
    sensitive: bool = False,
) -> OutboxMessage:
    """Send one e-mail, already rendered, to one address once the caller's transaction commits.
    Services do not call this directly: they go through the notification door
    (notifications.door.notify), which picks recipients and languages and renders the texts.
    ``sensitive``: the text holds a sign-in or confirmation link; it is hidden from staff and
    deleted once delivered."""
    return email_enqueue_many(
        [
            {
                "recipient": recipient,
                "subject": subject,
                "body": body,
                "html_body": html_body,
                "language": language,
                "key": key,
                "topic": topic,
                "sensitive": sensitive,
            }
        ]
    )[0]


def email_enqueue_many(emails: list[dict]) -> list[OutboxMessage]:
    """Several e-mails of one occasion (one per recipient), delivered together."""
    messages = [
        OutboxMessage(
            kind=MessageKind.EMAIL,
            recipient=email["recipient"],
            subject=" ".join(email["subject"].split())[:SUBJECT_MAX_LENGTH],
            body=email["body"],
            html_body=email.get("html_body", ""),
            language=email.get("language", ""),
            key=email.get("key") or uuid.uuid4().hex,
            topic=email.get("topic", ""),
            sensitive=email.get("sensitive", False),
        )
        for email in emails
    ]
    return _add(messages)


def _add(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    result = []
    with transaction.atomic():
        for message in messages:
            result.append(_add_one(message))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, ""])
    from outbox.relay import delivers_after_commit

    if delivers_after_commit():
        _deliver_after_commit([message for message in result if message.state == MessageState.PENDING])
    return result


def _deliver_after_commit(messages: list[OutboxMessage]) -> None:
    """No broker: what is due goes right after the commit, what is due later at its time (a timer
    of this process), or also right away when OUTBOX_DELIVER_LATER_IN_PROCESS is off (the test
    suite does not wait). ``robust``: a failed delivery stays in the outbox; it never fails the
    request."""
    from outbox.relay import deliver_later, deliver_now

    now = timezone.now()
    waits = settings.OUTBOX_DELIVER_LATER_IN_PROCESS
    at_once = [message.pk for message in messages if message.available_at <= now or not waits]
    if at_once:
        transaction.on_commit(lambda: deliver_now(at_once), robust=True)
    later: dict = {}
    for message in messages:
        if message.available_at > now and waits:
            later.setdefault(message.available_at, []).append(message.pk)
    for when, ids in later.items():
        transaction.on_commit(lambda ids=ids, when=when: deliver_later(ids, when), robust=True)


def _add_one(message: OutboxMessage) -> OutboxMessage:
    """Insert the message, unless its key exists (then the existing one is the answer) or a message
    with its coalesce value waits (then that one is due at the later of the two times)."""
    for _attempt in range(3):
        existing = OutboxMessage.objects.filter(key=message.key).first()
        if existing is not None:
            return existing
        if message.coalesce:
            waiting = OutboxMessage.objects.filter(coalesce=message.coalesce, state=MessageState.PENDING).first()
            if waiting is not None:
                if message.available_at > waiting.available_at:
                    OutboxMessage.objects.filter(pk=waiting.pk, state=MessageState.PENDING).update(
                        available_at=message.available_at
                    )
                    waiting.available_at = message.available_at
                return waiting
        try:
            # A savepoint: a concurrent insert of the same key or coalesce value must not break the
            # caller's transaction; the loop then finds the other one.
            with transaction.atomic():
                message.save()
            return message
        except IntegrityError:
            continue
    raise RuntimeError(f"outbox message {message.key!r} could neither be added nor found")


@transaction.atomic
def outbox_message_resend(*, message: OutboxMessage) -> bool:
    """Staff's "send again": a message that failed for good (or waits after failures) is due now,
    with its failure count reset. False for a message that is delivered or being delivered."""
    changed = OutboxMessage.objects.filter(pk=message.pk, state__in=[MessageState.DEAD, MessageState.PENDING]).update(
        state=MessageState.PENDING,
        available_at=timezone.now(),
        attempts=0,
        # A waiting message with the same coalesce value would conflict; this one is delivered by itself.
        coalesce="",
    )
    if changed and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, ""])
    return bool(changed)


def outbox_forget_address(*, address: str) -> int:
    """Erase every e-mail to ``address`` (a person who erased their account): texts name them."""
    deleted, _ = OutboxMessage.objects.filter(kind=MessageKind.EMAIL, recipient__iexact=address).delete()
    return deleted


def outbox_purge(*, delivered_days: int, failed_days: int) -> int:
    """Delete delivered messages older than ``delivered_days`` and failed ones older than
    ``failed_days``: they hold personal data (addresses, texts) that is no longer needed."""
    now = timezone.now()
    delivered, _ = OutboxMessage.objects.filter(
        state=MessageState.SENT, created__lt=now - datetime.timedelta(days=delivered_days)
    ).delete()
    failed, _ = OutboxMessage.objects.filter(
        state=MessageState.DEAD, created__lt=now - datetime.timedelta(days=failed_days)
    ).delete()
    return delivered + failed
