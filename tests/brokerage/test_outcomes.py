"""What came of the meetings: the follow-ups three and six months later, the labels the partner
matching learns from, and the brokerage KPIs of the reports."""

import datetime

import pytest
from django.utils import timezone

from brokerage.choices import FollowUpAnswer, MeetingVerdict
from brokerage.models.events import EventSession, Slot
from brokerage.models.meetings import MeetingOutcome
from brokerage.services.outcomes import follow_up_answer, follow_ups_send, outcome_report
from matchmaking.corpus_loading import contributed_labels
from reports.kpis import compute
from tests import factories
from tests.factories_brokerage import MeetingFactory, MeetingOutcomeFactory, PartnershipAgreementFactory

pytestmark = pytest.mark.django_db


def _meeting_held(days_ago: int):
    meeting = MeetingFactory()
    start = timezone.now() - datetime.timedelta(days=days_ago)
    Slot.objects.filter(pk=meeting.slot_id).update(starts_at=start, ends_at=start + datetime.timedelta(minutes=30))
    EventSession.objects.filter(pk=meeting.slot.session_id).update(starts_at=start)
    meeting.refresh_from_db()
    return meeting


def test_a_side_reports_once_and_a_second_report_replaces_the_first():
    meeting = _meeting_held(1)
    representative = factories.RepresentativeFactory(organisation=meeting.request.requester.organisation)
    outcome_report(meeting, user=representative.user, verdict=MeetingVerdict.INFORMATIVE)
    outcome_report(meeting, user=representative.user, verdict=MeetingVerdict.COOPERATION_POSSIBLE, comment="Angebot")
    outcome = MeetingOutcome.objects.get()
    assert (outcome.verdict, outcome.comment, outcome.participant) == (
        MeetingVerdict.COOPERATION_POSSIBLE,
        "Angebot",
        meeting.request.requester,
    )


def test_cooperation_possible_is_asked_after_three_and_six_months_once_each(
    mailoutbox, django_capture_on_commit_callbacks
):
    meeting = _meeting_held(100)
    representative = factories.RepresentativeFactory(organisation=meeting.request.requester.organisation)
    outcome = MeetingOutcomeFactory(meeting=meeting, verdict=MeetingVerdict.COOPERATION_POSSIBLE)
    MeetingOutcomeFactory(meeting=meeting, participant=meeting.request.recipient, verdict=MeetingVerdict.NO_INTEREST)
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_ups_send() == 1
        assert follow_ups_send() == 0
    assert [m.to for m in mailoutbox] == [[representative.user.email]]
    assert f"/portal/brokerage/outcomes/{outcome.pk}/follow-up/" in mailoutbox[0].body
    # Six months on, once more; not after the answer "agreement".
    later = timezone.now() + datetime.timedelta(days=90)
    assert follow_ups_send(later) == 1
    follow_up_answer(outcome, user=representative.user, answer=FollowUpAnswer.AGREEMENT)
    assert follow_ups_send(later + datetime.timedelta(days=400)) == 0


def test_outcomes_and_agreements_become_the_matchings_labels():
    meeting = _meeting_held(10)
    requester, recipient = meeting.request.requester, meeting.request.recipient
    MeetingOutcomeFactory(meeting=meeting, participant=requester, verdict=MeetingVerdict.COOPERATION_POSSIBLE)
    MeetingOutcomeFactory(meeting=meeting, participant=recipient, verdict=MeetingVerdict.NO_INTEREST)
    labels = {(a, b): value for a, b, value in contributed_labels()}
    a, b = requester.organisation_id, recipient.organisation_id
    assert labels == {(a, b): 1.5, (b, a): -1.0}
    PartnershipAgreementFactory(meeting=meeting, organisations=[requester.organisation, recipient.organisation])
    labels = {(x, y): value for x, y, value in contributed_labels()}
    assert labels == {(a, b): 2.0, (b, a): 2.0}


def test_the_reports_count_the_brokerage_funnel_of_the_period():
    meeting = _meeting_held(3)
    MeetingOutcomeFactory(meeting=meeting, verdict=MeetingVerdict.COOPERATION_POSSIBLE)
    missed = _meeting_held(2)
    MeetingOutcomeFactory(meeting=missed, verdict=MeetingVerdict.NOT_HELD)
    PartnershipAgreementFactory(meeting=meeting)
    for held in (meeting, missed):
        held.request.answered_at = timezone.now() - datetime.timedelta(days=20)
        held.request.save()
    today = timezone.localdate()
    figures = compute(start=today - datetime.timedelta(days=10), end=today)
    kpis = figures["kpis"]
    assert kpis["meetings_scheduled"] == 2
    assert kpis["meetings_realised"] == 1
    assert kpis["meetings_cooperation_possible"] == 1
    assert kpis["partnership_agreements"] == 1
    assert kpis["meeting_requests_accepted"] == 0  # accepted before the period
    # The event's whole funnel, one row an event; both meetings' events start in the period.
    rows = {row["key"]: row for row in figures["tables"]["brokerage_by_event"]}
    assert rows[meeting.request.event.title] == {
        "key": meeting.request.event.title,
        "participants": 2,
        "meeting_requests": 1,
        "accepted": 1,
        "scheduled": 1,
        "realised": 1,
        "cooperation_possible": 1,
        "agreements": 1,
    }
    assert rows[missed.request.event.title]["realised"] == 0
    assert [row["key"] for row in figures["tables"]["brokerage_funnel"]] == [
        "meeting_requests",
        "meeting_requests_accepted",
        "meetings_scheduled",
        "meetings_realised",
        "meetings_cooperation_possible",
        "partnership_agreements",
    ]
