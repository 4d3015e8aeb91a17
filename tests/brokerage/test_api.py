"""Brokerage events in the partner API: published events with their counts, and the meetings of a
key's members that both sides agreed to share."""

import pytest
from django.urls import reverse

from brokerage.choices import MeetingVerdict
from companies.models.organisations import Organisation
from tests.api import ReadOnlyResourceTests, ids, key_client
from tests.factories import ClusterFactory, ClusterMembershipFactory
from tests.factories_brokerage import (
    BrokerageEventFactory,
    MeetingFactory,
    MeetingOutcomeFactory,
    MeetingRequestFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db


class TestBrokerageEvents(ReadOnlyResourceTests):
    """Open, closed and completed events; never those being planned or cancelled."""

    basename = "brokerage-event"
    scope = "events:read"
    other_scope = "directory:read"

    def visible(self, n=1):
        return [BrokerageEventFactory(frame=False, state=state) for state in (["open", "completed"] * n)[:n]]

    def hidden(self):
        return [
            BrokerageEventFactory(frame=False, state="planned"),
            BrokerageEventFactory(frame=False, state="cancelled"),
        ]


def test_an_event_counts_its_participants_and_its_scheduled_and_realised_meetings():
    event = BrokerageEventFactory()
    held = MeetingFactory(request__requester=ParticipantFactory(event=event))
    MeetingOutcomeFactory(meeting=held, verdict=MeetingVerdict.INFORMATIVE)
    missed = MeetingFactory(
        request__requester=ParticipantFactory(event=event),
        slot=held.slot.session.slots.order_by("starts_at")[1],
    )
    MeetingOutcomeFactory(meeting=missed, verdict=MeetingVerdict.NOT_HELD)
    MeetingFactory(request__requester=ParticipantFactory(event=event), published=False, point=event.points.all()[1])
    ParticipantFactory(event=event, state="registered")
    response = key_client("events:read").get(reverse("v1:brokerage-event-detail", args=[event.pk]))
    assert response.status_code == 200
    body = response.json()
    # Six validated participants (three requests of two each); the registered one is not counted.
    assert (body["participants"], body["meetings_scheduled"], body["meetings_realised"]) == (6, 2, 1)
    assert body["sessions"][0]["slot_minutes"] == 30


class TestBrokerageMeetings(ReadOnlyResourceTests):
    """The key's members' meetings, where both sides share them, published only."""

    basename = "brokerage-meeting"
    scope = "matches:read"

    def visible(self, n=1):
        found = []
        for _ in range(n):
            request = MeetingRequestFactory(
                state="accepted", requester__share_meetings=True, recipient__share_meetings=True
            )
            found.append(MeetingFactory(request=request))
            self._members.append(request.requester.organisation)
        return found

    def hidden(self):
        one_sided = MeetingRequestFactory(state="accepted", requester__share_meetings=True)
        self._members.append(one_sided.requester.organisation)
        return [
            MeetingFactory(request=one_sided),  # the other side did not agree to share
            MeetingFactory(  # nobody's member
                request=MeetingRequestFactory(
                    state="accepted", requester__share_meetings=True, recipient__share_meetings=True
                )
            ),
        ]

    @pytest.fixture(autouse=True)
    def _members_of_every_key(self, monkeypatch):
        from brokerage.api import views

        self._members = []
        monkeypatch.setattr(
            views, "partner_members", lambda partner: Organisation.objects.filter(pk__in=[o.pk for o in self._members])
        )


def test_a_key_reads_the_shared_meetings_of_its_own_members_only():
    client = key_client("matches:read")
    member = ClusterMembershipFactory(cluster=ClusterFactory(managing_organisation=client.api_key.organisation))
    request = MeetingRequestFactory(
        state="accepted",
        requester__organisation=member.organisation,
        requester__share_meetings=True,
        recipient__share_meetings=True,
    )
    mine = MeetingFactory(request=request)
    MeetingFactory(
        request=MeetingRequestFactory(state="accepted", requester__share_meetings=True, recipient__share_meetings=True)
    )
    assert ids(client.get(reverse("v1:brokerage-meeting-list"))) == {mine.pk}
    body = client.get(reverse("v1:brokerage-meeting-detail", args=[mine.pk])).json()
    assert {o["id"] for o in body["organisations"]} == {member.organisation_id, request.recipient.organisation_id}
    assert body["meeting_point"] in ("Tisch 1", "Table 1")
