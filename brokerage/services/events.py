"""The organiser's side of an event's frame: the slots of its sessions."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from brokerage.models.events import EventSession, Slot


@transaction.atomic
def session_slots_update(session: EventSession) -> list[Slot]:
    """Cut the session into slots of its length with its pause between them (a last slot that would
    run past the end is left out). Slots that hold meetings stay; a change that would drop one of
    them is refused."""
    session = EventSession.objects.select_for_update().get(pk=session.pk)
    step = datetime.timedelta(minutes=session.slot_minutes)
    pause = datetime.timedelta(minutes=session.pause_minutes)
    wanted: list[tuple[datetime.datetime, datetime.datetime]] = []
    start = session.starts_at
    while start + step <= session.ends_at:
        wanted.append((start, start + step))
        start += step + pause
    existing = {slot.starts_at: slot for slot in session.slots.all()}
    kept = {begin for begin, end in wanted if begin in existing and existing[begin].ends_at == end}
    dropped = [slot for begin, slot in existing.items() if begin not in kept]
    if any(slot.meetings.exists() for slot in dropped):
        raise ValidationError(
            _("Meetings are placed in slots this change would remove; move or cancel them first."), code="slots_in_use"
        )
    Slot.objects.filter(pk__in=[slot.pk for slot in dropped]).delete()
    Slot.objects.bulk_create(
        [Slot(session=session, starts_at=begin, ends_at=end) for begin, end in wanted if begin not in kept]
    )
    return list(session.slots.order_by("starts_at"))
