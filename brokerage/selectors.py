"""Reads of brokerage events: the events the portal shows, an event's participants as another
participant sees them (with the engine's suggestions first), requests and agendas."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from brokerage.choices import MeetingRequestState, MeetingVerdict, ParticipantState
from brokerage.models.events import BrokerageEvent, MeetingPoint, Slot
from brokerage.models.meetings import Meeting, MeetingOutcome, PartnershipAgreement
from brokerage.models.participants import MeetingRequest, Participant
from companies.choices import ProfileState
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.selectors import represented_organisations
from matchmaking.models.matches import Match
from matchmaking.reasons import render_all
from matchmaking.selectors import matches_for
from wfs_portal.choices import EventState

PORTAL_STATES = (EventState.OPEN, EventState.CLOSED, EventState.COMPLETED)


def portal_events() -> QuerySet[BrokerageEvent]:
    """Events companies see: open, closed for registration and completed ones (not those being
    planned or cancelled), the next first."""
    return (
        BrokerageEvent.objects.filter(state__in=PORTAL_STATES)
        .prefetch_related("sessions")
        .select_related("trade_fair", "delegation", "workshop")
        .order_by("-state", "pk")
    )


def participation(event: BrokerageEvent, organisation: Organisation | None) -> Participant | None:
    if organisation is None:
        return None
    return Participant.objects.filter(event=event, organisation=organisation).first()


def participants_visible_to(user) -> QuerySet[Participant]:
    """The participations of the organisations the user represents: a page about "our" participation
    fetches through here, so another organisation's gives 404."""
    return (
        Participant.objects.filter(organisation__in=represented_organisations(user))
        .select_related("event", "organisation", "participation_type")
        .prefetch_related("participation_type__may_request")
    )


def requests_visible_to(user) -> QuerySet[MeetingRequest]:
    organisations = represented_organisations(user)
    return MeetingRequest.objects.filter(
        Q(requester__organisation__in=organisations) | Q(recipient__organisation__in=organisations)
    ).select_related("event", "requester__organisation", "recipient__organisation")


def meetings_visible_to(user) -> QuerySet[Meeting]:
    organisations = represented_organisations(user)
    return Meeting.objects.filter(published=True, seats__participant__organisation__in=organisations).select_related(
        "request__event", "request__requester__organisation", "request__recipient__organisation", "slot", "point"
    )


def published_profiles() -> Prefetch:
    """A participant's partnering profiles others may see: the published ones."""
    return Prefetch("profiles", queryset=PartneringProfile.objects.filter(state=ProfileState.PUBLISHED))


def other_participants(
    participant: Participant, *, q: str = "", attendance: str = "", language: str = "", participation_type=None
):
    """The event's validated participants besides ``participant``, filtered by words (name, offer,
    request), attendance and a language spoken."""
    rows = (
        Participant.objects.filter(event=participant.event, state=ParticipantState.VALIDATED)
        .exclude(pk=participant.pk)
        .select_related("organisation", "participation_type")
        .prefetch_related(published_profiles())
        .order_by("organisation__name")
    )
    if participation_type is not None:
        rows = rows.filter(participation_type=participation_type)
    for word in q.split():
        rows = rows.filter(
            Q(organisation__name__icontains=word)
            | Q(offer__icontains=word)
            | Q(request__icontains=word)
            | Q(organisation__description_de__icontains=word)
            | Q(organisation__description_en__icontains=word)
        )
    if attendance:
        rows = rows.filter(attendance=attendance)
    if language:
        rows = rows.filter(languages__regex=rf"(^|,)\s*{language}\s*(,|$)")
    return rows


@dataclass
class Suggestion:
    participant: Participant
    match: Match
    reasons: str


def suggestions(participant: Participant, *, limit: int = 5) -> list[Suggestion]:
    """The engine's partners of the participant's organisation that take part in the event too,
    best first, with their score and reasons (as on the partner matches page)."""
    others = {
        p.organisation_id: p
        for p in Participant.objects.filter(event=participant.event, state=ParticipantState.VALIDATED)
        .exclude(pk=participant.pk)
        .select_related("organisation", "participation_type")
        .prefetch_related(published_profiles())
    }
    if not others:
        return []
    matches = list(matches_for(participant.organisation).filter(partner_id__in=others)[:limit])
    reasons = render_all(matches)
    return [Suggestion(participant=others[m.partner_id], match=m, reasons=reasons[m.pk]) for m in matches]


def request_states(participant: Participant) -> dict[int, MeetingRequest]:
    """For each other participant, the open or accepted request between the two (either direction)."""
    states = {}
    for request in MeetingRequest.objects.filter(
        Q(requester=participant) | Q(recipient=participant),
        state__in=[MeetingRequestState.REQUESTED, MeetingRequestState.ACCEPTED],
    ):
        other = request.recipient_id if request.requester_id == participant.pk else request.requester_id
        states[other] = request
    return states


def requests_of(participant: Participant) -> dict[str, list[MeetingRequest]]:
    base = MeetingRequest.objects.select_related(
        "requester__organisation", "recipient__organisation", "meeting__slot", "meeting__point"
    ).order_by("-created")
    return {
        "received": list(base.filter(recipient=participant, state=MeetingRequestState.REQUESTED)),
        "sent": list(base.filter(requester=participant, state=MeetingRequestState.REQUESTED)),
        "accepted": list(
            base.filter(Q(requester=participant) | Q(recipient=participant), state=MeetingRequestState.ACCEPTED)
        ),
        "closed": list(
            base.filter(
                Q(requester=participant) | Q(recipient=participant),
                state__in=[MeetingRequestState.DECLINED, MeetingRequestState.WITHDRAWN, MeetingRequestState.EXPIRED],
            )[:20]
        ),
    }


def agenda(participant: Participant) -> list[Meeting]:
    """The participant's published meetings in time order, each with ``partner`` (the other
    participant) and ``own_outcome`` (what this side reported, or None)."""
    meetings = list(
        Meeting.objects.filter(seats__participant=participant, published=True)
        .select_related(
            "slot__session__event",
            "point",
            "request__requester__organisation",
            "request__recipient__organisation",
        )
        .prefetch_related("outcomes")
        .order_by("slot__starts_at")
    )
    for meeting in meetings:
        request = meeting.request
        meeting.partner = request.recipient if request.requester_id == participant.pk else request.requester
        meeting.partner_name = meeting.partner.organisation.name
        meeting.own_outcome = next((o for o in meeting.outcomes.all() if o.participant_id == participant.pk), None)
    return meetings


def took_place() -> Q:
    """Meetings that took place: at least one side reported, and no side said it did not take place."""
    reports = MeetingOutcome.objects.filter(meeting=OuterRef("pk"))
    return Q(Exists(reports)) & ~Q(Exists(reports.filter(verdict=MeetingVerdict.NOT_HELD)))


def cooperation_seen() -> Q:
    """Meetings after which a side saw a cooperation possible."""
    return Q(Exists(MeetingOutcome.objects.filter(meeting=OuterRef("pk"), verdict=MeetingVerdict.COOPERATION_POSSIBLE)))


def _per_event(queryset: QuerySet, event_path: str) -> Coalesce:
    """How many rows of ``queryset`` belong to the outer event (a subquery, no join of the list)."""
    rows = queryset.filter(**{event_path: OuterRef("pk")}).order_by().values(event_path)
    return Coalesce(Subquery(rows.annotate(n=Count("pk", distinct=True)).values("n")), 0)


def event_figures(events: QuerySet[BrokerageEvent]) -> QuerySet[BrokerageEvent]:
    """Events with their whole funnel: validated participants, meeting requests, accepted ones,
    meetings scheduled (published), that took place, with a cooperation possible, and the
    partnership agreements that came of its meetings. The partner API and the reports count alike."""
    published = Meeting.objects.filter(published=True)
    return events.annotate(
        participant_count=_per_event(Participant.objects.filter(state=ParticipantState.VALIDATED), "event"),
        request_count=_per_event(MeetingRequest.objects.all(), "event"),
        accepted_count=_per_event(MeetingRequest.objects.filter(state=MeetingRequestState.ACCEPTED), "event"),
        meetings_scheduled=_per_event(published, "request__event"),
        meetings_realised=_per_event(published.filter(took_place()), "request__event"),
        meetings_cooperation=_per_event(published.filter(took_place() & cooperation_seen()), "request__event"),
        agreement_count=_per_event(PartnershipAgreement.objects.all(), "meeting__request__event"),
    )


@dataclass
class GridRow:
    slot: object
    cells: list  # one per point: the meeting there, or None


def schedule_grid(event: BrokerageEvent, *, published_only: bool = False) -> tuple[list, list[GridRow]]:
    """The organiser's grid: the event's points as columns, its slots as rows, each cell the
    meeting held there (proposed or published)."""
    points = list(MeetingPoint.objects.filter(event=event).order_by("online", "number"))
    slots = list(Slot.objects.filter(session__event=event).select_related("session__event").order_by("starts_at"))
    meetings = Meeting.objects.filter(request__event=event).select_related(
        "request__requester__organisation", "request__recipient__organisation"
    )
    if published_only:
        meetings = meetings.filter(published=True)
    at = {(m.slot_id, m.point_id): m for m in meetings}
    column = {point.pk: index for index, point in enumerate(points)}
    rows = []
    for slot in slots:
        cells = [None] * len(points)
        for (slot_id, point_id), meeting in at.items():
            if slot_id == slot.pk and point_id in column:
                cells[column[point_id]] = meeting
        rows.append(GridRow(slot=slot, cells=cells))
    return points, rows


def interpreter_meetings(event: BrokerageEvent) -> list[Meeting]:
    """Meetings whose two sides share no language they named: an interpreter must be at the table."""
    found = []
    for meeting in (
        Meeting.objects.filter(request__event=event)
        .select_related(
            "slot__session__event", "point", "request__requester__organisation", "request__recipient__organisation"
        )
        .order_by("slot__starts_at", "point__number")
    ):
        first, second = meeting.request.requester.language_set, meeting.request.recipient.language_set
        if first and second and not first & second:
            found.append(meeting)
    return found


def no_shows(event: BrokerageEvent) -> list[Meeting]:
    """Published meetings at least one side reported as not having taken place."""
    return list(
        Meeting.objects.filter(request__event=event, published=True, outcomes__verdict=MeetingVerdict.NOT_HELD)
        .select_related(
            "slot__session__event", "point", "request__requester__organisation", "request__recipient__organisation"
        )
        .distinct()
        .order_by("slot__starts_at", "point__number")
    )
