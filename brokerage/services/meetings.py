"""Meetings: an accepted request booked into a slot by its participants, or placed by the
organiser's scheduler (brokerage.scheduling) and published.

The database guards the slots: a point hosts one meeting per slot and a participant holds one
seat per slot (constraints of Meeting and MeetingSeat). Two participants booking the last shared
slot at once both pass the checks here, and the second insert fails on the constraint; it is
answered as "taken", and nothing of it is kept."""

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerage import audit, scheduling
from brokerage.choices import Attendance, MeetingRequestState, SchedulingMode
from brokerage.models.events import BrokerageEvent, MeetingPoint, Slot
from brokerage.models.meetings import Meeting, MeetingSeat
from brokerage.models.participants import MeetingRequest, Participant
from brokerage.selectors import agenda
from companies.access import may_act_for
from notifications import door
from outbox.services import task_enqueue
from wfs_portal.services import validated_save


def as_problem(event: BrokerageEvent) -> tuple[scheduling.Problem, dict[int, MeetingRequest]]:
    """The event's accepted requests as the scheduler's problem; booked meetings are fixed."""
    slots = {slot.pk: slot.session_id for slot in Slot.objects.filter(session__event=event)}
    availability: dict[int, set[int]] = defaultdict(set)
    for participant_id, slot_id in Slot.objects.filter(session__event=event).values_list("session__participants", "pk"):
        if participant_id is not None:
            availability[participant_id].add(slot_id)
    participants = {
        p.pk: scheduling.Participant(
            id=p.pk,
            slots=frozenset(availability[p.pk]),
            online=p.attendance == Attendance.ONLINE,
            persons=p.persons,
            languages=p.language_set,
        )
        for p in Participant.objects.filter(event=event)
    }
    points = tuple(
        scheduling.Point(id=p.pk, online=p.online, capacity=p.capacity, interpreter=p.interpreter)
        for p in MeetingPoint.objects.filter(event=event).order_by("online", "number")
    )
    accepted = {
        r.pk: r
        for r in MeetingRequest.objects.filter(event=event, state=MeetingRequestState.ACCEPTED)
        .select_related("meeting")
        .order_by("answered_at", "pk")
    }
    requests = []
    for r in accepted.values():
        meeting = getattr(r, "meeting", None)
        fixed = (meeting.slot_id, meeting.point_id) if meeting is not None and meeting.booked else None
        requests.append(
            scheduling.Request(
                id=r.pk, a=r.requester_id, b=r.recipient_id, mutual=r.mutual, priority=r.score, fixed=fixed
            )
        )
    problem = scheduling.Problem(
        slots=slots,
        points=points,
        participants=participants,
        requests=tuple(requests),
        max_per_participant=event.max_meetings,
        max_per_session=event.max_meetings_per_session,
    )
    return problem, accepted


def _write(request: MeetingRequest, slot_id: int, point_id: int, *, booked: bool, published: bool, user, reason: str):
    meeting = Meeting(
        request=request, slot_id=slot_id, point_id=point_id, booked=booked, published=published, booked_by=user
    )
    meeting._history_user = user
    meeting._change_reason = reason
    meeting.save()
    MeetingSeat.objects.bulk_create(
        [
            MeetingSeat(meeting=meeting, participant_id=side, slot_id=slot_id)
            for side in (request.requester_id, request.recipient_id)
        ]
    )
    return meeting


def _point_taken(exc: IntegrityError) -> bool:
    """The constraint that failed is the point's in its slot (PostgreSQL names it; SQLite lists
    the columns)."""
    text = str(exc)
    return "one_per_point_and_slot" in text or "brokerage_meeting.slot_id, brokerage_meeting.point_id" in text


def meeting_book(request: MeetingRequest, slot: Slot, *, user) -> Meeting:
    """A participant of an accepted request books a slot both sides are free in, at a free point
    that fits (events where participants book themselves). Refused, with nothing kept, when the
    slot or every fitting point was taken meanwhile."""
    event = request.event
    if not (may_act_for(user, request.requester.organisation) or may_act_for(user, request.recipient.organisation)):
        raise PermissionDenied
    if event.scheduling != SchedulingMode.SELF_BOOKING:
        raise ValidationError(_("At this event the organiser schedules the meetings."), code="organiser")
    if request.state != MeetingRequestState.ACCEPTED:
        raise ValidationError(_("Only an accepted request can be booked."), code="not_accepted")
    if Meeting.objects.filter(request=request).exists():
        raise ValidationError(_("This meeting has a slot already."), code="booked")
    if slot.session.event_id != event.pk:
        raise ValidationError(_("Choose a slot of this event."), code="other_event")
    problem, _accepted = as_problem(event)
    for side in (request.requester, request.recipient):
        if slot.pk not in problem.participants[side.pk].slots:
            raise ValidationError(_("%(name)s is not available in this slot.") % {"name": side.organisation.name})
    taken = set(Meeting.objects.filter(slot=slot).values_list("point_id", flat=True))
    fitting = _fitting_point_ids(request, problem) - taken
    points = [p for p in problem.points if p.id in fitting]
    if problem.max_per_session:
        for side in (request.requester_id, request.recipient_id):
            in_session = MeetingSeat.objects.filter(participant_id=side, slot__session_id=slot.session_id).count()
            if in_session >= problem.max_per_session:
                raise ValidationError(_("The most meetings per session this event allows are reached."), code="limit")
    # The smallest point that fits leaves the larger ones for larger meetings.
    for point in sorted(points, key=lambda p: (p.capacity, p.interpreter, p.id)):
        try:
            with transaction.atomic():
                meeting = _write(
                    request, slot.pk, point.id, booked=True, published=True, user=user, reason=audit.MEETING_BOOKED
                )
                _tell_both(meeting, "brokerage/email/meeting_booked", f"brokerage.meeting:{meeting.pk}:booked")
                return meeting
        except IntegrityError as exc:
            # Only the point was taken meanwhile: try the next one. A side's seat in the slot, or
            # the request booked meanwhile, ends the attempt.
            if not _point_taken(exc):
                break
    raise ValidationError(_("This slot has just been taken; please choose another."), code="taken")


@transaction.atomic
def schedule_run(event: BrokerageEvent, *, user=None, seconds: float = 30.0) -> dict:
    """The organiser's scheduler: every accepted request not booked by its participants is placed
    anew (the proposal is not published until schedule_publish). Returns the figures."""
    event = BrokerageEvent.objects.select_for_update().get(pk=event.pk)
    Meeting.objects.filter(request__event=event, booked=False).delete()
    problem, accepted = as_problem(event)
    schedule = scheduling.solve(problem, seconds=seconds)
    for request_id, (slot_id, point_id) in schedule.placed.items():
        request = accepted[request_id]
        if getattr(request, "meeting", None) is not None and request.meeting.booked:
            continue
        _write(request, slot_id, point_id, booked=False, published=False, user=user, reason=audit.MEETING_SCHEDULED)
    figures = {
        "finished_at": timezone.now().isoformat(),
        "requests": len(problem.requests),
        "placed": len(schedule.placed),
        "upper_bound": schedule.upper_bound,
        "optimal": schedule.optimal,
    }
    BrokerageEvent.objects.filter(pk=event.pk).update(schedule_figures=figures)
    return figures


def schedule_start(event: BrokerageEvent) -> None:
    """Run the scheduler in the background (a large event takes a minute); started twice while it
    waits, it runs once."""
    task_enqueue("brokerage.tasks.schedule_run", args=[event.pk], coalesce=f"brokerage.schedule:{event.pk}")


@transaction.atomic
def schedule_publish(event: BrokerageEvent, *, user=None) -> int:
    """Publish the scheduler's proposal: the participants see their agendas and are told."""
    meetings = list(
        Meeting.objects.select_for_update()
        .filter(request__event=event, published=False)
        .select_related("request__requester__organisation", "request__recipient__organisation")
    )
    told: set[int] = set()
    for meeting in meetings:
        meeting.published = True
        validated_save(meeting, user=user, reason=audit.MEETING_PUBLISHED)
        for side in (meeting.request.requester, meeting.request.recipient):
            told.add(side.pk)
    for participant in Participant.objects.filter(pk__in=told).select_related("organisation", "contact"):
        door.organisation_told(
            "brokerage/email/schedule_published",
            organisation=participant.organisation,
            contact=participant.contact,
            context={"event": event, "participant": participant, "meetings": agenda(participant)},
            key=f"brokerage.schedule:{event.pk}:{participant.pk}:{len(meetings)}",
        )
    return len(meetings)


def _fitting_point_ids(request: MeetingRequest, problem: scheduling.Problem) -> set[int]:
    wanted = next(r for r in problem.requests if r.id == request.pk)
    return {p.id for p in problem.points if scheduling.fits(problem, wanted, p)}


def bookable_slots(requests: list[MeetingRequest]) -> dict[int, list[Slot]]:
    """For each accepted request of one event not booked yet, the slots it can be booked into now:
    both sides available and free, and a fitting point free (what the page offers; meeting_book
    decides). The event's problem and its meetings are read once for all of them."""
    open_requests = [r for r in requests if r.state == MeetingRequestState.ACCEPTED]
    booked = set(Meeting.objects.filter(request__in=open_requests).values_list("request_id", flat=True))
    open_requests = [r for r in open_requests if r.pk not in booked]
    if not open_requests:
        return {}
    problem, _accepted = as_problem(open_requests[0].event)
    busy: dict[int, set[int]] = defaultdict(set)
    taken: dict[int, set[int]] = defaultdict(set)
    for slot_id, point_id, participant_id in MeetingSeat.objects.filter(
        meeting__request__event=open_requests[0].event_id
    ).values_list("slot_id", "meeting__point_id", "participant_id"):
        busy[participant_id].add(slot_id)
        taken[slot_id].add(point_id)
    free: dict[int, list[int]] = {}
    for request in open_requests:
        fitting = _fitting_point_ids(request, problem)
        sides = (request.requester_id, request.recipient_id)
        common = problem.participants[sides[0]].slots & problem.participants[sides[1]].slots
        common -= busy[sides[0]] | busy[sides[1]]
        free[request.pk] = [slot_id for slot_id in common if fitting - taken[slot_id]]
    slots = Slot.objects.in_bulk({slot_id for ids in free.values() for slot_id in ids})
    return {pk: sorted((slots[i] for i in ids), key=lambda slot: slot.starts_at) for pk, ids in free.items()}


REMINDERS = (
    # (field, how long before the start at the most, at the least): the day before (within 24
    # hours, while more than an hour is left), and shortly before (within 15 minutes).
    ("reminded_day_before_at", datetime.timedelta(hours=24), datetime.timedelta(hours=1)),
    ("reminded_soon_at", datetime.timedelta(minutes=15), datetime.timedelta(0)),
)


def _tell_both(meeting: Meeting, template: str, key: str, **context) -> None:
    request = meeting.request
    for side, other in ((request.requester, request.recipient), (request.recipient, request.requester)):
        door.organisation_told(
            template,
            organisation=side.organisation,
            contact=side.contact,
            context={"meeting": meeting, "event": request.event, "partner": other.organisation.name, **context},
            key=f"{key}:{side.pk}",
        )


def meeting_reminders_send(now: datetime.datetime | None = None) -> int:
    """Remind both sides of their published meetings the day before and 15 minutes before; each
    reminder once (claimed with a conditional update). Returns how many meetings were reminded."""
    now = now or timezone.now()
    sent = 0
    for field, at_most, at_least in REMINDERS:
        due = Meeting.objects.filter(
            published=True,
            slot__starts_at__lte=now + at_most,
            slot__starts_at__gt=now + at_least,
            **{f"{field}__isnull": True},
        ).values_list("pk", flat=True)
        for pk in list(due):
            with transaction.atomic():
                if not Meeting.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(**{field: now}):
                    continue
                meeting = Meeting.objects.select_related(
                    "slot__session__event",
                    "point",
                    "request__requester__organisation",
                    "request__requester__contact",
                    "request__recipient__organisation",
                    "request__recipient__contact",
                    "request__event",
                ).get(pk=pk)
                _tell_both(
                    meeting,
                    "brokerage/email/reminder",
                    f"brokerage.meeting:{pk}:{field}",
                    soon=field == "reminded_soon_at",
                )
                sent += 1
    return sent
