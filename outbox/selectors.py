"""Reads of the outbox."""

import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from outbox.choices import MessageState
from outbox.models import OutboxMessage

OPEN = [MessageState.PENDING, MessageState.SENDING]


def waiting(*, coalesce_prefix: str) -> bool:
    """Whether a message whose coalesce value starts with ``coalesce_prefix`` waits to be delivered
    (work started but not yet handed to the broker: not lost, only held up by an outage)."""
    return OutboxMessage.objects.filter(state__in=OPEN, coalesce__startswith=coalesce_prefix).exists()


def backlog(now: datetime.datetime | None = None) -> dict:
    """What waits and what failed: counts, and the age in seconds of the oldest due message."""
    now = now or timezone.now()
    row = OutboxMessage.objects.filter(Q(state__in=OPEN) | Q(state=MessageState.DEAD)).aggregate(
        waiting=Count("pk", filter=Q(state__in=OPEN)),
        due=Count("pk", filter=Q(state__in=OPEN, available_at__lte=now)),
        failed=Count("pk", filter=Q(state=MessageState.DEAD)),
        oldest_due=Min("available_at", filter=Q(state__in=OPEN, available_at__lte=now)),
    )
    oldest = row.pop("oldest_due")
    row["oldest_due_seconds"] = round((now - oldest).total_seconds(), 1) if oldest else 0.0
    return row
