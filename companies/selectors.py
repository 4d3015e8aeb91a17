"""Reads of the companies app that are more than a filter."""

from django.db.models import QuerySet

from companies.choices import GenerationState
from companies.models import Match, MatchGeneration, Organisation


def active_generation_id() -> int | None:
    return MatchGeneration.objects.filter(state=GenerationState.ACTIVE).values_list("pk", flat=True).first()


def matches_for(organisation: Organisation) -> QuerySet[Match]:
    """The organisation's current partner list (the active generation), best first; pinned
    partners lead. Readers only ever see one complete generation."""
    return (
        Match.objects.filter(generation_id=active_generation_id(), organisation=organisation)
        .select_related("organisation", "partner")
        .order_by("rank")
    )


def active_matches() -> QuerySet[Match]:
    return Match.objects.filter(generation_id=active_generation_id())
