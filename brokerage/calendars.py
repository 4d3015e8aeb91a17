"""A participant's agenda as an iCalendar file (RFC 5545): the download and the private
subscription feed are the same calendar, made anew on every request, so a subscribed calendar
follows every change of the schedule. Each meeting keeps its UID (from its request) when it
moves, so calendar programs move it instead of adding a second one."""

import datetime

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerage.models.meetings import Meeting
from brokerage.models.participants import Participant
from brokerage.selectors import agenda


def _uid(meeting: Meeting) -> str:
    return f"brokerage-meeting-{meeting.request_id}@wfs-portal"


def agenda_calendar(participant: Participant) -> bytes:
    event = participant.event
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//WFS Portal//Brokerage agenda//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{event.title} – {participant.organisation.name}")
    calendar.add("x-wr-timezone", event.time_zone)
    stamp = timezone.now().astimezone(datetime.UTC)
    for meeting in agenda(participant):
        entry = icalendar.Event()
        entry.add("uid", _uid(meeting))
        entry.add("dtstamp", stamp)
        entry.add("last-modified", meeting.updated.astimezone(datetime.UTC))
        entry.add("dtstart", meeting.slot.starts_at.astimezone(datetime.UTC))
        entry.add("dtend", meeting.slot.ends_at.astimezone(datetime.UTC))
        entry.add("summary", _("Meeting with %(name)s") % {"name": meeting.partner_name})
        where = str(meeting.point)
        if not meeting.point.online and event.place:
            where = f"{where}, {event.place}"
        entry.add("location", where)
        lines = [event.title]
        if meeting.partner.offer:
            lines += ["", _("What they offer:"), meeting.partner.offer]
        if meeting.partner.request:
            lines += ["", _("What they are looking for:"), meeting.partner.request]
        if meeting.point.online and meeting.point.link:
            lines += ["", meeting.point.link]
            entry.add("url", meeting.point.link)
        entry.add("description", "\n".join(lines))
        calendar.add_component(entry)
    return calendar.to_ical()
