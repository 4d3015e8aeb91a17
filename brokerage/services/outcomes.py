"""What came of the meetings: each side reports after its meeting (staff alone read the reports);
those who reported "cooperation possible" are asked three and six months later whether an
agreement came about (the beat job "Ask what came of brokerage meetings")."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerage import audit
from brokerage.choices import FollowUpAnswer, MeetingVerdict
from brokerage.models.meetings import Meeting, MeetingOutcome
from brokerage.models.participants import Participant
from companies.access import may_act_for
from notifications import door
from wfs_portal.services import validated_save

FOLLOW_UPS = {3: "follow_up_3_sent_at", 6: "follow_up_6_sent_at"}
MONTH = datetime.timedelta(days=30)


def _side(meeting: Meeting, user) -> Participant:
    for side in (meeting.request.requester, meeting.request.recipient):
        if may_act_for(user, side.organisation):
            return side
    raise PermissionDenied


@transaction.atomic
def outcome_report(meeting: Meeting, *, user, verdict: str, comment: str = "") -> MeetingOutcome:
    """A representative of one side reports what came of a published meeting, once it has begun;
    a second report of the same side replaces the first."""
    side = _side(meeting, user)
    if not meeting.published:
        raise ValidationError(_("This meeting has not been scheduled yet."), code="not_published")
    if meeting.slot.starts_at > timezone.now():
        raise ValidationError(_("You can report on a meeting once it has taken place."), code="future")
    if verdict not in MeetingVerdict.values:
        raise ValidationError({"verdict": _("Choose what came of the meeting.")})
    outcome = MeetingOutcome.objects.select_for_update().filter(meeting=meeting, participant=side).first()
    outcome = outcome or MeetingOutcome(meeting=meeting, participant=side)
    outcome.verdict = verdict
    outcome.comment = comment.strip()
    outcome.reported_by = user
    validated_save(outcome, user=user, reason=audit.OUTCOME_REPORTED)
    return outcome


@transaction.atomic
def follow_up_answer(outcome: MeetingOutcome, *, user, answer: str) -> MeetingOutcome:
    outcome = MeetingOutcome.objects.select_for_update().select_related("participant__organisation").get(pk=outcome.pk)
    if not may_act_for(user, outcome.participant.organisation):
        raise PermissionDenied
    if answer not in FollowUpAnswer.values:
        raise ValidationError({"answer": _("Choose an answer.")})
    outcome.follow_up_answer = answer
    outcome.follow_up_answered_at = timezone.now()
    validated_save(outcome, user=user, reason=audit.OUTCOME_FOLLOW_UP_ANSWERED)
    return outcome


def follow_ups_send(now: datetime.datetime | None = None) -> int:
    """Ask the sides that saw a cooperation possible, three and six months after their meeting,
    whether an agreement came about; each question once (claimed with a conditional update).
    Returns how many were asked."""
    now = now or timezone.now()
    asked = 0
    for months, field in FOLLOW_UPS.items():
        due = MeetingOutcome.objects.filter(
            verdict=MeetingVerdict.COOPERATION_POSSIBLE,
            meeting__slot__starts_at__lte=now - months * MONTH,
            **{f"{field}__isnull": True},
        ).exclude(follow_up_answer=FollowUpAnswer.AGREEMENT)
        for outcome_id in list(due.values_list("pk", flat=True)):
            with transaction.atomic():
                claimed = MeetingOutcome.objects.filter(pk=outcome_id, **{f"{field}__isnull": True}).update(
                    **{field: now}
                )
                if not claimed:
                    continue
                outcome = MeetingOutcome.objects.select_related(
                    "participant__organisation",
                    "participant__contact",
                    "meeting__request__requester__organisation",
                    "meeting__request__recipient__organisation",
                    "meeting__request__event",
                ).get(pk=outcome_id)
                request = outcome.meeting.request
                partner = request.recipient if request.requester_id == outcome.participant_id else request.requester
                door.organisation_told(
                    "brokerage/email/follow_up",
                    organisation=outcome.participant.organisation,
                    contact=outcome.participant.contact,
                    context={
                        "outcome": outcome,
                        "event": request.event,
                        "partner": partner.organisation.name,
                        "months": months,
                        "url": door.absolute_url(reverse("portal_brokerage:follow-up", args=[outcome.pk])),
                    },
                    key=f"brokerage.outcome:{outcome.pk}:follow_up_{months}",
                )
                asked += 1
    return asked
