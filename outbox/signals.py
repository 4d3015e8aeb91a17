"""Signals of the outbox, for those who want to react to a delivery problem without the outbox
knowing them."""

from django.dispatch import Signal

# Sent with ``message`` (an OutboxMessage) when the relay sets a message aside after its last attempt.
message_failed_for_good = Signal()
