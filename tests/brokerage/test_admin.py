"""The organiser's side in the admin: the scheduler runs in the background and proposes, the grid
shows the proposal, publishing tells the participants; sessions are cut into slots on save;
participants and meetings export as spreadsheets."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from brokerage.choices import MeetingRequestState, MeetingVerdict, SchedulingMode
from brokerage.models.events import Slot
from brokerage.models.meetings import Meeting
from tests import factories
from tests.factories_brokerage import (
    BrokerageEventFactory,
    MeetingFactory,
    MeetingOutcomeFactory,
    MeetingRequestFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db


def _action(client, model: str, action: str, pks):
    return client.post(
        reverse(f"admin:brokerage_{model}_changelist"), {"action": action, "_selected_action": list(pks)}, follow=True
    )


def test_the_scheduler_proposes_the_grid_shows_it_and_publishing_mails_the_sides(
    staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    event = BrokerageEventFactory(scheduling=SchedulingMode.ORGANISER)
    hub = ParticipantFactory(event=event, languages="de")
    others = [ParticipantFactory(event=event, languages=code) for code in ("de,en", "en")]
    for side in (hub, *others):
        factories.RepresentativeFactory(organisation=side.organisation)
    for other in others:
        MeetingRequestFactory(requester=other, recipient=hub, state=MeetingRequestState.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(staff_client, "brokerageevent", "run_scheduler", [event.pk])
    assert response.status_code == 200
    assert Meeting.objects.filter(published=False).count() == 1  # the "en"-only side needs an interpreter table
    event.refresh_from_db()
    assert event.schedule_figures["placed"] == 1 and event.schedule_figures["requests"] == 2

    grid = staff_client.get(reverse("admin:brokerage_brokerageevent_grid", args=[event.pk])).content.decode()
    assert escape(hub.organisation.name) in grid and escape(others[0].organisation.name) in grid
    assert "Vorschlag" in grid  # the proposal is marked as not yet published

    with django_capture_on_commit_callbacks(execute=True):
        _action(staff_client, "brokerageevent", "publish_schedule", [event.pk])
    assert Meeting.objects.filter(published=True).count() == 1
    assert len(mailoutbox) == 2


def test_saving_a_session_cuts_it_into_slots(staff_client):
    event = BrokerageEventFactory(frame=False)
    url = reverse("admin:brokerage_brokerageevent_change", args=[event.pk])
    page = staff_client.get(url)
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data.update(
        {
            "title": event.title,
            "format": event.format,
            "state": event.state,
            "scheduling": event.scheduling,
            "time_zone": "Europe/Berlin",
            "max_meetings": "12",
            "max_meetings_per_session": "0",
            "request_expiry_days": "5",
            "languages": "de,en",
            "registration_deadline": event.registration_deadline.strftime("%d.%m.%Y"),
            "sessions-TOTAL_FORMS": "1",
            "sessions-INITIAL_FORMS": "0",
            "sessions-0-title": "Vormittag",
            "sessions-0-starts_at_0": "12.03.2027",
            "sessions-0-starts_at_1": "10:00",
            "sessions-0-ends_at_0": "12.03.2027",
            "sessions-0-ends_at_1": "11:40",
            "sessions-0-slot_minutes": "20",
            "sessions-0-pause_minutes": "5",
            "points-TOTAL_FORMS": "0",
            "points-INITIAL_FORMS": "0",
            "participation_types-TOTAL_FORMS": "0",
            "participation_types-INITIAL_FORMS": "0",
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    slots = Slot.objects.filter(session__event=event).order_by("starts_at")
    # 20 minutes and a pause of 5: the fifth slot (11:40) would run past the end.
    assert [timezone.localtime(s.starts_at).strftime("%H:%M") for s in slots] == ["10:00", "10:25", "10:50", "11:15"]


def test_participants_export_as_a_spreadsheet(staff_client):
    participant = ParticipantFactory()
    response = staff_client.post(
        reverse("admin:brokerage_participant_changelist"),
        {"action": "export_xlsx", "_selected_action": [participant.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert participant.organisation.name in [str(v) for v in values]


def test_the_grid_lists_interpreter_meetings_and_no_shows(staff_client):
    event = BrokerageEventFactory()
    needs = MeetingFactory(
        request__requester=ParticipantFactory(event=event, languages="de"),
        request__recipient=ParticipantFactory(event=event, languages="cs"),
    )
    missed = MeetingFactory(request__requester=ParticipantFactory(event=event), point=event.points.all()[1])
    MeetingOutcomeFactory(meeting=missed, verdict=MeetingVerdict.NOT_HELD)
    grid = staff_client.get(reverse("admin:brokerage_brokerageevent_grid", args=[event.pk])).content.decode()
    interpreters, shows = grid.split("Dolmetscherbedarf")[1].split("nicht stattgefunden")
    assert escape(needs.request.recipient.organisation.name) in interpreters
    assert escape(missed.request.requester.organisation.name) in shows
    no_shows, plans = shows.split("Tischpläne")
    assert escape(needs.request.recipient.organisation.name) not in no_shows
    # A plan per table with a meeting: tables 1 and 2, not 3.
    assert plans.count('class="table-plan"') == 2
