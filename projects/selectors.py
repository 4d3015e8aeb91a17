"""Reads about investment projects and workshops that are more than a filter."""

import datetime
from decimal import Decimal

from django.db.models import Case, CharField, Count, F, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from companies.models.organisations import Organisation
from projects.choices import OPEN_STAGES, FigureProvenance, InvestmentStage, WorkshopState
from projects.models import (
    InvestmentMilestone,
    InvestmentProject,
    JoinRequestState,
    Workshop,
    WorkshopJoinRequest,
    WorkshopParticipant,
    WorkshopSession,
)


def investment_projects_accompanied(*, start: datetime.date, end: datetime.date) -> QuerySet[InvestmentProject]:
    """The settlements, expansions and retentions the agency accompanied in [start, end].

    This is the one definition the reports use: a project counts as accompanied in the period in
    which its production started (stage "production started", start-of-production date in the
    period). Open, paused and lost projects are pipeline, not results."""
    return InvestmentProject.objects.filter(
        stage=InvestmentStage.PRODUCTION_STARTED, production_start_date__range=(start, end)
    )


def investment_aggregates() -> dict:
    """The aggregate expressions of the investment figures, for ``.aggregate()`` on any queryset of
    investment projects or ``.annotate()`` on grouped rows of one: count (``n``), investment volume
    of confirmed figures (``volume``), of announced and estimated ones (``estimated``), new and
    secured jobs. The aliases differ from the field names: an aggregate named like a field would
    shadow it. For the figures of a period, use investment_totals."""
    confirmed = Q(figure_provenance=FigureProvenance.CONFIRMED)
    zero = Decimal("0.00")
    return {
        "n": Count("pk"),
        "volume": Sum("investment_volume_eur", filter=confirmed, default=zero),
        "estimated": Sum("investment_volume_eur", filter=~confirmed, default=zero),
        "new": Sum("new_jobs", default=0),
        "secured": Sum("secured_jobs", default=0),
    }


def investment_totals(*, start: datetime.date, end: datetime.date) -> dict:
    """The investment figures of [start, end], one query: count (``projects``), investment volume
    and jobs of the projects accompanied in the period (investment_projects_accompanied). The
    volume counts confirmed figures; announced and estimated ones are summed separately
    (``investment_volume_unconfirmed_eur``). The reports' headline, the partner API's summary of a
    year and the demo's checks all read this."""
    sums = investment_projects_accompanied(start=start, end=end).aggregate(**investment_aggregates())
    return {
        "projects": sums["n"],
        "investment_volume_eur": sums["volume"],
        "investment_volume_unconfirmed_eur": sums["estimated"],
        "new_jobs": sums["new"],
        "secured_jobs": sums["secured"],
    }


# --- the partner API ---------------------------------------------------------------------------------


# What partners may see, as allowlists: a state or stage added later stays internal until decided.
# Workshops: planned ones are announced to win participants (they may ask to join), active and
# completed ones are the agency's record; a cancelled one never took place. (The model has no
# separate publishing flag.)
PUBLIC_WORKSHOP_STATES = (WorkshopState.PLANNED, WorkshopState.ACTIVE, WorkshopState.COMPLETED)
# Investment projects: all but lost ones. A lost investment went elsewhere: nothing is left for
# partners to accompany, and what remains (why it was lost) is the agency's internal business.
PUBLIC_INVESTMENT_STAGES = (*OPEN_STAGES, InvestmentStage.ON_HOLD, InvestmentStage.PRODUCTION_STARTED)


def public_workshops() -> QuerySet[Workshop]:
    """The workshops partners may see (PUBLIC_WORKSHOP_STATES), with their sessions,
    classification and number of current participants loaded (a page costs the same few queries
    at any size). Participants themselves and their contact persons are not loaded."""
    today = timezone.localdate()
    current = (
        WorkshopParticipant.objects.filter(workshop=OuterRef("pk"))
        .filter(Q(left__isnull=True) | Q(left__gt=today))
        .order_by()
        .values("workshop")
        .annotate(n=Count("pk"))
        .values("n")
    )
    sessions = WorkshopSession.objects.filter(workshop=OuterRef("pk")).order_by().values("workshop")
    # Subqueries, not joins: a filter across sectors or sessions would otherwise multiply the count.
    return (
        Workshop.objects.filter(state__in=PUBLIC_WORKSHOP_STATES)
        .annotate(
            participant_count=Coalesce(Subquery(current), 0),
            first_session_at=Subquery(sessions.annotate(first=Min("starts_at")).values("first")),
            last_session_at=Subquery(sessions.annotate(last=Max("starts_at")).values("last")),
        )
        .prefetch_related(
            "sectors",
            "technology_fields",
            Prefetch("sessions", queryset=WorkshopSession.objects.select_related("host").order_by("starts_at", "pk")),
        )
        .order_by("-created", "-pk")
    )


# What of a milestone the API loads: its note is free text that can name people or the investor.
MILESTONE_FIELDS = ("id", "project_id", "date", "kind")


def public_investment_projects() -> QuerySet[InvestmentProject]:
    """Investment projects as partners may see them (PUBLIC_INVESTMENT_STAGES), with the
    investor's name and country as ``public_investor_name`` / ``public_investor_country``, which
    are NULL for a project whose investor is confidential. The redaction happens in SQL: the API
    never touches ``investor``, so a confidential identity is not even loaded. Code name, notes, the
    reason a project was lost, milestone notes and staff are never part of the API at all."""
    disclosed, text = Q(is_confidential=False), CharField()
    return (
        InvestmentProject.objects.filter(stage__in=PUBLIC_INVESTMENT_STAGES)
        .annotate(
            public_investor_name=Case(When(disclosed, then=F("investor__name")), default=None, output_field=text),
            public_investor_country=Case(When(disclosed, then=F("investor__country")), default=None, output_field=text),
        )
        .prefetch_related(
            "sectors",
            Prefetch("milestones", queryset=InvestmentMilestone.objects.order_by("date", "pk").only(*MILESTONE_FIELDS)),
        )
        .order_by("-created", "-pk")
    )


# --- the self-service portal -------------------------------------------------------------------------


def portal_workshops() -> QuerySet[Workshop]:
    """Workshops open to new participants (Workshop.registration_rule), as partners see them
    (public_workshops)."""
    return public_workshops().open()


def organisation_workshop_join_requests(organisation: Organisation) -> QuerySet[WorkshopJoinRequest]:
    return (
        WorkshopJoinRequest.objects.filter(organisation=organisation)
        .select_related("workshop", "contact")
        .order_by("-created", "-pk")
    )


def organisation_open_join_request_workshop_ids(organisation: Organisation) -> set[int]:
    return set(
        WorkshopJoinRequest.objects.filter(organisation=organisation, state=JoinRequestState.REQUESTED).values_list(
            "workshop_id", flat=True
        )
    )


def organisation_workshop_ids(organisation: Organisation) -> set[int]:
    """The workshops the organisation takes part in (or took part in)."""
    return set(WorkshopParticipant.objects.filter(organisation=organisation).values_list("workshop_id", flat=True))
