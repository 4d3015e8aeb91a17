"""Brokerage events of the demo: a completed Kooperationsbörse at CMEF 2018 in Shanghai (the
organiser scheduled the meetings; both sides reported what came of them; two partnership
agreements followed) and one at the coming year's CMEF, open for registration, where the demo
company users' organisations take part, so that ``make run`` shows both ends of the feature.

It runs after the company users exist (load_demo), with random numbers of its own; records are
found by their natural keys, so a second run adds nothing."""

from __future__ import annotations

import datetime
import random
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from brokerage import scheduling
from brokerage.choices import (
    AgreementKind,
    EventFormat,
    MeetingRequestState,
    MeetingVerdict,
    ParticipantState,
    SchedulingMode,
)
from brokerage.models.events import BrokerageEvent, EventSession, MeetingPoint, ParticipationType
from brokerage.models.meetings import Meeting, MeetingOutcome, MeetingSeat, PartnershipAgreement
from brokerage.models.participants import MeetingRequest, Participant
from brokerage.services.events import session_slots_update
from brokerage.services.meetings import as_problem
from companies.models.representatives import Representative
from fairs.models import BoothRegistration, TradeFair
from wfs_portal.audit import DEMO_DATA
from wfs_portal.choices import EventState
from wfs_portal.demo import catalogue as cat
from wfs_portal.demo.representatives import EMAIL_DOMAIN

SEED = 20180411
SHANGHAI = "Asia/Shanghai"
OFFERS = [
    ("Sterile Einwegsets für die Chirurgie", "Vertriebspartner für Kliniken in China"),
    ("Bildgebende Sensorik für die Endoskopie", "Hersteller von Endoskopen als Integrationspartner"),
    ("Auftragsfertigung feinmechanischer Bauteile", "OEM-Kunden in der Medizintechnik"),
    ("Klinische Studien und Zulassungsberatung", "Unternehmen mit Produkten vor der Zulassung"),
    ("Software für die Telemedizin", "Kliniken für Pilotprojekte"),
    ("Laborautomation und Probenlogistik", "Distributoren im Laborbedarf"),
    ("Forschung zu Biomaterialien", "Industriepartner für gemeinsame Förderprojekte"),
    ("Orthopädische Implantate", "Importeure mit Zulassungserfahrung"),
]
LANGUAGE_SETS = ["de,en", "de,en", "de,en", "de", "en", "en,zh"]


def _at(day: datetime.date, hour: int, minute: int, zone: str) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZoneInfo(zone))


def _frame(world, event: BrokerageEvent, day: datetime.date, zone: str, *, tables: int) -> None:
    for title, (start, end) in (("Vormittag", ((10, 0), (12, 0))), ("Nachmittag", ((13, 30), (15, 30)))):
        session = world.ensure(
            EventSession,
            {"event": event, "starts_at": _at(day, *start, zone)},
            {"title": title, "ends_at": _at(day, *end, zone), "slot_minutes": 30, "pause_minutes": 0},
        )
        session_slots_update(session)
    for number in range(1, tables + 1):
        world.ensure(MeetingPoint, {"event": event, "number": number}, {"capacity": 4, "interpreter": number == 1})


def _participant(world, rng: random.Random, event: BrokerageEvent, organisation, *, registered: datetime.datetime):
    offer, request = OFFERS[rng.randrange(len(OFFERS))]
    participant = world.ensure(
        Participant,
        {"event": event, "organisation": organisation},
        {
            "state": ParticipantState.VALIDATED,
            "languages": rng.choice(LANGUAGE_SETS),
            "persons": 1 if rng.random() < 0.8 else 2,
            "offer": offer,
            "request": request,
            "share_meetings": rng.random() < 0.5,
        },
    )
    if not participant.sessions.exists():
        participant.sessions.set(event.sessions.all())
    Participant.objects.filter(pk=participant.pk).update(created=registered)
    return participant


def _request(world, event, requester, recipient, *, state: str, mutual: bool = False, at: datetime.datetime):
    return world.ensure(
        MeetingRequest,
        {"event": event, "requester": requester, "recipient": recipient},
        {
            "state": state,
            "mutual": mutual,
            "score": 0,
            "message": "Wir würden Sie gern kennenlernen.",
            "answered_at": at if state != MeetingRequestState.REQUESTED else None,
            "expires_at": at + datetime.timedelta(days=event.request_expiry_days),
        },
    )


def _schedule(event: BrokerageEvent) -> list[Meeting]:
    """Place the accepted requests as the organiser's scheduler does, and publish them (no e-mails:
    the demo tells nobody)."""
    if Meeting.objects.filter(request__event=event).exists():
        return list(Meeting.objects.filter(request__event=event).order_by("request_id"))
    problem, accepted = as_problem(event)
    schedule = scheduling.solve(problem, seconds=10, workers=1, seed=0)
    meetings = []
    for request_id, (slot_id, point_id) in sorted(schedule.placed.items()):
        request = accepted[request_id]
        meeting = Meeting(request=request, slot_id=slot_id, point_id=point_id, published=True)
        meeting._change_reason = DEMO_DATA
        meeting.save()
        MeetingSeat.objects.bulk_create(
            [
                MeetingSeat(meeting=meeting, participant_id=p, slot_id=slot_id)
                for p in (request.requester_id, request.recipient_id)
            ]
        )
        meetings.append(meeting)
    return meetings


def _past_event(world, rng: random.Random) -> None:
    fair = TradeFair.objects.filter(name="CMEF", start_date__year=2018).first()
    if fair is None:
        return
    day = fair.start_date + datetime.timedelta(days=1)
    event = world.ensure(
        BrokerageEvent,
        {"title": "Kooperationsbörse Medizintechnik – CMEF 2018"},
        {
            "description": "Geschäftsgespräche sächsischer Aussteller mit chinesischen Kliniken, Distributoren und "
            "Forschungseinrichtungen am Gemeinschaftsstand.",
            "trade_fair": fair,
            "place": f"{fair.city}, Gemeinschaftsstand Sachsen",
            "time_zone": SHANGHAI,
            "format": EventFormat.ON_SITE,
            "state": EventState.COMPLETED,
            "scheduling": SchedulingMode.ORGANISER,
            "registration_deadline": fair.start_date - datetime.timedelta(days=21),
            "max_meetings": 8,
        },
    )
    _frame(world, event, day, SHANGHAI, tables=6)
    exhibitors = [
        r.organisation for r in BoothRegistration.objects.filter(booth__fair=fair).select_related("organisation")
    ]
    others = [world.orgs[name] for name in sorted(world.orgs) if world.orgs[name] not in exhibitors]
    guests = rng.sample(others, k=min(len(others), 8))
    registered = _at(fair.start_date - datetime.timedelta(days=40), 9, 0, SHANGHAI)
    participants = [_participant(world, rng, event, org, registered=registered) for org in exhibitors + guests]
    answered = _at(fair.start_date - datetime.timedelta(days=10), 11, 0, SHANGHAI)
    for requester in participants:
        for recipient in rng.sample([p for p in participants if p != requester], k=min(3, len(participants) - 1)):
            if MeetingRequest.objects.filter(requester=recipient, recipient=requester).exists():
                continue
            roll = rng.random()
            state = (
                MeetingRequestState.ACCEPTED
                if roll < 0.7
                else MeetingRequestState.DECLINED
                if roll < 0.85
                else MeetingRequestState.EXPIRED
            )
            _request(world, event, requester, recipient, state=state, mutual=rng.random() < 0.3, at=answered)
    meetings = _schedule(event)
    verdicts = [
        (MeetingVerdict.COOPERATION_POSSIBLE, 3),
        (MeetingVerdict.INFORMATIVE, 4),
        (MeetingVerdict.NO_INTEREST, 2),
        (MeetingVerdict.NOT_HELD, 1),
    ]
    both_positive = []
    for meeting in meetings:
        verdict = rng.choices([v for v, _ in verdicts], weights=[w for _, w in verdicts])[0]
        reported = [
            world.ensure(MeetingOutcome, {"meeting": meeting, "participant": side}, {"verdict": verdict, "comment": ""})
            for side in (meeting.request.requester, meeting.request.recipient)
        ]
        if all(outcome.verdict == MeetingVerdict.COOPERATION_POSSIBLE for outcome in reported):
            both_positive.append(meeting)
    for meeting, kind, months in zip(
        both_positive[:2], (AgreementKind.COMMERCIAL, AgreementKind.RESEARCH), (4, 7), strict=False
    ):
        world.ensure(
            PartnershipAgreement,
            {"meeting": meeting},
            {
                "kind": kind,
                "signed_on": day + datetime.timedelta(days=30 * months),
                "description": "Vereinbarung nach dem Gespräch auf der Kooperationsbörse.",
            },
            {"organisations": [meeting.request.requester.organisation, meeting.request.recipient.organisation]},
        )


def _upcoming_event(world, rng: random.Random) -> None:
    fair = TradeFair.objects.filter(name="CMEF", start_date__gt=world.today).order_by("start_date").first()
    if fair is None:
        return
    day = fair.start_date + datetime.timedelta(days=1)
    event = world.ensure(
        BrokerageEvent,
        {"title": f"Kooperationsbörse Medizintechnik – CMEF {fair.start_date.year}"},
        {
            "description": "Vereinbaren Sie vorab Gespräche mit Kliniken, Distributoren und Forschungseinrichtungen; "
            "die Termine finden am Gemeinschaftsstand oder online statt.",
            "trade_fair": fair,
            "place": f"{fair.city}, Gemeinschaftsstand Sachsen",
            "time_zone": SHANGHAI,
            "format": EventFormat.HYBRID,
            "state": EventState.OPEN,
            "scheduling": SchedulingMode.SELF_BOOKING,
            "registration_deadline": max(
                world.today + datetime.timedelta(days=14), fair.start_date - datetime.timedelta(days=14)
            ),
        },
    )
    _frame(world, event, day, SHANGHAI, tables=8)
    kinds = [
        world.ensure(ParticipationType, {"event": event, "name": name})
        for name in ("Anbieter", "Einkäufer oder Anwender", "Forschungspartner")
    ]
    supplier, buyer, research = kinds
    if not supplier.may_request.exists():
        # Suppliers ask buyers and research partners; those ask anybody.
        supplier.may_request.set([buyer, research])
    world.ensure(
        MeetingPoint,
        {"event": event, "number": 101},
        {"online": True, "capacity": 6, "link": "https://meet.example/wfs-cmef-101"},
    )
    demo_orgs = [
        r.organisation
        for r in Representative.objects.filter(user__email__endswith=f"@{EMAIL_DOMAIN}", organisation__kind="company")
        .select_related("organisation")
        .order_by("user__email")
    ]
    medical = [world.orgs[name] for name in world.companies_by_field.get(cat.MED, [])][:12]
    chosen = list(dict.fromkeys([*demo_orgs, *rng.sample(medical, k=min(8, len(medical)))]))
    registered = timezone.now() - datetime.timedelta(days=3)
    participants = [_participant(world, rng, event, org, registered=registered) for org in chosen]
    demo = [p for p in participants if p.organisation in demo_orgs]
    others = [p for p in participants if p.organisation not in demo_orgs]
    for index, participant in enumerate(demo + others):
        kind = supplier if participant in demo else (buyer, research)[index % 2]
        if participant.participation_type_id is None:
            Participant.objects.filter(pk=participant.pk).update(participation_type=kind)
    now = timezone.now()
    # Somebody already asks each demo company for a meeting (their inbox has an answer waiting);
    # one demo company agreed to a meeting and booked it.
    for index, participant in enumerate(demo):
        if len(others) > index:
            _request(world, event, others[index], participant, state=MeetingRequestState.REQUESTED, at=now)
    if demo and len(others) > 5:
        _request(world, event, demo[0], others[5], state=MeetingRequestState.ACCEPTED, at=now)


def load_brokerage(world) -> None:
    rng = random.Random(SEED)
    with transaction.atomic():
        _past_event(world, rng)
        _upcoming_event(world, rng)
