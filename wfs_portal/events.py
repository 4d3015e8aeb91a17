"""Domain events for those outside the app that causes them (the partner webhooks): an app's
service announces that something happened with ``publish(event_type, subject)`` inside its own
transaction; whoever subscribed (in its AppConfig.ready) writes what it needs in that same
transaction, so an event is never announced for a change that was rolled back. This module knows
no app: the producing apps import it, the subscribers register with it.

``subject`` is the record the event is about (an organisation, a partnering profile, a trade fair,
a delegation, a booth registration or delegation participant, a match generation); ``details``
what the subscriber cannot read from it (e.g. the organisations whose lists a match update wrote).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models

ORGANISATION_UPDATED = "organisation.updated"
PROFILE_PUBLISHED = "profile.published"
PROFILE_WITHDRAWN = "profile.withdrawn"
EVENT_PUBLISHED = "event.published"
REGISTRATION_STATE_CHANGED = "registration.state_changed"
MATCH_CREATED = "match.created"
EVENT_TYPES = (
    ORGANISATION_UPDATED,
    PROFILE_PUBLISHED,
    PROFILE_WITHDRAWN,
    EVENT_PUBLISHED,
    REGISTRATION_STATE_CHANGED,
    MATCH_CREATED,
)

Subscriber = Callable[..., None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Call ``subscriber(event_type, subject, **details)`` for every published event (once, however
    often it subscribes)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def publish(event_type: str, subject: models.Model, **details) -> None:
    """Announce ``event_type`` about ``subject``, inside the caller's transaction."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}.")
    for subscriber in _subscribers:
        subscriber(event_type, subject, **details)
