"""The write path of delegations.services (participant states and the place limit) and the reads of
delegations.selectors. Each write test asserts the returned value and the state in the database."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from delegations import selectors, services
from delegations.choices import Direction
from delegations.models import DelegationParticipant
from tests.factories import DelegationFactory, DelegationParticipantFactory, OrganisationFactory
from wfs_portal.choices import EventState
from wfs_portal.choices import RegistrationState as S

pytestmark = pytest.mark.django_db


def _states(delegation) -> list[str]:
    return list(
        DelegationParticipant.objects.filter(delegation=delegation).order_by("pk").values_list("state", flat=True)
    )


# --- delegation_participant_set_state --------------------------------------------------------


def test_confirm_a_participant(staff_user):
    participant = DelegationParticipantFactory()

    assert services.delegation_participant_set_state(participant=participant, state=S.CONFIRMED, user=staff_user)

    participant.refresh_from_db()
    assert participant.state == S.CONFIRMED
    assert participant.decided_at is not None
    assert participant.history.latest().history_user == staff_user


def test_confirm_is_the_step_to_confirmed(staff_user):
    participant = DelegationParticipantFactory(state=S.WAITLISTED)

    assert services.delegation_participant_confirm(participant=participant, user=staff_user) is True
    assert services.delegation_participant_confirm(participant=participant, user=staff_user) is False

    participant.refresh_from_db()
    assert participant.state == S.CONFIRMED


def test_confirm_beyond_capacity_is_refused_and_changes_nothing(staff_user):
    delegation = DelegationFactory(capacity=1)
    DelegationParticipantFactory(delegation=delegation, state=S.CONFIRMED)
    other = DelegationParticipantFactory(delegation=delegation)

    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        services.delegation_participant_set_state(participant=other, state=S.CONFIRMED, user=staff_user)

    assert exc_info.value.messages == ["The delegation is full: all 1 places are confirmed."]
    assert _states(delegation) == [S.CONFIRMED, S.APPLIED]


def test_two_persons_of_one_organisation_use_one_place(staff_user):
    delegation = DelegationFactory(capacity=1)
    organisation = OrganisationFactory()
    DelegationParticipantFactory(delegation=delegation, organisation=organisation, state=S.CONFIRMED)
    colleague = DelegationParticipantFactory(delegation=delegation, organisation=organisation)

    assert services.delegation_participant_set_state(participant=colleague, state=S.CONFIRMED, user=staff_user)

    assert _states(delegation) == [S.CONFIRMED, S.CONFIRMED]


def test_capacity_counts_organisations_not_persons(staff_user):
    delegation = DelegationFactory(capacity=2)
    organisation = OrganisationFactory()
    DelegationParticipantFactory.create_batch(2, delegation=delegation, organisation=organisation, state=S.CONFIRMED)
    second_organisation = DelegationParticipantFactory(delegation=delegation)

    assert services.delegation_participant_set_state(
        participant=second_organisation, state=S.CONFIRMED, user=staff_user
    )

    assert _states(delegation) == [S.CONFIRMED, S.CONFIRMED, S.CONFIRMED]


def test_no_capacity_means_no_limit(staff_user):
    delegation = DelegationFactory(capacity=None)
    participants = DelegationParticipantFactory.create_batch(5, delegation=delegation)

    for participant in participants:
        services.delegation_participant_set_state(participant=participant, state=S.CONFIRMED, user=staff_user)

    assert _states(delegation) == [S.CONFIRMED] * 5


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql", reason="row locks need PostgreSQL"
)
def test_a_withdrawal_reads_the_participant_under_its_row_lock(staff_user):
    participant = DelegationParticipantFactory()

    with CaptureQueriesContext(connection) as queries:
        assert services.delegation_participant_withdraw(participant=participant, user=staff_user) is True

    first_read = next(query["sql"] for query in queries if query["sql"].startswith("SELECT"))
    assert 'FOR UPDATE OF "delegations_delegationparticipant"' in first_read


def test_withdrawn_participants_do_not_take_a_place(staff_user):
    delegation = DelegationFactory(capacity=1)
    DelegationParticipantFactory(delegation=delegation, state=S.WITHDRAWN)
    participant = DelegationParticipantFactory(delegation=delegation)

    services.delegation_participant_set_state(participant=participant, state=S.CONFIRMED, user=staff_user)

    assert _states(delegation) == [S.WITHDRAWN, S.CONFIRMED]


def test_waitlisting_is_possible_on_a_full_delegation(staff_user):
    delegation = DelegationFactory(capacity=1)
    DelegationParticipantFactory(delegation=delegation, state=S.CONFIRMED)
    participant = DelegationParticipantFactory(delegation=delegation)

    assert services.delegation_participant_set_state(participant=participant, state=S.WAITLISTED, user=staff_user)

    assert _states(delegation) == [S.CONFIRMED, S.WAITLISTED]


def test_confirm_an_already_confirmed_participant_returns_false(staff_user):
    delegation = DelegationFactory(capacity=1)
    participant = DelegationParticipantFactory(delegation=delegation, state=S.CONFIRMED)

    assert (
        services.delegation_participant_set_state(participant=participant, state=S.CONFIRMED, user=staff_user) is False
    )

    participant.refresh_from_db()
    assert participant.decided_at is None


def test_set_state_refuses_a_step_the_state_machine_does_not_allow(staff_user):
    participant = DelegationParticipantFactory(state=S.REJECTED)

    with pytest.raises(ValidationError):
        services.delegation_participant_set_state(participant=participant, state=S.CONFIRMED, user=staff_user)

    participant.refresh_from_db()
    assert participant.state == S.REJECTED


# --- delegations.selectors.delegations_in_period ---------------------------------------------

PERIOD = {"start": datetime.date(2025, 1, 1), "end": datetime.date(2025, 12, 31)}


def _delegation(start_date: datetime.date, **kwargs):
    return DelegationFactory(
        start_date=start_date,
        end_date=start_date + datetime.timedelta(days=3),
        registration_deadline=None,
        **kwargs,
    )


def test_delegations_in_period_include_both_ends():
    first = _delegation(datetime.date(2025, 1, 1))
    last = _delegation(datetime.date(2025, 12, 31))

    assert set(selectors.delegations_in_period(direction=Direction.OUTBOUND, **PERIOD)) == {first, last}


def test_delegations_in_period_exclude_delegations_outside():
    _delegation(datetime.date(2024, 12, 31))
    _delegation(datetime.date(2026, 1, 1))

    assert not selectors.delegations_in_period(direction=Direction.OUTBOUND, **PERIOD).exists()


def test_delegations_in_period_keep_to_one_direction():
    _delegation(datetime.date(2025, 6, 1), direction=Direction.OUTBOUND)
    inbound = _delegation(datetime.date(2025, 6, 1), direction=Direction.INBOUND)

    assert list(selectors.delegations_in_period(direction=Direction.INBOUND, **PERIOD)) == [inbound]


def test_delegations_in_period_exclude_cancelled_ones():
    _delegation(datetime.date(2025, 6, 1), state=EventState.CANCELLED)

    assert not selectors.delegations_in_period(direction=Direction.OUTBOUND, **PERIOD).exists()


@pytest.mark.parametrize("state", [EventState.PLANNED, EventState.OPEN, EventState.CLOSED, EventState.COMPLETED])
def test_delegations_in_period_include_every_state_but_cancelled(state):
    delegation = _delegation(datetime.date(2025, 6, 1), state=state)

    assert list(selectors.delegations_in_period(direction=Direction.OUTBOUND, **PERIOD)) == [delegation]
