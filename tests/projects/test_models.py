"""Invariants of the projects models: every named database constraint rejects bad data both in
``full_clean()`` (with its own message) and at the database."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from projects.choices import InvestmentStage, JoinRequestState, WorkshopState
from projects.models import Workshop
from tests.constraints import constraint_tests
from tests.factories import (
    InvestmentMilestoneFactory,
    InvestmentProjectFactory,
    OrganisationFactory,
    WorkshopFactory,
    WorkshopParticipantFactory,
    WorkshopSessionFactory,
)
from tests.factories_events import WorkshopJoinRequestFactory

pytestmark = pytest.mark.django_db


def _second_participation():
    participant = WorkshopParticipantFactory()
    return WorkshopParticipantFactory.build(workshop=participant.workshop, organisation=participant.organisation)


def _project(**kwargs):
    return InvestmentProjectFactory.build(investor=OrganisationFactory(abroad=True), **kwargs)


# Constraint name -> a function returning an unsaved instance that violates exactly that constraint.
def _second_open_join_request():
    first = WorkshopJoinRequestFactory()
    return WorkshopJoinRequestFactory.build(workshop=first.workshop, organisation=first.organisation)


VIOLATIONS = {
    "projects_workshopjoinrequest_one_open_request": _second_open_join_request,
    "projects_workshopjoinrequest_decided_has_date": lambda: WorkshopJoinRequestFactory.build(
        workshop=WorkshopFactory(), organisation=OrganisationFactory(), state=JoinRequestState.ACCEPTED, decided_at=None
    ),
    "projects_workshopsession_ends_after_start": lambda: WorkshopSessionFactory.build(
        workshop=WorkshopFactory(),
        starts_at=datetime.datetime(2024, 5, 6, 10, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2024, 5, 6, 9, tzinfo=datetime.UTC),
    ),
    "projects_workshopparticipant_unique_participant": _second_participation,
    "projects_workshopparticipant_left_after_joined": lambda: WorkshopParticipantFactory.build(
        workshop=WorkshopFactory(),
        organisation=OrganisationFactory(),
        joined=datetime.date(2024, 3, 1),
        left=datetime.date(2024, 2, 29),
    ),
    "projects_investmentproject_volume_not_negative": lambda: _project(investment_volume_eur=Decimal("-0.01")),
    "projects_investmentproject_jobs_not_negative": lambda: _project(secured_jobs=-1),
    "projects_investmentproject_site_offers_not_negative": lambda: _project(site_offers_sent=-1),
    "projects_investmentproject_lost_has_reason": lambda: _project(stage=InvestmentStage.LOST, lost_reason=""),
    "projects_investmentproject_production_has_date": lambda: _project(
        stage=InvestmentStage.PRODUCTION_STARTED, production_start_date=None
    ),
    "projects_investmentproject_production_after_decision": lambda: _project(
        decision_date=datetime.date(2024, 6, 1), production_start_date=datetime.date(2024, 5, 31)
    ),
}


(
    test_every_named_constraint_has_a_violation_case,
    test_full_clean_rejects_violation_with_the_constraint_message,
    test_database_rejects_violation_without_full_clean,
) = constraint_tests("projects", VIOLATIONS)


def test_new_jobs_cannot_be_negative_either():
    with translation.override("en"):  # lazy messages are rendered on comparison
        with pytest.raises(ValidationError) as exc_info:
            _project(new_jobs=-1).full_clean()
        assert "Job figures cannot be negative." in exc_info.value.messages


def test_lost_project_with_a_reason_is_valid():
    _project(stage=InvestmentStage.LOST, lost_reason="Standort in Polen gewählt").full_clean()


def test_production_may_start_on_the_decision_day():
    day = datetime.date(2024, 6, 1)
    _project(decision_date=day, production_start_date=day).full_clean()


@pytest.mark.parametrize(
    "factory",
    [
        WorkshopFactory,
        WorkshopSessionFactory,
        WorkshopParticipantFactory,
        InvestmentProjectFactory,
        InvestmentMilestoneFactory,
    ],
)
def test_factory_creates_a_valid_object(factory):
    factory().full_clean()


def test_production_started_project_factory_creates_a_valid_object():
    InvestmentProjectFactory(production_started=True).full_clean()


def test_workshop_participant_contact_must_belong_to_the_organisation():
    from tests.factories import ContactFactory, WorkshopParticipantFactory

    participant = WorkshopParticipantFactory()
    participant.contact = ContactFactory()

    with pytest.raises(ValidationError) as error:
        participant.full_clean()

    assert "contact" in error.value.message_dict


# --- open to new participants: one rule, asked in SQL and in Python ---------------------------


@pytest.mark.parametrize("state", list(WorkshopState))
@pytest.mark.parametrize("open_for_participants", [True, False])
def test_a_workshop_takes_requests_in_the_database_exactly_when_it_says_so(state, open_for_participants):
    workshop = WorkshopFactory(state=state, open_for_participants=open_for_participants)

    is_open = state in (WorkshopState.PLANNED, WorkshopState.ACTIVE) and open_for_participants
    assert workshop.is_open_for_registration is is_open
    assert Workshop.objects.open().filter(pk=workshop.pk).exists() is is_open
    assert bool(workshop.closed_reason) is not is_open
