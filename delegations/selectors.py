"""Reads about delegations that are more than a filter."""

import datetime

from django.db.models import QuerySet

from delegations.choices import DelegationState
from delegations.models import Delegation


def delegations_in_period(*, direction: str, start: datetime.date, end: datetime.date) -> QuerySet[Delegation]:
    """Delegations of one direction that started in [start, end] and took place (not cancelled)."""
    return Delegation.objects.filter(direction=direction, start_date__range=(start, end)).exclude(
        state=DelegationState.CANCELLED
    )
