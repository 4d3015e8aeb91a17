"""Two bookings of the last shared slot at the same instant: exactly one wins, the other is told the
slot was taken, and no person or table holds two meetings. Needs PostgreSQL (parallel
connections); CI runs it there."""

import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from brokerage.choices import MeetingRequestState
from brokerage.models.events import MeetingPoint, Slot
from brokerage.models.meetings import Meeting, MeetingSeat
from brokerage.services.meetings import meeting_book
from tests import factories
from tests.factories_brokerage import BrokerageEventFactory, MeetingRequestFactory, ParticipantFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL (DATABASE_URL, set by .ci/run)",
    ),
]


def race(bookings) -> list[str]:
    barrier = threading.Barrier(len(bookings))
    outcomes = []

    def run(request, slot, user):
        try:
            barrier.wait()
            meeting_book(request, slot, user=user)
            outcomes.append("booked")
        except ValidationError:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=booking) for booking in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def _represented(event):
    representative = factories.RepresentativeFactory()
    return ParticipantFactory(event=event, organisation=representative.organisation), representative.user


@pytest.mark.parametrize("round_", range(3))
def test_two_partners_of_one_participant_booking_its_last_free_slot_at_once_one_wins(round_):
    event = BrokerageEventFactory()
    slot = Slot.objects.filter(session__event=event).first()
    hub = ParticipantFactory(event=event)
    hub.sessions.set([slot.session])
    (first, first_user), (second, second_user) = _represented(event), _represented(event)
    bookings = [
        (MeetingRequestFactory(requester=first, recipient=hub, state=MeetingRequestState.ACCEPTED), slot, first_user),
        (MeetingRequestFactory(requester=second, recipient=hub, state=MeetingRequestState.ACCEPTED), slot, second_user),
    ]
    assert race(bookings) == ["booked", "taken"]
    assert MeetingSeat.objects.filter(participant=hub, slot=slot).count() == 1
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize("round_", range(3))
def test_two_pairs_booking_the_last_table_of_a_slot_at_once_one_wins(round_):
    event = BrokerageEventFactory()
    MeetingPoint.objects.filter(event=event).exclude(number=1).delete()
    slot = Slot.objects.filter(session__event=event).first()
    pairs = [(_represented(event), _represented(event)) for _ in range(2)]
    bookings = [
        (MeetingRequestFactory(requester=a, recipient=b, state=MeetingRequestState.ACCEPTED), slot, user)
        for (a, user), (b, _user) in pairs
    ]
    assert race(bookings) == ["booked", "taken"]
    assert Meeting.objects.filter(slot=slot).count() == 1
