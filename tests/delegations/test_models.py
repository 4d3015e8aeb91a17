"""Invariants of the delegations models: every named database constraint rejects bad data both in
``full_clean()`` (with its own message) and at the database; the programme date rule of ``clean()``."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from delegations.choices import ParticipantRole
from delegations.models import Delegation
from tests.constraints import constraint_tests
from tests.factories import (
    ContactFactory,
    DelegationFactory,
    DelegationParticipantFactory,
    OrganisationFactory,
    ProgrammeItemFactory,
)
from wfs_portal.choices import EventState

pytestmark = pytest.mark.django_db


def _same_person_twice():
    participant = DelegationParticipantFactory()
    return DelegationParticipantFactory.build(
        delegation=participant.delegation, organisation=participant.organisation, contact=participant.contact
    )


def _local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


# Constraint name -> a function returning an unsaved instance that violates exactly that constraint.
VIOLATIONS = {
    "delegations_delegation_end_not_before_start": lambda: DelegationFactory.build(
        start_date=datetime.date(2026, 4, 10), end_date=datetime.date(2026, 4, 9), registration_deadline=None
    ),
    "delegations_delegation_deadline_before_start": lambda: DelegationFactory.build(
        start_date=datetime.date(2026, 4, 10),
        end_date=datetime.date(2026, 4, 14),
        registration_deadline=datetime.date(2026, 4, 11),
    ),
    "delegations_delegationparticipant_person_once": _same_person_twice,
    "delegations_programmeitem_ends_after_start": lambda: _programme_item_ending_before_it_starts(),
}


def _programme_item_ending_before_it_starts():
    delegation = DelegationFactory()
    starts_at = _local(delegation.start_date, 10)
    return ProgrammeItemFactory.build(
        delegation=delegation, starts_at=starts_at, ends_at=starts_at - datetime.timedelta(minutes=1)
    )


(
    test_every_named_constraint_has_a_violation_case,
    test_full_clean_rejects_violation_with_the_constraint_message,
    test_database_rejects_violation_without_full_clean,
) = constraint_tests("delegations", VIOLATIONS)


def test_two_persons_of_one_organisation_may_take_part():
    participant = DelegationParticipantFactory()
    DelegationParticipantFactory.build(
        delegation=participant.delegation, organisation=participant.organisation
    ).full_clean()


def test_several_participants_without_a_named_person_are_allowed():
    delegation = DelegationFactory()
    organisation = OrganisationFactory()
    DelegationParticipantFactory(delegation=delegation, organisation=organisation, contact=None)
    DelegationParticipantFactory.build(delegation=delegation, organisation=organisation, contact=None).full_clean()


def test_registration_deadline_on_the_first_day_is_accepted():
    delegation = DelegationFactory.build()
    delegation.registration_deadline = delegation.start_date
    delegation.full_clean()


# --- ProgrammeItem.clean() -------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(lambda d: d.start_date - datetime.timedelta(days=1), id="day-before-first-day"),
        pytest.param(lambda d: d.end_date + datetime.timedelta(days=1), id="day-after-last-day"),
    ],
)
def test_programme_item_outside_the_delegations_dates_is_rejected(day):
    delegation = DelegationFactory()
    item = ProgrammeItemFactory.build(delegation=delegation, starts_at=_local(day(delegation), 10), ends_at=None)
    with translation.override("en"):  # lazy messages are rendered on comparison
        with pytest.raises(ValidationError) as exc_info:
            item.full_clean()
        assert exc_info.value.message_dict["starts_at"] == [
            "The programme item must lie within the delegation's dates."
        ]


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(lambda d: d.start_date, id="first-day"),
        pytest.param(lambda d: d.end_date, id="last-day"),
    ],
)
def test_programme_item_within_the_delegations_dates_is_accepted(day):
    delegation = DelegationFactory()
    ProgrammeItemFactory.build(delegation=delegation, starts_at=_local(day(delegation), 10)).full_clean()


def test_programme_item_date_is_judged_in_local_time():
    """00:30 in Dresden on the first day is still the evening before in UTC."""
    delegation = DelegationFactory()
    starts_at = _local(delegation.start_date, 0, 30)
    assert starts_at.astimezone(datetime.UTC).date() < delegation.start_date
    ProgrammeItemFactory.build(delegation=delegation, starts_at=starts_at, ends_at=None).full_clean()


@pytest.mark.parametrize("factory", [DelegationFactory, DelegationParticipantFactory, ProgrammeItemFactory])
def test_factory_creates_a_valid_object(factory):
    factory().full_clean()


# --- places and persons ----------------------------------------------------------------------


def test_capacity_cannot_drop_below_the_confirmed_places():
    delegation = DelegationFactory(capacity=3)
    DelegationParticipantFactory(delegation=delegation, state="confirmed")
    DelegationParticipantFactory(delegation=delegation, state="confirmed")
    delegation.capacity = 1

    with pytest.raises(ValidationError) as error:
        delegation.full_clean()

    assert "capacity" in error.value.message_dict


def test_agency_staff_and_press_do_not_take_a_companys_place():
    delegation = DelegationFactory(capacity=1)
    DelegationParticipantFactory(delegation=delegation, state="confirmed", role=ParticipantRole.AGENCY_STAFF)
    DelegationParticipantFactory(delegation=delegation, state="confirmed", role=ParticipantRole.PRESS)

    company = DelegationParticipantFactory(delegation=delegation)
    company.state = "confirmed"

    company.full_clean()  # the one place is still free
    assert delegation.places_taken() == set()


def test_participant_person_must_belong_to_the_organisation():
    participant = DelegationParticipantFactory()
    participant.contact = ContactFactory()

    with pytest.raises(ValidationError) as error:
        participant.full_clean()

    assert "contact" in error.value.message_dict


# --- open for registration: one rule, asked in SQL and in Python ------------------------------


@pytest.mark.parametrize("state", list(EventState))
@pytest.mark.parametrize("deadline_in_days", [None, -1, 0, 1])
def test_a_delegation_is_open_in_the_database_exactly_when_it_says_so(state, deadline_in_days):
    deadline = None if deadline_in_days is None else timezone.localdate() + datetime.timedelta(days=deadline_in_days)
    delegation = DelegationFactory(state=state, registration_deadline=deadline)

    is_open = state == EventState.OPEN and (deadline_in_days is None or deadline_in_days >= 0)
    assert delegation.is_open_for_registration is is_open
    assert Delegation.objects.open().filter(pk=delegation.pk).exists() is is_open
    assert Delegation.objects.closed().filter(pk=delegation.pk).exists() is not is_open
    assert bool(delegation.closed_reason) is not is_open
