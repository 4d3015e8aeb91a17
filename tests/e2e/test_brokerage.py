"""A brokerage event in the browser, from registration to what came of the meeting: two companies
register, one asks the other for a meeting, the other accepts, the organiser runs the scheduler
and publishes it in the admin, both read their agendas and download the calendar file, and after
the meeting both report what came of it. German and English, on a desktop and a phone (390 × 844)."""

import datetime
from pathlib import Path

import icalendar
import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from brokerage.choices import MeetingVerdict, SchedulingMode
from brokerage.models.events import Slot
from brokerage.models.meetings import Meeting, MeetingOutcome
from brokerage.models.participants import MeetingRequest, Participant
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, fits
from tests.e2e.test_portal_home import PASSWORD, log_in, switch_language
from tests.factories_brokerage import BrokerageEventFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WORDS = {
    "de": {"request": "Termin anfragen", "send": "Anfrage senden", "accept": "Annehmen"},
    "en": {"request": "Request a meeting", "send": "Send the request", "accept": "Accept"},
}


def _representative(name: str):
    return factories.RepresentativeFactory(
        administrator=True, user__password=make_password(PASSWORD), organisation__name=name
    )


def _register(page, event, shot=None, name="") -> None:
    page.goto("/portal/brokerage/")
    if shot:
        shot(page, f"{name}-00-events")
    page.locator("main").get_by_text(event.title).first.click()
    page.wait_for_url(f"**/portal/brokerage/{event.pk}/")
    page.locator("main a[href$='/register/']").first.click()
    page.wait_for_url(f"**/portal/brokerage/{event.pk}/register/")
    page.locator("input[name=sessions]").first.check()
    page.fill("textarea[name=offer]", "Sterile Einwegsets für die Chirurgie")
    if shot:
        shot(page, f"{name}-00-register")
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def _no_overflow(page, size) -> None:
    width, viewport = fits(page)
    assert width <= viewport <= size["width"], f"{page.url} is {width} px wide"


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_two_companies_meet_at_a_brokerage_event_from_registration_to_outcome(
    new_page, staff_page, shot, language, device
):
    size = PHONE if device == "phone" else DESKTOP
    words = WORDS[language]
    name = f"brokerage-{device}-{language}"
    event = BrokerageEventFactory(
        title="Kooperationsbörse MEDICA", scheduling=SchedulingMode.ORGANISER, time_zone="Europe/Berlin"
    )
    a, b = _representative("Kühlkette Leipzig GmbH"), _representative("Sensorwerk Chemnitz GmbH")

    pages = {}
    for key, representative in (("a", a), ("b", b)):
        page = new_page(**size)
        log_in(page, representative)
        if language != "de":
            switch_language(page, language)
        _register(page, event, shot if key == "a" else None, name)
        pages[key] = page
    first, second = pages["a"], pages["b"]
    assert Participant.objects.filter(event=event).count() == 2
    shot(second, f"{name}-01-participants")
    _no_overflow(second, size)

    # A asks B for a meeting.
    first.goto(f"/portal/brokerage/{event.pk}/participants/")
    card = first.locator("article", has_text="Sensorwerk Chemnitz GmbH")
    card.get_by_role("button", name=words["request"]).click()
    first.fill("textarea[name=message]", "Wir suchen Sensoren für Kühltransporte.")
    shot(first, f"{name}-02-request")
    with first.expect_navigation():
        first.get_by_role("button", name=words["send"]).click()
    request = MeetingRequest.objects.get(event=event)

    # B accepts it.
    second.goto(f"/portal/brokerage/{event.pk}/requests/")
    assert second.locator("main").get_by_text("Wir suchen Sensoren für Kühltransporte.").is_visible()
    shot(second, f"{name}-03-inbox")
    _no_overflow(second, size)
    with second.expect_navigation():
        second.get_by_role("button", name=words["accept"]).click()
    request.refresh_from_db()
    assert request.state == "accepted"

    # The organiser schedules and publishes in the admin.
    desk = staff_page(language=language, **DESKTOP)
    desk.goto("/admin/brokerage/brokerageevent/")
    for action in ("run_scheduler", "publish_schedule"):
        desk.check(f"input[name=_selected_action][value='{event.pk}']")
        desk.select_option("select[name=action]", action)
        with desk.expect_navigation():
            desk.click("button[name=index]")
        if action == "run_scheduler":
            desk.goto(f"/admin/brokerage/brokerageevent/{event.pk}/grid/")
            grid = desk.locator("table.grid").first  # the grid; the tables' plans follow it
            assert grid.locator("td.proposed", has_text="Kühlkette Leipzig GmbH").is_visible()
            shot(desk, f"{name}-04-grid")
            desk.goto("/admin/brokerage/brokerageevent/")
    meeting = Meeting.objects.get(request=request)
    assert meeting.published

    # Both read it in their agendas and take the calendar file along.
    for page, partner in ((first, "Sensorwerk Chemnitz GmbH"), (second, "Kühlkette Leipzig GmbH")):
        page.goto(f"/portal/brokerage/{event.pk}/agenda/")
        main = page.locator("main")
        assert main.get_by_text(partner).first.is_visible()
        assert main.get_by_text(str(meeting.point.number)).first.is_visible()
        _no_overflow(page, size)
        with page.expect_download() as download:
            page.locator("main a[href$='agenda.ics']").click()
        calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
        (entry,) = calendar.walk("VEVENT")
        assert entry.decoded("dtstart") == meeting.slot.starts_at
        assert partner in str(entry["summary"])
    shot(first, f"{name}-05-agenda")

    # After the meeting both say what came of it.
    past = timezone.now() - datetime.timedelta(hours=2)
    Slot.objects.filter(pk=meeting.slot_id).update(starts_at=past, ends_at=past + datetime.timedelta(minutes=30))
    for page in (first, second):
        page.goto(f"/portal/brokerage/{event.pk}/agenda/")
        page.locator(f"input[name='m{meeting.pk}-verdict'][value='{MeetingVerdict.COOPERATION_POSSIBLE}']").check()
        shot(page, f"{name}-06-outcome")
        with page.expect_navigation():
            page.locator(f"form[action$='/meetings/{meeting.pk}/outcome/'] button[type=submit]").click()
        _no_overflow(page, size)
    assert MeetingOutcome.objects.filter(meeting=meeting, verdict=MeetingVerdict.COOPERATION_POSSIBLE).count() == 2
    shot(second, f"{name}-07-reported")
