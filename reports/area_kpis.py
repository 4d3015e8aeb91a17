"""How each area's KPIs, tables and drill-down sources are computed for a period: one function per
area, each returning (kpis, tables, sources). The definitions are in ``reports.kpis``, which puts
the areas together."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, Exists, IntegerField, Min, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from brokerage.choices import MeetingRequestState, ParticipantState
from brokerage.models.events import BrokerageEvent
from brokerage.models.meetings import Meeting, PartnershipAgreement
from brokerage.models.participants import MeetingRequest, Participant
from brokerage.selectors import cooperation_seen, event_figures, took_place
from companies.models.classifications import Sector
from delegations.choices import Direction
from delegations.models import DelegationParticipant
from delegations.selectors import delegations_in_period
from fairs.models import TradeFair
from fairs.selectors import exhibitors, fairs_with_joint_booth
from matchmaking.choices import ContactRequestState, FeedbackVerdict, GenerationState
from matchmaking.models.generations import MatchGeneration
from matchmaking.models.introductions import ContactRequest
from matchmaking.models.matches import Match, MatchFeedback
from projects.choices import OPEN_STAGES, FigureProvenance, InvestmentStage, MilestoneKind, WorkshopState
from projects.models import InvestmentMilestone, InvestmentProject, Workshop, WorkshopParticipant, WorkshopSession
from projects.selectors import investment_aggregates, investment_projects_accompanied, investment_totals
from reports.kpi_registry import kpis_of
from reports.periods import moment_range
from wfs_portal.choices import EventState, RegistrationState

CENT = Decimal("0.01")

# The funnel's steps are the matchmaking KPIs, each a subset of the one before.
FUNNEL_KEYS = tuple(kpi.key for kpi in kpis_of("matchmaking"))


def money(value) -> str:
    """A decimal amount as the string the figures store ("141820000.00")."""
    return str(Decimal(value if value is not None else 0).quantize(CENT))


def _ids(queryset: QuerySet) -> list[int]:
    return sorted(queryset.order_by().values_list("pk", flat=True).distinct())


def _source(model, ids: list[int]) -> dict:
    return {"model": model._meta.label_lower, "ids": ids}


# --- investment projects --------------------------------------------------------------------------

_CONFIRMED = Q(figure_provenance=FigureProvenance.CONFIRMED)


def _investment_row(key, values: dict) -> dict:
    return {
        "key": key if key is not None else "",
        "projects": values["n"],
        "investment_volume_eur": money(values["volume"]),
        "investment_volume_estimated_eur": money(values["estimated"]),
        "new_jobs": int(values["new"] or 0),
        "secured_jobs": int(values["secured"] or 0),
    }


def _grouped(projects: QuerySet, field: str) -> list[dict]:
    rows = projects.order_by().values(field).annotate(**investment_aggregates()).order_by(field)
    return [_investment_row(row[field], row) for row in rows]


def _by_section(projects: QuerySet) -> list[dict]:
    """Projects by NACE section (the top level). A project with sectors in two sections counts in
    both; with two sectors in one section, once — so the inner query takes distinct
    (project, section) pairs before the outer one sums them, all in SQL."""
    through = InvestmentProject.sectors.through
    section = Coalesce(
        "sector__parent__parent__parent__code",
        "sector__parent__parent__code",
        "sector__parent__code",
        "sector__code",
    )
    pairs = (
        through.objects.filter(investmentproject__in=projects.order_by().values("pk"))
        .annotate(
            section=section,
            volume=Coalesce("investmentproject__investment_volume_eur", Value(Decimal("0.00"))),
            # 1 for a confirmed figure, 0 otherwise: a plain column the outer query can test.
            confirmed=Case(
                When(investmentproject__figure_provenance=FigureProvenance.CONFIRMED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            new=Coalesce("investmentproject__new_jobs", Value(0)),
            secured=Coalesce("investmentproject__secured_jobs", Value(0)),
        )
        .values("investmentproject_id", "section", "volume", "confirmed", "new", "secured")
        .order_by()
        .distinct()
    )
    inner, params = pairs.query.sql_with_params()
    sql = (
        "SELECT section, COUNT(*), "
        "SUM(CASE WHEN confirmed > 0 THEN volume ELSE 0 END), "
        "SUM(CASE WHEN confirmed > 0 THEN 0 ELSE volume END), "
        "SUM(new), SUM(secured) "
        f"FROM ({inner}) AS pairs GROUP BY section ORDER BY section"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        grouped = cursor.fetchall()
    names = {s.code: (s.name_de, s.name_en) for s in Sector.objects.filter(level=Sector.Level.SECTION)}
    rows = []
    for code, count, volume, estimated, new, secured in grouped:
        # SQLite hands back floats for the decimal sums; the quantised string is exact to the cent.
        row = _investment_row(
            code,
            {
                "n": count,
                "volume": Decimal(str(volume or 0)),
                "estimated": Decimal(str(estimated or 0)),
                "new": new,
                "secured": secured,
            },
        )
        name_de, name_en = names.get(code, ("", ""))
        rows.append({**row, "name": name_de, "name_en": name_en})
    without = projects.filter(sectors__isnull=True).aggregate(**investment_aggregates())
    if without["n"]:
        rows.append({**_investment_row("", without), "name": "", "name_en": ""})
    return rows


def investment_figures(start: datetime.date, end: datetime.date) -> tuple[dict, dict, dict]:
    projects = investment_projects_accompanied(start=start, end=end)
    totals = investment_totals(start=start, end=end)
    pipeline = InvestmentProject.objects.filter(stage__in=(*OPEN_STAGES, InvestmentStage.ON_HOLD)).filter(
        Q(first_contact_date__isnull=True) | Q(first_contact_date__lte=end)
    )
    site_offers = InvestmentMilestone.objects.filter(kind=MilestoneKind.SITE_OFFER, date__range=(start, end))
    pipeline_rows = (
        pipeline.order_by()
        .values("stage")
        .annotate(projects=Count("pk"), site_offers_sent=Sum("site_offers_sent", default=0))
        .order_by("stage")
    )
    stage_order = {value: i for i, value in enumerate(InvestmentStage.values)}
    open_ids = _ids(pipeline.filter(stage__in=OPEN_STAGES))
    kpis = {
        "settlements_and_expansions": totals["projects"],
        "investment_volume_eur": money(totals["investment_volume_eur"]),
        "investment_volume_estimated_eur": money(totals["investment_volume_unconfirmed_eur"]),
        "new_jobs": int(totals["new_jobs"]),
        "secured_jobs": int(totals["secured_jobs"]),
        "pipeline_open_projects": len(open_ids),
        "site_offers_sent": site_offers.count(),
    }
    tables = {
        "investments_by_kind": _grouped(projects, "kind"),
        "investments_by_district": _grouped(projects, "site_district"),
        "investments_by_sector": _by_section(projects),
        "investments_by_investor_country": _grouped(projects, "investor__country"),
        "pipeline_by_stage": sorted(
            (
                {"key": row["stage"], "projects": row["projects"], "site_offers_sent": int(row["site_offers_sent"])}
                for row in pipeline_rows
            ),
            key=lambda row: stage_order.get(row["key"], len(stage_order)),
        ),
    }
    accompanied = _ids(projects)
    sources = {
        key: _source(InvestmentProject, accompanied)
        for key in ("settlements_and_expansions", "investment_volume_eur", "new_jobs", "secured_jobs")
    }
    sources["investment_volume_estimated_eur"] = _source(InvestmentProject, _ids(projects.exclude(_CONFIRMED)))
    sources["pipeline_open_projects"] = _source(InvestmentProject, open_ids)
    sources["site_offers_sent"] = _source(InvestmentMilestone, _ids(site_offers))
    return kpis, tables, sources


# --- trade fairs ----------------------------------------------------------------------------------


def fair_figures(start: datetime.date, end: datetime.date) -> tuple[dict, dict, dict]:
    fairs = fairs_with_joint_booth(start=start, end=end)
    places = exhibitors(start=start, end=end)
    first_time = Q(is_first_time=True)
    measures = {
        "exhibitors": Count("pk"),
        "first_time_exhibitors": Count("pk", filter=first_time),
        "area_m2": Sum("requested_area_m2", default=Decimal("0")),
    }
    totals = places.aggregate(**measures)
    per_fair = {row["booth__fair"]: row for row in places.order_by().values("booth__fair").annotate(**measures)}
    fair_rows = []
    for fair in fairs.order_by("start_date", "name", "pk").values("pk", "name", "city", "country", "start_date"):
        counted = per_fair.get(fair["pk"], {})
        fair_rows.append(
            {
                "key": fair["pk"],
                "name": fair["name"],
                "city": fair["city"],
                "country": fair["country"],
                "start_date": fair["start_date"].isoformat(),
                "exhibitors": counted.get("exhibitors", 0),
                "first_time_exhibitors": counted.get("first_time_exhibitors", 0),
                "area_m2": money(counted.get("area_m2")),
            }
        )
    by_country = defaultdict(lambda: {"fairs": 0, "exhibitors": 0, "first_time_exhibitors": 0, "area_m2": Decimal(0)})
    for row in fair_rows:  # a few hundred fairs a year at most, already aggregated
        country = by_country[row["country"]]
        country["fairs"] += 1
        country["exhibitors"] += row["exhibitors"]
        country["first_time_exhibitors"] += row["first_time_exhibitors"]
        country["area_m2"] += Decimal(row["area_m2"])
    kpis = {
        "fairs_with_joint_booth": len(fair_rows),
        "exhibitors": totals["exhibitors"],
        "first_time_exhibitors": totals["first_time_exhibitors"],
        "booked_area_m2": money(totals["area_m2"]),
    }
    tables = {
        "fairs": fair_rows,
        "fairs_by_country": [
            {"key": code, **{k: (money(v) if k == "area_m2" else v) for k, v in values.items()}}
            for code, values in sorted(by_country.items())
        ],
    }
    place_ids = _ids(places)
    sources = {
        "fairs_with_joint_booth": _source(TradeFair, [row["key"] for row in fair_rows]),
        "exhibitors": _source(places.model, place_ids),
        "first_time_exhibitors": _source(places.model, _ids(places.filter(first_time))),
        "booked_area_m2": _source(places.model, place_ids),
    }
    return kpis, tables, sources


# --- delegations ----------------------------------------------------------------------------------


def delegation_figures(start: datetime.date, end: datetime.date) -> tuple[dict, dict, dict]:
    confirmed = Q(participants__state=RegistrationState.CONFIRMED)
    kpis, sources = {}, {}
    by_country = defaultdict(lambda: {"outbound": 0, "inbound": 0, "participants": 0})
    took_place = Q()
    for direction in (Direction.OUTBOUND, Direction.INBOUND):
        delegations = delegations_in_period(direction=direction, start=start, end=end)
        rows = list(
            delegations.order_by("pk")
            .annotate(confirmed_participants=Count("participants", filter=confirmed))
            # countries is a multiple-choice field kept as one text column ("CN,JP"), so a trip is
            # split over its countries here, on the period's trips, not in SQL.
            .values_list("pk", "countries", "confirmed_participants")
        )
        kpis[f"{direction}_delegations"] = len(rows)
        sources[f"{direction}_delegations"] = _source(delegations.model, [pk for pk, _c, _p in rows])
        took_place |= Q(delegation__in=delegations.values("pk"))
        for _pk, countries, participants in rows:
            codes = (
                [str(code) for code in (countries or [])] if not isinstance(countries, str) else countries.split(",")
            )
            for code in filter(None, codes):
                by_country[code][direction] += 1
                by_country[code]["participants"] += participants
    # Subqueries rather than the ids: one query whatever the number of trips, even none.
    participants = DelegationParticipant.objects.filter(took_place, state=RegistrationState.CONFIRMED)
    participant_ids = _ids(participants)
    kpis["delegation_participants"] = len(participant_ids)
    sources["delegation_participants"] = _source(DelegationParticipant, participant_ids)
    tables = {"delegations_by_country": [{"key": code, **values} for code, values in sorted(by_country.items())]}
    return kpis, tables, sources


# --- workshops ------------------------------------------------------------------------------------


def workshop_figures(start: datetime.date, end: datetime.date) -> tuple[dict, dict, dict]:
    first, after = moment_range(start, end)
    in_period = Q(starts_at__gte=first, starts_at__lt=after)
    sessions = WorkshopSession.objects.filter(in_period).exclude(workshop__state=WorkshopState.CANCELLED)
    workshops = Workshop.objects.exclude(state=WorkshopState.CANCELLED).filter(
        Exists(WorkshopSession.objects.filter(in_period, workshop=OuterRef("pk")))
    )
    participations = WorkshopParticipant.objects.filter(workshop__in=workshops.values("pk"), joined__lte=end).filter(
        Q(left__isnull=True) | Q(left__gte=start)
    )
    by_kind = (
        participations.order_by()
        .values("organisation__kind")
        .annotate(organisations=Count("organisation", distinct=True))
        .order_by("organisation__kind")
    )
    organisation_ids = sorted(set(participations.order_by().values_list("organisation_id", flat=True)))
    workshop_ids = _ids(workshops)
    kpis = {
        "workshops": len(workshop_ids),
        "workshop_sessions": sessions.count(),
        "workshop_organisations": len(organisation_ids),
    }
    tables = {
        "workshop_organisations_by_kind": [
            {"key": row["organisation__kind"], "organisations": row["organisations"]} for row in by_kind
        ]
    }
    sources = {
        "workshops": _source(Workshop, workshop_ids),
        "workshop_sessions": _source(WorkshopSession, _ids(sessions)),
        "workshop_organisations": {"model": "companies.organisation", "ids": organisation_ids},
    }
    return kpis, tables, sources


# --- matchmaking ----------------------------------------------------------------------------------


def matchmaking_figures(start: datetime.date, end: datetime.date) -> tuple[dict, dict, dict]:
    first, after = moment_range(start, end)
    moments = {"gte": first, "lt": after}
    generation = (
        MatchGeneration.objects.filter(activated_at__gte=first, activated_at__lt=after)
        .exclude(state=GenerationState.FAILED)
        .order_by("-activated_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    matches = Match.objects.filter(generation=generation) if generation else Match.objects.none()
    interesting = MatchFeedback.objects.filter(
        verdict=FeedbackVerdict.INTERESTING, created__gte=moments["gte"], created__lt=moments["lt"]
    )
    requested = ContactRequest.objects.filter(created__gte=moments["gte"], created__lt=moments["lt"])
    accepted = ContactRequest.objects.filter(
        state=ContactRequestState.ACCEPTED, decided_at__gte=moments["gte"], decided_at__lt=moments["lt"]
    )
    requested_ids, accepted_ids, interesting_ids = _ids(requested), _ids(accepted), _ids(interesting)
    kpis = {
        "matches_computed": matches.count(),
        "matches_interesting": len(interesting_ids),
        "introductions_requested": len(requested_ids),
        "introductions_accepted": len(accepted_ids),
    }
    tables = {"matchmaking_funnel": [{"key": key, "count": kpis[key]} for key in FUNNEL_KEYS]}
    sources = {
        # The generation, not its matches: hundreds of thousands of ids would say less than its number.
        "matches_computed": _source(MatchGeneration, [generation] if generation else []),
        "matches_interesting": _source(MatchFeedback, interesting_ids),
        "introductions_requested": _source(ContactRequest, requested_ids),
        "introductions_accepted": _source(ContactRequest, accepted_ids),
    }
    return kpis, tables, sources


# --- brokerage events -----------------------------------------------------------------------------

BROKERAGE_FUNNEL_KEYS = tuple(kpi.key for kpi in kpis_of("brokerage"))[2:]


def _brokerage_by_event(event_ids: list[int]) -> list[dict]:
    """Each event of the period with its whole funnel (whatever the dates of its steps): one row an
    event, headed by its title; counted as the partner API counts (brokerage.selectors.event_figures)."""
    events = event_figures(BrokerageEvent.objects.filter(pk__in=event_ids)).order_by("pk")
    return [
        {
            "key": event.title,
            "participants": event.participant_count,
            "meeting_requests": event.request_count,
            "accepted": event.accepted_count,
            "scheduled": event.meetings_scheduled,
            "realised": event.meetings_realised,
            "cooperation_possible": event.meetings_cooperation,
            "agreements": event.agreement_count,
        }
        for event in events
    ]


def brokerage_figures(start: datetime.date, end: datetime.date) -> tuple[dict, dict, dict]:
    first, after = moment_range(start, end)
    events = (
        BrokerageEvent.objects.exclude(state__in=[EventState.PLANNED, EventState.CANCELLED])
        .annotate(first_session=Min("sessions__starts_at"))
        .filter(first_session__gte=first, first_session__lt=after)
    )
    event_ids = _ids(events)
    participants = Participant.objects.filter(event_id__in=event_ids, state=ParticipantState.VALIDATED)
    requests = MeetingRequest.objects.filter(created__gte=first, created__lt=after)
    accepted = MeetingRequest.objects.filter(
        state=MeetingRequestState.ACCEPTED, answered_at__gte=first, answered_at__lt=after
    )
    scheduled = Meeting.objects.filter(published=True, slot__starts_at__gte=first, slot__starts_at__lt=after)
    realised = scheduled.filter(took_place())
    cooperation = realised.filter(cooperation_seen())
    agreements = PartnershipAgreement.objects.filter(signed_on__gte=start, signed_on__lte=end)
    ids = {
        "brokerage_participants": _ids(participants),
        "meeting_requests": _ids(requests),
        "meeting_requests_accepted": _ids(accepted),
        "meetings_scheduled": _ids(scheduled),
        "meetings_realised": _ids(realised),
        "meetings_cooperation_possible": _ids(cooperation),
        "partnership_agreements": _ids(agreements),
    }
    kpis = {"brokerage_events": len(event_ids), **{key: len(found) for key, found in ids.items()}}
    tables = {
        "brokerage_by_event": _brokerage_by_event(event_ids),
        "brokerage_funnel": [{"key": key, "count": kpis[key]} for key in BROKERAGE_FUNNEL_KEYS],
    }
    models = {
        "brokerage_participants": Participant,
        "meeting_requests": MeetingRequest,
        "meeting_requests_accepted": MeetingRequest,
        "meetings_scheduled": Meeting,
        "meetings_realised": Meeting,
        "meetings_cooperation_possible": Meeting,
        "partnership_agreements": PartnershipAgreement,
    }
    sources = {"brokerage_events": _source(BrokerageEvent, event_ids)}
    sources.update({key: _source(models[key], found) for key, found in ids.items()})
    return kpis, tables, sources
