"""Reads about delegations that are more than a filter."""

import datetime

from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q, QuerySet

from companies.models.organisations import Organisation
from delegations.choices import PLACE_ROLES, Direction
from delegations.models import Delegation, DelegationParticipant
from wfs_portal.choices import EventState, RegistrationState


def delegations_in_period(*, direction: str, start: datetime.date, end: datetime.date) -> QuerySet[Delegation]:
    """Delegations of one direction that started in [start, end] and took place (not cancelled)."""
    return Delegation.objects.filter(direction=direction, start_date__range=(start, end)).exclude(
        state=EventState.CANCELLED
    )


# --- what partners see (the partner API) ---------------------------------------------------------


def public_delegations() -> QuerySet[Delegation]:
    """Delegations partners may see: every state but "planned", the agency's internal draft (there
    is no separate "published" state: a trip is announced when it opens for registration). Closed,
    completed and cancelled ones stay visible, so that a partner who synchronises with
    updated_since learns of a closure or a cancellation."""
    return Delegation.objects.exclude(state=EventState.PLANNED)


def public_delegations_with_free_places() -> QuerySet[Delegation]:
    """Public delegations with ``free_places`` computed in SQL: places not held by an organisation
    with a confirmed place-taking participant (two persons of one company share a place, see
    Delegation.places_taken); None for a delegation without a limit."""
    taken = Count(
        "participants__organisation",
        distinct=True,
        filter=Q(participants__state=RegistrationState.CONFIRMED, participants__role__in=PLACE_ROLES),
    )
    return (
        public_delegations()
        .annotate(free_places=ExpressionWrapper(F("capacity") - taken, output_field=IntegerField()))
        .prefetch_related("sectors")
        .order_by("start_date", "title", "pk")
    )


# --- the self-service portal ---------------------------------------------------------------------


def portal_delegations() -> QuerySet[Delegation]:
    """Outbound trips companies can register for in the portal (open for registration, see
    Delegation.registration_rule), with ``free_places``."""
    return public_delegations_with_free_places().open().filter(direction=Direction.OUTBOUND)


def portal_delegation_details() -> QuerySet[Delegation]:
    """Outbound trips a company may look at in the portal (every public one: a closed trip says why
    registration is closed instead of offering the form)."""
    return public_delegations_with_free_places().filter(direction=Direction.OUTBOUND)


def organisation_delegation_participants(organisation: Organisation) -> QuerySet[DelegationParticipant]:
    """An organisation's participants on delegations, the latest trips first."""
    return (
        DelegationParticipant.objects.filter(organisation=organisation)
        .select_related("delegation", "contact")
        .order_by("-delegation__start_date", "delegation__title", "pk")
    )
