"""What steers the lists besides the data: staff overrides (pin, hide) and the organisations'
feedback on proposed partners. Both take effect at once through an incremental update."""

from __future__ import annotations

import logging

from django.db import transaction

from companies.models.organisations import Organisation
from matchmaking.audit import FEEDBACK_GIVEN, OVERRIDE_SET
from matchmaking.choices import FeedbackVerdict, OverrideAction
from matchmaking.models.matches import MatchFeedback, MatchOverride
from matchmaking.services.incremental import matching_update_schedule
from wfs_portal.services import validated_save

logger = logging.getLogger(__name__)


@transaction.atomic
def match_override_set(*, organisation: Organisation, partner: Organisation, action: str | None, user, note=""):
    """Pin a partner into an organisation's list, hide it, or (``action=None``) lift the override.
    Takes effect in the lists at once (incremental update) and in every later run."""
    if action is None:
        MatchOverride.objects.filter(organisation=organisation, partner=partner).delete()
        override = None
    else:
        override = MatchOverride.objects.filter(organisation=organisation, partner=partner).first() or MatchOverride(
            organisation=organisation, partner=partner
        )
        override.action = OverrideAction(action)
        override.note = note
        override.user = user
        validated_save(override, user=user, reason=OVERRIDE_SET[action])
    matching_update_schedule(organisation_id=organisation.pk, delay=0)
    return override


@transaction.atomic
def match_feedback_give(*, organisation: Organisation, partner: Organisation, verdict: str, user) -> MatchFeedback:
    """An organisation's verdict on a proposed partner ("interesting" or "not relevant")."""
    feedback = MatchFeedback.objects.filter(organisation=organisation, partner=partner).first() or MatchFeedback(
        organisation=organisation, partner=partner
    )
    feedback.verdict = FeedbackVerdict(verdict)
    feedback.user = user
    validated_save(feedback, user=user, reason=FEEDBACK_GIVEN[verdict])
    matching_update_schedule(organisation_id=organisation.pk, delay=0)
    return feedback
