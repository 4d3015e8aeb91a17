"""Private calendar subscriptions: one secret token per person and participant; renewing it
revokes the old address at once."""

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction

from brokerage.models.meetings import CalendarFeed
from brokerage.models.participants import Participant
from companies.access import may_act_for


@transaction.atomic
def calendar_feed(participant: Participant, *, user, renew: bool = False) -> CalendarFeed:
    """The person's subscription of the participant's agenda, made on first use; ``renew`` gives it
    a new token (the old address stops working)."""
    if not may_act_for(user, participant.organisation):
        raise PermissionDenied
    feed = CalendarFeed.objects.select_for_update().filter(participant=participant, user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(participant=participant, user=user, token=secrets.token_urlsafe(32))
    if renew:
        feed.token = secrets.token_urlsafe(32)
        feed.save(update_fields=["token"])
    return feed
