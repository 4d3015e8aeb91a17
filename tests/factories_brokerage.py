"""Factories of brokerage events: an open on-site event with one session of four 30-minute slots
and three tables, validated participants, meeting requests."""

import datetime

import factory
from django.utils import timezone

from brokerage.choices import AgreementKind, MeetingRequestState, MeetingVerdict, ParticipantState
from brokerage.models.events import BrokerageEvent, EventSession, MeetingPoint, Slot
from brokerage.models.meetings import Meeting, MeetingOutcome, PartnershipAgreement
from brokerage.models.participants import MeetingRequest, Participant
from brokerage.services.events import session_slots_update
from tests import factories
from wfs_portal.choices import EventState


class BrokerageEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrokerageEvent
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Kooperationsbörse Medizintechnik {n}")
    place = "Messe Düsseldorf, Halle 3"
    state = EventState.OPEN
    registration_deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=20))

    @factory.post_generation
    def frame(self, create, extracted, **kwargs):
        """One session (four 30-minute slots, 30 days ahead at 10:00) and three tables, unless
        ``frame=False``."""
        if not create or extracted is False:
            return
        day = timezone.localdate() + datetime.timedelta(days=30)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
        session = EventSession.objects.create(event=self, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
        session_slots_update(session)
        for number in (1, 2, 3):
            MeetingPoint.objects.create(event=self, number=number, capacity=4)


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A validated participant available in every session of its event."""

    class Meta:
        model = Participant
        skip_postgeneration_save = True

    event = factory.SubFactory(BrokerageEventFactory)
    organisation = factory.SubFactory(factories.OrganisationFactory)
    state = ParticipantState.VALIDATED

    @factory.post_generation
    def sessions(self, create, extracted, **kwargs):
        if create:
            self.sessions.set(extracted if extracted is not None else self.event.sessions.all())


class MeetingRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingRequest

    requester = factory.SubFactory(ParticipantFactory)
    recipient = factory.SubFactory(ParticipantFactory, event=factory.SelfAttribute("..requester.event"))
    event = factory.SelfAttribute("requester.event")


class MeetingFactory(factory.django.DjangoModelFactory):
    """A published meeting in the first slot at the first table of its event."""

    class Meta:
        model = Meeting

    request = factory.SubFactory(MeetingRequestFactory, state=MeetingRequestState.ACCEPTED)
    slot = factory.LazyAttribute(lambda o: Slot.objects.filter(session__event=o.request.event).order_by("starts_at")[0])
    point = factory.LazyAttribute(lambda o: o.request.event.points.order_by("number")[0])
    published = True


class MeetingOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingOutcome

    meeting = factory.SubFactory(MeetingFactory)
    participant = factory.SelfAttribute("meeting.request.requester")
    verdict = MeetingVerdict.COOPERATION_POSSIBLE
    comment = "Angebot für Einwegsets folgt."


class PartnershipAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnershipAgreement
        skip_postgeneration_save = True

    kind = AgreementKind.COMMERCIAL
    signed_on = factory.LazyFunction(timezone.localdate)
    description = "Vertriebsvereinbarung für Polen"

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        if create:
            self.organisations.set(extracted or [factories.OrganisationFactory(), factories.OrganisationFactory()])
