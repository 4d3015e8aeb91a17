"""The portal's brokerage events (/portal/brokerage/, namespace "portal_brokerage"): the events,
registering, the participant list with the engine's suggestions first, meeting requests, booking
a slot, the agenda (page, PDF, calendar file, private subscription) and what came of each meeting.

A participation, request or meeting is fetched through the user's approved representations
(brokerage.selectors.*_visible_to), so another organisation's gives 404. Writes go through
brokerage.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brokerage import calendars, selectors
from brokerage.agenda_pdf import agenda_pdf
from brokerage.choices import MeetingRequestState, ParticipantState, SchedulingMode
from brokerage.forms import (
    FollowUpForm,
    MeetingRequestForm,
    OutcomeForm,
    ParticipantRegistrationForm,
    ParticipantSearchForm,
)
from brokerage.models.events import BrokerageEvent, Slot
from brokerage.models.meetings import CalendarFeed, MeetingOutcome
from brokerage.models.participants import Participant
from brokerage.services import calendars as calendar_services
from brokerage.services import meetings, outcomes, participants, requests
from companies.access import may_act_for
from companies.portal import active_organisation, render_portal, with_active_organisation
from wfs_portal.idempotency import once_per_submission
from wfs_portal.portal import add_errors, portal_view


def _event(pk: int) -> BrokerageEvent:
    return get_object_or_404(selectors.portal_events(), pk=pk)


def _own_participant(request, event: BrokerageEvent):
    """The active organisation's participation in the event (404 without one)."""
    organisation = active_organisation(request)
    if organisation is None:
        raise Http404
    return get_object_or_404(selectors.participants_visible_to(request.user), event=event, organisation=organisation)


@require_GET
@portal_view
def event_list(request):
    organisation = active_organisation(request)
    events = list(selectors.portal_events())
    mine = {}
    if organisation is not None:
        mine = {
            p.event_id: p for p in selectors.participants_visible_to(request.user).filter(organisation=organisation)
        }
    for event in events:
        event.my_participation = mine.get(event.pk)
    return render_portal(request, "brokerage/event_list.html", {"events": events})


@require_GET
@portal_view
def event_detail(request, pk: int):
    event = _event(pk)
    participation = selectors.participation(event, active_organisation(request))
    return render_portal(
        request,
        "brokerage/event_detail.html",
        {"event": event, "participation": participation, "sessions": event.sessions.order_by("starts_at")},
    )


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
@with_active_organisation
def register(request, organisation, pk: int):
    event = _event(pk)
    existing = selectors.participation(event, organisation)
    if existing is not None:
        messages.info(request, _("Your organisation is registered for this event already."))
        return redirect("portal_brokerage:event", event.pk)
    form = ParticipantRegistrationForm(request.POST or None, event=event, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            participant = participants.participant_register(
                event=event,
                organisation=organisation,
                user=request.user,
                sessions=list(form.cleaned_data["sessions"]),
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if participant.state == ParticipantState.VALIDATED:
                messages.success(request, _("You are registered. Find your partners in the participant list."))
                return redirect("portal_brokerage:participants", event.pk)
            messages.success(
                request,
                _("You are registered. The organiser validates your registration; you will see the others then."),
            )
            return redirect("portal_brokerage:event", event.pk)
    return render_portal(
        request, "brokerage/register.html", {"event": event, "form": form, "closed_reason": event.closed_reason}
    )


@require_GET
@portal_view
def participant_list(request, pk: int):
    event = _event(pk)
    me = _own_participant(request, event)
    search = ParticipantSearchForm(request.GET or None, event=event)
    filters = search.cleaned_data if search.is_valid() else {}
    rows = []
    suggested = []
    if me.state == ParticipantState.VALIDATED:
        suggested = selectors.suggestions(me)
        rows = list(
            selectors.other_participants(
                me,
                q=filters.get("q", ""),
                attendance=filters.get("attendance", ""),
                language=filters.get("language", ""),
                participation_type=filters.get("participation_type"),
            )
        )
    states = selectors.request_states(me)
    for row in [*rows, *(s.participant for s in suggested)]:
        row.open_request = states.get(row.pk)
        row.may_be_asked = requests.may_request(me, row)
    return render_portal(
        request,
        "brokerage/participant_list.html",
        {"event": event, "me": me, "rows": rows, "suggested": suggested, "search": search},
    )


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
def request_new(request, pk: int, participant: int):
    event = _event(pk)
    me = _own_participant(request, event)
    other = get_object_or_404(selectors.other_participants(me), pk=participant)
    form = MeetingRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = requests.meeting_request_send(
                requester=me, recipient=other, user=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if sent.state == MeetingRequestState.ACCEPTED:
                messages.success(
                    request,
                    _("%(name)s had asked you for a meeting too: the meeting is agreed.")
                    % {"name": other.organisation.name},
                )
            else:
                messages.success(
                    request,
                    _("Your request was sent to %(name)s. You will be told when they answer.")
                    % {"name": other.organisation.name},
                )
            return redirect("portal_brokerage:requests", event.pk)
    return render_portal(request, "brokerage/request_new.html", {"event": event, "other": other, "form": form})


@require_GET
@portal_view
def request_list(request, pk: int):
    event = _event(pk)
    me = _own_participant(request, event)
    grouped = selectors.requests_of(me)
    self_booking = event.scheduling == SchedulingMode.SELF_BOOKING
    bookable = meetings.bookable_slots(grouped["accepted"]) if self_booking else {}
    for item in grouped["accepted"]:
        item.partner = item.recipient if item.requester_id == me.pk else item.requester
        item.slots = bookable.get(item.pk, [])
    for item in grouped["closed"]:
        item.partner = item.recipient if item.requester_id == me.pk else item.requester
    return render_portal(
        request,
        "brokerage/request_list.html",
        {"event": event, "me": me, "self_booking": self_booking, **grouped},
    )


def _request_step(request, pk: int, step) -> HttpResponse:
    item = get_object_or_404(selectors.requests_visible_to(request.user), pk=pk)
    try:
        done = step(item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("portal_brokerage:requests", item.event_id)


def _answer(request, pk: int, *, accept: bool) -> HttpResponse:
    def step(item):
        requests.meeting_request_answer(item, accept=accept, user=request.user)
        done = _("You accepted the meeting with %(name)s.") if accept else _("You declined the request of %(name)s.")
        return done % {"name": item.requester.organisation.name}

    return _request_step(request, pk, step)


@require_POST
@portal_view
def request_accept(request, pk: int):
    return _answer(request, pk, accept=True)


@require_POST
@portal_view
def request_decline(request, pk: int):
    return _answer(request, pk, accept=False)


@require_POST
@portal_view
def request_withdraw(request, pk: int):
    def step(item):
        requests.meeting_request_withdraw(item, user=request.user)
        return _("You withdrew your request.")

    return _request_step(request, pk, step)


@require_POST
@portal_view
def request_book(request, pk: int):
    def step(item):
        slot = Slot.objects.filter(pk=request.POST.get("slot"), session__event=item.event).first()
        if slot is None:
            raise ValidationError(_("Choose a time."))
        meeting = meetings.meeting_book(item, slot, user=request.user)
        return _("The meeting is booked: %(time)s, %(point)s.") % {"time": meeting.slot, "point": meeting.point}

    return _request_step(request, pk, step)


@require_GET
@portal_view
def agenda(request, pk: int):
    event = _event(pk)
    me = _own_participant(request, event)
    feed = CalendarFeed.objects.filter(participant=me, user=request.user).first()
    feed_url = request.build_absolute_uri(reverse("portal_brokerage:feed", args=[feed.token])) if feed else ""
    rows = selectors.agenda(me)
    now = timezone.now()
    for meeting in rows:
        meeting.has_begun = meeting.slot.starts_at <= now
        meeting.outcome_form = OutcomeForm(
            initial={"verdict": meeting.own_outcome.verdict, "comment": meeting.own_outcome.comment}
            if meeting.own_outcome
            else None,
            prefix=f"m{meeting.pk}",
        )
    return render_portal(
        request,
        "brokerage/agenda.html",
        {
            "event": event,
            "me": me,
            "meetings": rows,
            "feed_url": feed_url,
            "webcal_url": feed_url.replace("https://", "webcal://").replace("http://", "webcal://"),
        },
    )


def _agenda_file(me: Participant, content: bytes, *, content_type: str, extension: str) -> HttpResponse:
    """The participant's agenda as a download named after the event."""
    name = f"{slugify(me.event.title) or 'agenda'}-agenda.{extension}"
    disposition = f'attachment; filename="{name}"'
    return HttpResponse(content, content_type=content_type, headers={"Content-Disposition": disposition})


@require_GET
@portal_view
def agenda_ics(request, pk: int):
    me = _own_participant(request, _event(pk))
    return _agenda_file(me, calendars.agenda_calendar(me), content_type="text/calendar; charset=utf-8", extension="ics")


@require_GET
@portal_view
def agenda_pdf_download(request, pk: int):
    me = _own_participant(request, _event(pk))
    return _agenda_file(me, agenda_pdf(me), content_type="application/pdf", extension="pdf")


@require_POST
@portal_view
def calendar_subscribe(request, pk: int):
    me = _own_participant(request, _event(pk))
    renew = request.POST.get("renew") == "1"
    calendar_services.calendar_feed(me, user=request.user, renew=renew)
    if renew:
        messages.success(request, _("Your calendar has a new address; the old one no longer works."))
    return redirect("portal_brokerage:agenda", pk)


@require_GET
def feed(request, token: str):
    """The private subscription: no login, the token is the key (calendar programs fetch it alone).
    It stops with the person's access to the organisation."""
    subscription = CalendarFeed.objects.filter(token=token).select_related("participant__event", "user").first()
    if subscription is None or not may_act_for(subscription.user, subscription.participant.organisation):
        raise Http404
    response = HttpResponse(
        calendars.agenda_calendar(subscription.participant), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_POST
@portal_view
def outcome(request, pk: int):
    meeting = get_object_or_404(selectors.meetings_visible_to(request.user).distinct(), pk=pk)
    form = OutcomeForm(request.POST, prefix=f"m{meeting.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose what came of the meeting."))
    else:
        try:
            outcomes.outcome_report(meeting, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you: your report on the meeting was saved. Only the agency reads it."))
    return redirect("portal_brokerage:agenda", meeting.request.event_id)


@require_http_methods(["GET", "POST"])
@portal_view
def follow_up(request, pk: int):
    found = get_object_or_404(
        MeetingOutcome.objects.filter(participant__in=selectors.participants_visible_to(request.user)).select_related(
            "meeting__request__event", "participant__organisation"
        ),
        pk=pk,
    )
    form = FollowUpForm(request.POST or None, initial={"answer": found.follow_up_answer or None})
    if request.method == "POST" and form.is_valid():
        outcomes.follow_up_answer(found, user=request.user, answer=form.cleaned_data["answer"])
        messages.success(request, _("Thank you for your answer."))
        return redirect("portal_brokerage:agenda", found.meeting.request.event_id)
    return render_portal(request, "brokerage/follow_up.html", {"outcome": found, "form": form})
