"""Registering, meeting requests (limits, mutual requests, expiry), booking and the organiser's
scheduler, through the services and with the database's rules."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from brokerage.choices import Attendance, EventFormat, MeetingRequestState, ParticipantState, SchedulingMode
from brokerage.models.events import ParticipationType, Slot
from brokerage.models.meetings import Meeting, MeetingSeat
from brokerage.models.participants import Participant
from brokerage.selectors import agenda
from brokerage.services.meetings import meeting_book, meeting_reminders_send, schedule_publish, schedule_run
from brokerage.services.participants import participant_decide, participant_register
from brokerage.services.requests import (
    meeting_request_answer,
    meeting_request_send,
    meeting_request_withdraw,
    meeting_requests_expire,
)
from tests import factories
from tests.factories_brokerage import BrokerageEventFactory, MeetingRequestFactory, ParticipantFactory
from wfs_portal.choices import EventState

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return BrokerageEventFactory()


@pytest.fixture
def a(event, representative_a):
    return ParticipantFactory(event=event, organisation=representative_a.organisation)


@pytest.fixture
def b(event, representative_b):
    return ParticipantFactory(event=event, organisation=representative_b.organisation)


def test_an_organisation_registers_once_with_its_sessions(event, representative_a):
    sessions = list(event.sessions.all())
    participant = participant_register(
        event=event, organisation=representative_a.organisation, user=representative_a.user, sessions=sessions
    )
    assert participant.state == ParticipantState.VALIDATED
    assert list(participant.sessions.all()) == sessions
    with pytest.raises(ValidationError, match="already"):
        participant_register(
            event=event, organisation=representative_a.organisation, user=representative_a.user, sessions=sessions
        )


def test_registration_is_refused_when_closed_without_session_or_for_an_attendance_not_offered(event, representative_a):
    organisation, user = representative_a.organisation, representative_a.user
    sessions = list(event.sessions.all())
    with pytest.raises(ValidationError) as refused:
        participant_register(event=event, organisation=organisation, user=user, sessions=[])
    assert "sessions" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        participant_register(
            event=event, organisation=organisation, user=user, sessions=sessions, attendance=Attendance.ONLINE
        )
    assert "attendance" in refused.value.message_dict
    event.state = EventState.CLOSED
    event.save()
    with pytest.raises(ValidationError, match="not open"):
        participant_register(event=event, organisation=organisation, user=user, sessions=sessions)
    assert not event.participants.exists()


def test_another_organisations_user_cannot_register_it(event, representative_a, organisation_b):
    with pytest.raises(PermissionDenied):
        participant_register(
            event=event, organisation=organisation_b, user=representative_a.user, sessions=list(event.sessions.all())
        )


def test_with_validation_a_registered_participant_cannot_request_until_staff_validate_it(
    event, representative_a, b, staff_user
):
    event.validate_participants = True
    event.save()
    a = participant_register(
        event=event,
        organisation=representative_a.organisation,
        user=representative_a.user,
        sessions=list(event.sessions.all()),
    )
    assert a.state == ParticipantState.REGISTERED
    with pytest.raises(ValidationError, match="not been validated"):
        meeting_request_send(requester=a, recipient=b, user=representative_a.user)
    participant_decide(a, validated=True, user=staff_user)
    assert meeting_request_send(requester=a, recipient=b, user=representative_a.user).state == "requested"


def test_a_request_is_mailed_to_the_other_side_and_accepted_there(
    a, b, representative_a, representative_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = meeting_request_send(
            requester=a, recipient=b, user=representative_a.user, message="Gern am Vormittag."
        )
    assert [m.to for m in mail.outbox] == [[representative_b.user.email]]
    assert a.organisation.name in mail.outbox[0].subject
    with pytest.raises(PermissionDenied):
        meeting_request_answer(request, accept=True, user=representative_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_request_answer(request, accept=True, user=representative_b.user)
    request.refresh_from_db()
    assert request.state == MeetingRequestState.ACCEPTED and not request.mutual
    assert mail.outbox[-1].to == [representative_a.user.email]


def test_asking_someone_who_asked_you_accepts_their_request_as_mutual(a, b, representative_a, representative_b):
    theirs = meeting_request_send(requester=b, recipient=a, user=representative_b.user)
    result = meeting_request_send(requester=a, recipient=b, user=representative_a.user)
    assert result.pk == theirs.pk
    theirs.refresh_from_db()
    assert theirs.state == MeetingRequestState.ACCEPTED and theirs.mutual


def test_nobody_exceeds_the_events_meetings_per_participant(event, a, representative_a):
    event.max_meetings = 1
    event.save()
    others = [ParticipantFactory(event=event) for _ in range(2)]
    first = MeetingRequestFactory(requester=a, recipient=others[0], state=MeetingRequestState.ACCEPTED)
    assert first.state == MeetingRequestState.ACCEPTED
    with pytest.raises(ValidationError, match="the most this event allows"):
        meeting_request_send(requester=a, recipient=others[1], user=representative_a.user)
    # Nor can a request to a participant at the limit be accepted by it.
    waiting = MeetingRequestFactory(requester=others[1], recipient=a)
    with pytest.raises(ValidationError, match="the most this event allows"):
        meeting_request_answer(waiting, accept=True, user=representative_a.user)
    waiting.refresh_from_db()
    assert waiting.state == MeetingRequestState.REQUESTED


def test_a_request_twice_and_a_withdrawn_one(a, b, representative_a, representative_b):
    request = meeting_request_send(requester=a, recipient=b, user=representative_a.user)
    with pytest.raises(ValidationError, match="already"):
        meeting_request_send(requester=a, recipient=b, user=representative_a.user)
    with pytest.raises(PermissionDenied):
        meeting_request_withdraw(request, user=representative_b.user)
    meeting_request_withdraw(request, user=representative_a.user)
    with pytest.raises(ValidationError):
        meeting_request_answer(request, accept=True, user=representative_b.user)
    # Withdrawn, it no longer stands in the way of a new one.
    assert meeting_request_send(requester=a, recipient=b, user=representative_a.user).pk != request.pk


def test_unanswered_requests_expire_after_the_events_days_and_only_those(event, a, b, representative_a):
    event.request_expiry_days = 3
    event.save()
    request = meeting_request_send(requester=a, recipient=b, user=representative_a.user)
    answered = MeetingRequestFactory(recipient=a, state=MeetingRequestState.ACCEPTED, expires_at=timezone.now())
    assert meeting_requests_expire(timezone.now() + datetime.timedelta(days=2)) == 0
    assert meeting_requests_expire(timezone.now() + datetime.timedelta(days=3, minutes=1)) == 1
    request.refresh_from_db()
    answered.refresh_from_db()
    assert request.state == MeetingRequestState.EXPIRED
    assert answered.state == MeetingRequestState.ACCEPTED
    assert meeting_requests_expire(timezone.now() + datetime.timedelta(days=4)) == 0


def test_booking_takes_a_free_table_and_refuses_a_slot_a_side_is_busy_in(event, a, b, representative_a):
    request = MeetingRequestFactory(requester=a, recipient=b, state=MeetingRequestState.ACCEPTED)
    slot = Slot.objects.filter(session__event=event).first()
    meeting = meeting_book(request, slot, user=representative_a.user)
    assert meeting.published and meeting.booked and meeting.point.number == 1
    assert MeetingSeat.objects.filter(slot=slot).count() == 2
    other = MeetingRequestFactory(requester=a, recipient=ParticipantFactory(event=event), state="accepted")
    with pytest.raises(ValidationError, match="taken"):
        meeting_book(other, slot, user=representative_a.user)
    assert Meeting.objects.count() == 1


def test_booking_refuses_when_the_organiser_schedules_or_the_request_is_not_accepted(event, a, b, representative_a):
    slot = Slot.objects.filter(session__event=event).first()
    waiting = MeetingRequestFactory(requester=a, recipient=b)
    with pytest.raises(ValidationError, match="accepted"):
        meeting_book(waiting, slot, user=representative_a.user)
    event.scheduling = SchedulingMode.ORGANISER
    event.save()
    waiting.state = MeetingRequestState.ACCEPTED
    waiting.save()
    with pytest.raises(ValidationError, match="organiser"):
        meeting_book(waiting, slot, user=representative_a.user)


def test_the_scheduler_places_accepted_requests_keeps_booked_ones_and_publishing_tells_both_sides(
    event, a, b, representative_a, representative_b, django_capture_on_commit_callbacks
):
    event.scheduling = SchedulingMode.ORGANISER
    event.save()
    c = ParticipantFactory(event=event)
    first = MeetingRequestFactory(requester=a, recipient=b, state=MeetingRequestState.ACCEPTED, mutual=True)
    second = MeetingRequestFactory(requester=a, recipient=c, state=MeetingRequestState.ACCEPTED)
    MeetingRequestFactory(requester=b, recipient=c)  # not accepted: not placed
    figures = schedule_run(event, seconds=5)
    assert figures["placed"] == 2 and figures["requests"] == 2
    assert not Meeting.objects.filter(published=True).exists()
    assert agenda(a) == []
    agenda_a = []
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule_publish(event) == 2
    agenda_a = agenda(a)
    assert {m.request_id for m in agenda_a} == {first.pk, second.pk}
    assert agenda_a[0].slot.starts_at < agenda_a[1].slot.starts_at
    assert {tuple(m.to) for m in mail.outbox} == {(representative_a.user.email,), (representative_b.user.email,)}
    assert b.organisation.name in next(m.body for m in mail.outbox if m.to == [representative_a.user.email])
    # Run again, the booked meeting stays and the proposal is made anew.
    booked = Meeting.objects.get(request=first)
    booked.booked = True
    booked.save()
    schedule_run(event, seconds=5)
    assert Meeting.objects.get(request=first).pk == booked.pk


def test_a_participant_of_a_rejected_organisation_cannot_register(event):
    representative = factories.RepresentativeFactory(organisation=factories.OrganisationFactory(rejected=True))
    with pytest.raises(ValidationError, match="rejected"):
        participant_register(
            event=event,
            organisation=representative.organisation,
            user=representative.user,
            sessions=list(event.sessions.all()),
        )


def test_an_online_event_takes_only_online_attendance(representative_a):
    event = BrokerageEventFactory(format=EventFormat.ONLINE)
    with pytest.raises(ValidationError):
        participant_register(
            event=event,
            organisation=representative_a.organisation,
            user=representative_a.user,
            sessions=list(event.sessions.all()),
        )
    assert participant_register(
        event=event,
        organisation=representative_a.organisation,
        user=representative_a.user,
        sessions=list(event.sessions.all()),
        attendance=Attendance.ONLINE,
    )


def test_both_sides_are_reminded_the_day_before_and_shortly_before_each_once(
    event, a, b, representative_a, representative_b, mailoutbox, django_capture_on_commit_callbacks
):
    request = MeetingRequestFactory(requester=a, recipient=b, state=MeetingRequestState.ACCEPTED)
    slot = Slot.objects.filter(session__event=event).first()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_book(request, slot, user=representative_a.user)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([representative_a.user.email, representative_b.user.email])
    mailoutbox.clear()
    start = slot.starts_at
    with django_capture_on_commit_callbacks(execute=True):
        assert meeting_reminders_send(start - datetime.timedelta(hours=30)) == 0
        assert meeting_reminders_send(start - datetime.timedelta(hours=20)) == 1
        assert meeting_reminders_send(start - datetime.timedelta(hours=19)) == 0
        assert meeting_reminders_send(start - datetime.timedelta(minutes=10)) == 1
        assert meeting_reminders_send(start - datetime.timedelta(minutes=5)) == 0
    assert len(mailoutbox) == 4
    assert all(b.organisation.name in m.subject or a.organisation.name in m.subject for m in mailoutbox)


def test_the_organisers_participation_types_say_who_may_ask_whom(event, a, b, representative_a, representative_b):
    buyer = ParticipationType.objects.create(event=event, name="Einkäufer")
    supplier = ParticipationType.objects.create(event=event, name="Zulieferer")
    supplier.may_request.set([buyer])  # suppliers ask buyers; buyers ask anybody
    Participant.objects.filter(pk=a.pk).update(participation_type=supplier)
    Participant.objects.filter(pk=b.pk).update(participation_type=supplier)
    a.refresh_from_db()
    b.refresh_from_db()
    with pytest.raises(ValidationError, match="Zulieferer do not request meetings with Zulieferer"):
        meeting_request_send(requester=a, recipient=b, user=representative_a.user)
    Participant.objects.filter(pk=b.pk).update(participation_type=buyer)
    b.refresh_from_db()
    assert meeting_request_send(requester=a, recipient=b, user=representative_a.user).state == "requested"


def test_registration_asks_for_a_participation_type_where_the_event_has_some_and_takes_own_published_profiles(
    event, representative_a
):
    organisation = representative_a.organisation
    ParticipationType.objects.create(event=event, name="Forschungspartner")
    sessions = list(event.sessions.all())
    with pytest.raises(ValidationError) as refused:
        participant_register(event=event, organisation=organisation, user=representative_a.user, sessions=sessions)
    assert "participation_type" in refused.value.message_dict
    kind = event.participation_types.get()
    foreign = factories.PartneringProfileFactory(published=True)
    with pytest.raises(ValidationError) as refused:
        participant_register(
            event=event,
            organisation=organisation,
            user=representative_a.user,
            sessions=sessions,
            participation_type=kind,
            profiles=[foreign],
        )
    assert "profiles" in refused.value.message_dict
    own = factories.PartneringProfileFactory(published=True, organisation=organisation)
    participant = participant_register(
        event=event,
        organisation=organisation,
        user=representative_a.user,
        sessions=sessions,
        participation_type=kind,
        profiles=[own],
    )
    assert list(participant.profiles.all()) == [own] and participant.participation_type == kind
