"""The KPI definitions (reports.kpis) against figures computed by hand, and their edge cases."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from companies.choices import OrganisationKind
from matchmaking.choices import ContactRequestState, FeedbackVerdict, GenerationState
from projects.choices import FigureProvenance, InvestmentKind, InvestmentStage, MilestoneKind, WorkshopState
from reports import kpis, periods
from reports.kpi_registry import KPIS
from tests.factories import (
    BoothRegistrationFactory,
    ContactRequestFactory,
    DelegationFactory,
    DelegationParticipantFactory,
    InvestmentMilestoneFactory,
    InvestmentProjectFactory,
    JointBoothFactory,
    MatchFeedbackFactory,
    OrganisationFactory,
    SectorFactory,
    TradeFairFactory,
    WorkshopFactory,
    WorkshopParticipantFactory,
    WorkshopSessionFactory,
)
from wfs_portal.choices import District, RegistrationState

pytestmark = pytest.mark.django_db

Y2022 = periods.year_period(2022)


def compute(period=Y2022) -> dict:
    start, end = period
    return kpis.compute(start=start, end=end)


def accompanied(day: datetime.date, **kwargs):
    return InvestmentProjectFactory(
        stage=InvestmentStage.PRODUCTION_STARTED,
        decision_date=day - datetime.timedelta(days=200),
        production_start_date=day,
        **kwargs,
    )


def test_periods():
    assert periods.year_period(2018) == (datetime.date(2018, 1, 1), datetime.date(2018, 12, 31))
    assert periods.quarter_period(2024, 1) == (datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))
    assert periods.quarter_period(2024, 4) == (datetime.date(2024, 10, 1), datetime.date(2024, 12, 31))
    with pytest.raises(ValueError, match="quarter"):
        periods.quarter_period(2024, 5)


def test_an_empty_period_gives_zeros_everywhere():
    figures = compute()
    assert all(Decimal(value) == 0 for value in figures["kpis"].values())
    assert list(figures["kpis"]) == list(KPIS)
    assert figures["tables"]["investments_by_kind"] == []
    assert [row["count"] for row in figures["tables"]["matchmaking_funnel"]] == [0, 0, 0, 0]
    assert figures["period"] == {"start": "2022-01-01", "end": "2022-12-31"}


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="before it starts"):
        kpis.compute(start=datetime.date(2022, 5, 1), end=datetime.date(2022, 4, 30))


def test_investments_count_in_the_year_production_started_with_confirmed_and_estimated_apart():
    a = accompanied(datetime.date(2022, 3, 1), investment_volume_eur=Decimal("10000000.50"), new_jobs=40)
    b = accompanied(
        datetime.date(2022, 12, 31),
        kind=InvestmentKind.EXPANSION,
        site_district=District.CHEMNITZ,
        investment_volume_eur=Decimal("2500000.00"),
        figure_provenance=FigureProvenance.ESTIMATED,
        new_jobs=5,
        secured_jobs=120,
    )
    # A project that ran over years: first contact and decision in 2021, production in 2023.
    accompanied(datetime.date(2023, 1, 1), first_contact_date=datetime.date(2021, 2, 1))
    accompanied(datetime.date(2021, 12, 31))
    InvestmentProjectFactory(stage=InvestmentStage.NEGOTIATION)  # pipeline, not a result
    InvestmentProjectFactory(stage=InvestmentStage.LOST, lost_reason="Standort Polen")

    figures = compute()
    k = figures["kpis"]
    assert k["settlements_and_expansions"] == 2
    assert k["investment_volume_eur"] == "10000000.50"
    assert k["investment_volume_estimated_eur"] == "2500000.00"
    assert (k["new_jobs"], k["secured_jobs"]) == (45, 120)
    assert figures["sources"]["settlements_and_expansions"]["ids"] == sorted([a.pk, b.pk])
    assert figures["sources"]["investment_volume_estimated_eur"]["ids"] == [b.pk]
    by_kind = {row["key"]: row for row in figures["tables"]["investments_by_kind"]}
    assert by_kind["expansion"]["projects"] == 1
    assert by_kind["expansion"]["investment_volume_eur"] == "0.00"
    assert by_kind["expansion"]["investment_volume_estimated_eur"] == "2500000.00"
    assert by_kind["new_settlement"]["investment_volume_eur"] == "10000000.50"
    districts = {row["key"]: row["projects"] for row in figures["tables"]["investments_by_district"]}
    assert districts == {District.CHEMNITZ: 1, District.LEIPZIG_CITY: 1}
    assert (
        kpis.compute(start=datetime.date(2023, 1, 1), end=datetime.date(2023, 12, 31))["kpis"][
            "settlements_and_expansions"
        ]
        == 1
    )


def test_investments_by_sector_count_a_project_once_per_section():
    # NACE as loaded by the migration: 26.60 and 28 are in section C, 62 in J.
    electronics, machinery, ict = SectorFactory(code="26.60"), SectorFactory(code="28"), SectorFactory(code="62")
    two_in_c = accompanied(datetime.date(2022, 6, 1), investment_volume_eur=Decimal("3000000.00"))
    two_in_c.sectors.set([electronics, machinery])
    c_and_j = accompanied(datetime.date(2022, 7, 1), investment_volume_eur=Decimal("1000000.00"))
    c_and_j.sectors.set([electronics, ict])
    accompanied(datetime.date(2022, 8, 1), investment_volume_eur=Decimal("7.00"))  # no sector

    rows = {row["key"]: row for row in compute()["tables"]["investments_by_sector"]}
    assert rows["C"]["projects"] == 2
    assert rows["C"]["investment_volume_eur"] == "4000000.00"
    assert rows["C"]["name"] == "Verarbeitendes Gewerbe"
    assert rows["J"]["projects"] == 1
    assert rows["J"]["investment_volume_eur"] == "1000000.00"
    assert rows[""]["investment_volume_eur"] == "7.00"


def test_pipeline_by_stage_and_site_offers_in_the_period():
    lead = InvestmentProjectFactory(stage=InvestmentStage.LEAD, site_offers_sent=2)
    InvestmentProjectFactory(stage=InvestmentStage.LEAD, site_offers_sent=1)
    InvestmentProjectFactory(stage=InvestmentStage.PERMITS)
    InvestmentProjectFactory(stage=InvestmentStage.LEAD, first_contact_date=datetime.date(2024, 1, 2))  # later
    InvestmentProjectFactory(stage=InvestmentStage.LOST, lost_reason="Standort Polen")
    InvestmentMilestoneFactory(project=lead, kind=MilestoneKind.SITE_OFFER, date=datetime.date(2023, 4, 1))
    InvestmentMilestoneFactory(project=lead, kind=MilestoneKind.SITE_OFFER, date=datetime.date(2022, 4, 1))
    InvestmentMilestoneFactory(project=lead, kind=MilestoneKind.SITE_VISIT, date=datetime.date(2023, 4, 1))

    figures = compute(periods.year_period(2023))
    assert figures["kpis"]["pipeline_open_projects"] == 3
    assert figures["kpis"]["site_offers_sent"] == 1
    assert figures["tables"]["pipeline_by_stage"] == [
        {"key": "lead", "projects": 2, "site_offers_sent": 3},
        {"key": "permits", "projects": 1, "site_offers_sent": 0},
    ]


def fair_on(day: datetime.date, name: str, country="AE"):
    return TradeFairFactory(name=name, country=country, start_date=day, programme_year=day.year)


def test_fairs_exhibitors_first_timers_and_area_and_withdrawn_places_do_not_count():
    repeat = OrganisationFactory()
    earlier = JointBoothFactory(fair=fair_on(datetime.date(2021, 1, 25), "Arab Health"))
    BoothRegistrationFactory(booth=earlier, organisation=repeat, state=RegistrationState.CONFIRMED)
    booth = JointBoothFactory(fair=fair_on(datetime.date(2022, 1, 24), "Arab Health"))
    BoothRegistrationFactory(booth=booth, organisation=repeat, state=RegistrationState.CONFIRMED)
    newcomer = BoothRegistrationFactory(
        booth=booth, state=RegistrationState.CONFIRMED, requested_area_m2=Decimal("9.50")
    )
    BoothRegistrationFactory(booth=booth, state=RegistrationState.WITHDRAWN)
    BoothRegistrationFactory(booth=booth, state=RegistrationState.APPLIED)
    empty = JointBoothFactory(fair=fair_on(datetime.date(2022, 5, 2), "Medica", country="DE"))
    JointBoothFactory(fair=fair_on(datetime.date(2022, 6, 2), "Cancelled Expo"), state="cancelled")

    figures = compute()
    k = figures["kpis"]
    assert (k["fairs_with_joint_booth"], k["exhibitors"], k["first_time_exhibitors"]) == (2, 2, 1)
    assert k["booked_area_m2"] == "21.50"
    assert figures["sources"]["first_time_exhibitors"]["ids"] == [newcomer.pk]
    per_fair = {row["key"]: row for row in figures["tables"]["fairs"]}
    assert per_fair[booth.fair_id]["exhibitors"] == 2
    assert per_fair[empty.fair_id]["exhibitors"] == 0
    by_country = {row["key"]: row for row in figures["tables"]["fairs_by_country"]}
    assert by_country["AE"] == {
        "key": "AE",
        "fairs": 1,
        "exhibitors": 2,
        "first_time_exhibitors": 1,
        "area_m2": "21.50",
    }
    assert by_country["DE"]["fairs"] == 1


def test_an_erased_person_leaves_the_exhibitor_and_participant_counts_as_they_were():
    booth = JointBoothFactory(fair=fair_on(datetime.date(2022, 3, 1), "Hannover Messe", country="DE"))
    registration = BoothRegistrationFactory(booth=booth, state=RegistrationState.CONFIRMED)
    trip = DelegationFactory(start_date=datetime.date(2022, 9, 1), end_date=datetime.date(2022, 9, 5))
    participant = DelegationParticipantFactory(delegation=trip, state=RegistrationState.CONFIRMED)
    before = compute()["kpis"]

    registration.contact.delete()
    participant.contact.delete()

    after = compute()["kpis"]
    assert (after["exhibitors"], after["delegation_participants"]) == (1, 1)
    assert after == before


def test_delegations_by_direction_and_country_cancelled_ones_left_out():
    out = DelegationFactory(
        countries=["VN", "TH"], start_date=datetime.date(2022, 3, 1), end_date=datetime.date(2022, 3, 6)
    )
    DelegationParticipantFactory(delegation=out, state=RegistrationState.CONFIRMED)
    DelegationParticipantFactory(delegation=out, state=RegistrationState.CONFIRMED)
    DelegationParticipantFactory(delegation=out, state=RegistrationState.WITHDRAWN)
    DelegationFactory(
        direction="inbound", countries=["VN"], start_date=datetime.date(2022, 4, 1), end_date=datetime.date(2022, 4, 2)
    )
    DelegationFactory(
        state="cancelled", countries=["US"], start_date=datetime.date(2022, 5, 1), end_date=datetime.date(2022, 5, 2)
    )
    DelegationFactory(start_date=datetime.date(2023, 1, 2), end_date=datetime.date(2023, 1, 3))

    figures = compute()
    k = figures["kpis"]
    assert (k["outbound_delegations"], k["inbound_delegations"], k["delegation_participants"]) == (1, 1, 2)
    assert figures["tables"]["delegations_by_country"] == [
        {"key": "TH", "outbound": 1, "inbound": 0, "participants": 2},
        {"key": "VN", "outbound": 1, "inbound": 1, "participants": 2},
    ]


def test_workshops_with_a_session_in_the_period_and_their_organisations_by_kind():
    tz = timezone.get_default_timezone()
    workshop = WorkshopFactory()
    WorkshopSessionFactory(workshop=workshop, starts_at=datetime.datetime(2022, 2, 1, 10, tzinfo=tz))
    WorkshopSessionFactory(workshop=workshop, starts_at=datetime.datetime(2022, 12, 31, 23, 30, tzinfo=tz))
    WorkshopSessionFactory(workshop=workshop, starts_at=datetime.datetime(2023, 1, 1, 0, 30, tzinfo=tz))
    cancelled = WorkshopFactory(state=WorkshopState.CANCELLED)
    WorkshopSessionFactory(workshop=cancelled, starts_at=datetime.datetime(2022, 3, 1, 10, tzinfo=tz))
    clinic = OrganisationFactory(kind=OrganisationKind.CLINIC)
    WorkshopParticipantFactory(workshop=workshop, organisation=clinic, joined=datetime.date(2021, 5, 1))
    WorkshopParticipantFactory(workshop=workshop, joined=datetime.date(2022, 6, 1))
    WorkshopParticipantFactory(  # left before the period
        workshop=workshop, joined=datetime.date(2020, 1, 1), left=datetime.date(2021, 6, 1)
    )

    figures = compute()
    k = figures["kpis"]
    assert (k["workshops"], k["workshop_sessions"], k["workshop_organisations"]) == (1, 2, 2)
    kinds = {row["key"]: row["organisations"] for row in figures["tables"]["workshop_organisations_by_kind"]}
    assert kinds == {"clinic": 1, "company": 1}


def test_matchmaking_funnel():
    from matchmaking.models.generations import MatchGeneration
    from matchmaking.models.matches import Match

    tz = timezone.get_default_timezone()
    in_2022 = datetime.datetime(2022, 6, 1, 12, tzinfo=tz)
    old = MatchGeneration.objects.create(state=GenerationState.RETIRED, activated_at=in_2022)
    latest = MatchGeneration.objects.create(state=GenerationState.ACTIVE, activated_at=in_2022.replace(month=11))
    a, b, c = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    Match.objects.create(generation=old, organisation=a, partner=b, rank=1, score=0.5)
    for rank, (organisation, partner) in enumerate(((a, b), (a, c), (b, a))):
        Match.objects.create(generation=latest, organisation=organisation, partner=partner, rank=rank, score=0.5)
    feedback = MatchFeedbackFactory(organisation=a, partner=b, verdict=FeedbackVerdict.INTERESTING)
    MatchFeedbackFactory(organisation=a, partner=c, verdict=FeedbackVerdict.NOT_RELEVANT)
    requested = ContactRequestFactory(requester=a, target=b)
    accepted = ContactRequestFactory(requester=b, target=a, state=ContactRequestState.ACCEPTED)
    type(feedback).objects.filter(pk=feedback.pk).update(created=in_2022)
    type(requested).objects.filter(pk__in=[requested.pk, accepted.pk]).update(created=in_2022, decided_at=in_2022)
    type(requested).objects.filter(pk=requested.pk).update(decided_at=None)

    figures = compute()
    assert [row["count"] for row in figures["tables"]["matchmaking_funnel"]] == [3, 1, 2, 1]
    assert figures["sources"]["matches_computed"] == {"model": "matchmaking.matchgeneration", "ids": [latest.pk]}
    assert figures["sources"]["introductions_accepted"]["ids"] == [accepted.pk]


def test_the_query_count_does_not_grow_with_the_records():
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            compute()
        return len(captured.captured_queries)

    sector = SectorFactory(code="26.60")

    def world(n: int):
        for i in range(n):
            accompanied(datetime.date(2022, 1 + i % 12, 1)).sectors.set([sector])
            booth = JointBoothFactory(fair=fair_on(datetime.date(2022, 1 + i % 12, 2), f"Fair {n}-{i}"))
            BoothRegistrationFactory(booth=booth, state=RegistrationState.CONFIRMED)
            trip = DelegationFactory(
                countries=["VN", "JP"],
                start_date=datetime.date(2022, 1 + i % 12, 3),
                end_date=datetime.date(2022, 12, 30),
            )
            DelegationParticipantFactory(delegation=trip, state=RegistrationState.CONFIRMED)

    world(1)
    few = queries()
    world(6)
    assert queries() == few
