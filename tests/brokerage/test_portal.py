"""The portal's brokerage pages: a company registers, finds a partner (the engine's suggestion
first), requests a meeting; the other accepts and books; both read the agenda, download the
calendar file and the PDF, subscribe to the private feed and report the outcome. Another
organisation's participation, request or meeting gives 404."""

import datetime

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from brokerage.choices import MeetingRequestState, MeetingVerdict, SchedulingMode
from brokerage.models.events import Slot
from brokerage.models.meetings import CalendarFeed, Meeting, MeetingOutcome
from brokerage.models.participants import MeetingRequest, Participant
from brokerage.services.meetings import schedule_publish, schedule_run
from tests import factories
from tests.factories_brokerage import BrokerageEventFactory, MeetingRequestFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return BrokerageEventFactory(title="Kooperationsbörse MEDICA")


@pytest.fixture
def client_b(representative_b):
    client = Client()
    client.force_login(representative_b.user)
    return client


def _register(client, event, **extra):
    data = {
        "sessions": [s.pk for s in event.sessions.all()],
        "attendance": "on_site",
        "persons": "1",
        "languages": ["de", "en"],
        "offer": "Sterile Einwegsets",
        "request": "Vertriebspartner in Polen",
        **extra,
    }
    return client.post(reverse("portal_brokerage:register", args=[event.pk]), data)


def test_the_event_list_and_page_show_open_events_in_german(client_a, event):
    page = client_a.get(reverse("portal_brokerage:event-list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Kooperationsbörse MEDICA" in text and "Anmelden" in text
    detail = client_a.get(reverse("portal_brokerage:event", args=[event.pk])).content.decode()
    assert "30-Minuten-Termine" in detail or "30" in detail


def test_registering_in_the_portal_and_a_refused_form_keeps_nothing(client_a, event, organisation_a):
    refused = _register(client_a, event, sessions=[])
    assert refused.status_code == 200
    assert "Wählen Sie mindestens eine Sitzung" in refused.content.decode()
    assert not Participant.objects.exists()
    response = _register(client_a, event)
    assert response.status_code == 302
    participant = Participant.objects.get(organisation=organisation_a)
    assert participant.languages == "de,en" and participant.offer == "Sterile Einwegsets"


def test_a_meeting_from_request_to_outcome_through_the_pages(
    client_a, client_b, event, organisation_a, organisation_b, django_capture_on_commit_callbacks
):
    _register(client_a, event)
    _register(client_b, event)
    a = Participant.objects.get(organisation=organisation_a)
    b = Participant.objects.get(organisation=organisation_b)
    factories.MatchFactory(organisation=organisation_a, partner=organisation_b, score=0.87, rank=1)

    listing = client_a.get(reverse("portal_brokerage:participants", args=[event.pk])).content.decode()
    assert "Für Sie vorgeschlagen" in listing and "87" in listing
    with django_capture_on_commit_callbacks(execute=True):
        sent = client_a.post(
            reverse("portal_brokerage:request-new", args=[event.pk, b.pk]), {"message": "Gern zu Einwegsets."}
        )
    assert sent.status_code == 302
    request = MeetingRequest.objects.get(requester=a, recipient=b)
    assert request.score == 87

    inbox = client_b.get(reverse("portal_brokerage:requests", args=[event.pk])).content.decode()
    assert organisation_a.name in inbox and "Gern zu Einwegsets." in inbox
    client_b.post(reverse("portal_brokerage:request-accept", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == MeetingRequestState.ACCEPTED

    slots = list(Slot.objects.filter(session__event=event).order_by("starts_at"))
    page = client_b.get(reverse("portal_brokerage:requests", args=[event.pk])).content.decode()
    assert "Termin buchen" in page or "Buchen" in page
    client_b.post(reverse("portal_brokerage:request-book", args=[request.pk]), {"slot": slots[1].pk})
    meeting = Meeting.objects.get(request=request)
    assert meeting.slot == slots[1] and meeting.published

    agenda = client_a.get(reverse("portal_brokerage:agenda", args=[event.pk])).content.decode()
    assert organisation_b.name in agenda and "Tisch 1" in agenda
    ics = client_a.get(reverse("portal_brokerage:agenda-ics", args=[event.pk]))
    assert ics["Content-Type"].startswith("text/calendar")
    entries = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    assert [e.decoded("dtstart") for e in entries] == [slots[1].starts_at]
    pdf = client_a.get(reverse("portal_brokerage:agenda-pdf", args=[event.pk]))
    assert pdf.content.startswith(b"%PDF") and pdf["Content-Type"] == "application/pdf"

    # After the meeting both sides report what came of it; staff alone see it.
    Slot.objects.filter(pk=slots[1].pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1), ends_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    for client in (client_a, client_b):
        client.post(
            reverse("portal_brokerage:outcome", args=[meeting.pk]),
            {f"m{meeting.pk}-verdict": MeetingVerdict.COOPERATION_POSSIBLE, f"m{meeting.pk}-comment": "Angebot folgt"},
        )
    assert MeetingOutcome.objects.filter(meeting=meeting, verdict=MeetingVerdict.COOPERATION_POSSIBLE).count() == 2


def test_the_private_calendar_feed_follows_a_change_and_dies_with_a_new_address(client_a, event, organisation_a):
    _register(client_a, event)
    a = Participant.objects.get(organisation=organisation_a)
    event.scheduling = SchedulingMode.ORGANISER
    event.save()
    request = MeetingRequestFactory(requester=a, recipient=ParticipantFactory(event=event), state="accepted")
    schedule_run(event, seconds=5)
    schedule_publish(event)
    client_a.post(reverse("portal_brokerage:calendar-subscribe", args=[event.pk]))
    token = CalendarFeed.objects.get(participant=a).token
    anonymous = Client()
    feed_url = reverse("portal_brokerage:feed", args=[token])
    first = icalendar.Calendar.from_ical(anonymous.get(feed_url).content).walk("VEVENT")
    assert len(first) == 1
    # The organiser moves the meeting: the same UID at the new time.
    meeting = Meeting.objects.get(request=request)
    later = Slot.objects.filter(session__event=event).exclude(pk=meeting.slot_id).order_by("-starts_at").first()
    Meeting.objects.filter(pk=meeting.pk).update(slot=later)
    meeting.seats.update(slot=later)
    second = icalendar.Calendar.from_ical(anonymous.get(feed_url).content).walk("VEVENT")
    assert str(second[0]["uid"]) == str(first[0]["uid"])
    assert second[0].decoded("dtstart") == later.starts_at
    client_a.post(reverse("portal_brokerage:calendar-subscribe", args=[event.pk]), {"renew": "1"})
    assert anonymous.get(feed_url).status_code == 404
    assert anonymous.get(reverse("portal_brokerage:feed", args=[CalendarFeed.objects.get().token])).status_code == 200


def test_another_organisations_participation_requests_and_meetings_give_404(client_a, event, organisation_b):
    other = ParticipantFactory(event=event, organisation=organisation_b)
    third = ParticipantFactory(event=event)
    request = MeetingRequestFactory(requester=other, recipient=third)
    meeting_request = MeetingRequestFactory(
        requester=other, recipient=ParticipantFactory(event=event), state="accepted"
    )
    slot = Slot.objects.filter(session__event=event).first()
    meeting = Meeting.objects.create(request=meeting_request, slot=slot, point=event.points.first(), published=True)
    pages = [
        ("get", reverse("portal_brokerage:participants", args=[event.pk])),
        ("get", reverse("portal_brokerage:requests", args=[event.pk])),
        ("get", reverse("portal_brokerage:agenda", args=[event.pk])),
        ("get", reverse("portal_brokerage:agenda-ics", args=[event.pk])),
        ("get", reverse("portal_brokerage:agenda-pdf", args=[event.pk])),
        ("post", reverse("portal_brokerage:request-accept", args=[request.pk])),
        ("post", reverse("portal_brokerage:request-decline", args=[request.pk])),
        ("post", reverse("portal_brokerage:request-withdraw", args=[request.pk])),
        ("post", reverse("portal_brokerage:request-book", args=[meeting_request.pk])),
        ("post", reverse("portal_brokerage:outcome", args=[meeting.pk])),
        ("get", reverse("portal_brokerage:feed", args=["not-a-token"])),
    ]
    for method, url in pages:
        assert getattr(client_a, method)(url).status_code == 404, url
    request.refresh_from_db()
    assert request.state == MeetingRequestState.REQUESTED


def test_an_event_being_planned_is_not_shown(client_a):
    planned = BrokerageEventFactory(state="planned")
    assert client_a.get(reverse("portal_brokerage:event", args=[planned.pk])).status_code == 404


def test_the_participant_list_shows_kinds_and_profiles_and_offers_a_request_only_where_the_organiser_allows(
    client_a, event, organisation_a
):
    buyer = event.participation_types.create(name="Einkäufer")
    supplier = event.participation_types.create(name="Zulieferer")
    supplier.may_request.set([buyer])
    ParticipantFactory(event=event, organisation=organisation_a, participation_type=supplier)
    other_supplier = ParticipantFactory(event=event, participation_type=supplier)
    buyer_side = ParticipantFactory(event=event, participation_type=buyer)
    profile = factories.PartneringProfileFactory(
        organisation=buyer_side.organisation, published=True, title_de="Einkauf von Einwegsets"
    )
    buyer_side.profiles.set([profile])
    page = client_a.get(reverse("portal_brokerage:participants", args=[event.pk])).content.decode()
    assert "Einkauf von Einwegsets" in page and "Einkäufer" in page
    assert reverse("portal_brokerage:request-new", args=[event.pk, buyer_side.pk]) in page
    assert reverse("portal_brokerage:request-new", args=[event.pk, other_supplier.pk]) not in page
    only_buyers = client_a.get(
        reverse("portal_brokerage:participants", args=[event.pk]), {"participation_type": buyer.pk}
    ).content.decode()
    assert escape(buyer_side.organisation.name) in only_buyers
    assert escape(other_supplier.organisation.name) not in only_buyers
