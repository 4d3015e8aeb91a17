"""What came of brokerage meetings, as labels for the partner matching (matchmaking.corpus_loading):

- a meeting that led to a partnership agreement (recorded by staff, or answered "agreement" to the
  follow-up) is the strongest positive label there is: 2.0 on both sides;
- a side that saw a cooperation possible after the meeting: 1.5 from that side to the other
  (an accepted introduction is 1.0);
- a side that saw no interest: -1.0 from that side, as its "not relevant" would be.

The organisation's own verdict on a partner in the portal still wins over these."""

from brokerage.choices import FollowUpAnswer, MeetingVerdict
from brokerage.models.meetings import MeetingOutcome, PartnershipAgreement

VALUES = {MeetingVerdict.COOPERATION_POSSIBLE: 1.5, MeetingVerdict.NO_INTEREST: -1.0}
AGREEMENT = 2.0


def labels() -> list[tuple[int, int, float]]:
    found: dict[tuple[int, int], float] = {}
    rows = MeetingOutcome.objects.filter(verdict__in=list(VALUES)).values_list(
        "participant_id",
        "participant__organisation_id",
        "meeting__request__requester_id",
        "meeting__request__requester__organisation_id",
        "meeting__request__recipient__organisation_id",
        "verdict",
        "follow_up_answer",
    )
    for participant, own, requester, requester_org, recipient_org, verdict, answer in rows:
        partner = recipient_org if participant == requester else requester_org
        if answer == FollowUpAnswer.AGREEMENT:
            found[own, partner] = found[partner, own] = AGREEMENT
        elif found.get((own, partner)) != AGREEMENT:
            found[own, partner] = VALUES[verdict]
    for agreement in PartnershipAgreement.objects.filter(meeting__isnull=False).prefetch_related("organisations"):
        members = [organisation.pk for organisation in agreement.organisations.all()]
        for a in members:
            for b in members:
                if a != b:
                    found[a, b] = AGREEMENT
    return [(a, b, value) for (a, b), value in found.items()]
