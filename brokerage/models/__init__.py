"""Brokerage events (Kooperationsbörsen): B2B meeting days in time slots at numbered tables or in
online rooms, optionally at a trade fair, during a delegation or beside a project workshop.

An event has sessions (a day's block, cut into slots of 15, 20 or 30 minutes with an optional
pause between them), meeting points (tables with a capacity, online rooms with a link), and
participants (an organisation's registration: who attends, on site or online, which sessions,
which languages). Participants send each other meeting requests; an accepted request becomes a
meeting in a slot at a point, booked by the participants or placed by the organiser's scheduler.

The database keeps a slot from being given twice: a point hosts one meeting per slot, and a
participant sits in one meeting per slot (``MeetingSeat``), so two bookings of the last shared
slot cannot both succeed, whatever the application checked before.

The models by module; import a model from the module that defines it. These imports register the
models with Django."""

from brokerage.models import events, meetings, participants  # noqa: F401
