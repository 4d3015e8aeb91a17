"""The write paths of fairs.services (and the shared registration state machine) and the reads of
fairs.selectors. Each write test asserts the returned value and the state in the database."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from fairs import selectors, services
from fairs.models import BoothRegistration
from tests.factories import (
    BoothRegistrationFactory,
    JointBoothFactory,
    OrganisationFactory,
    TradeFairFactory,
)
from wfs_portal.choices import EventState
from wfs_portal.choices import RegistrationState as S
from wfs_portal.registrations import registration_transition

pytestmark = pytest.mark.django_db


def _states(booth) -> list[str]:
    return list(BoothRegistration.objects.filter(booth=booth).order_by("pk").values_list("state", flat=True))


# --- wfs_portal.registrations.registration_transition ----------------------------------------

ALLOWED = [
    (S.APPLIED, S.CONFIRMED),
    (S.APPLIED, S.WAITLISTED),
    (S.APPLIED, S.REJECTED),
    (S.APPLIED, S.WITHDRAWN),
    (S.WAITLISTED, S.CONFIRMED),
    (S.WAITLISTED, S.REJECTED),
    (S.WAITLISTED, S.WITHDRAWN),
    (S.CONFIRMED, S.WITHDRAWN),
]
REFUSED = [
    (current, target)
    for current in S.values
    for target in S.values
    if current != target and (current, target) not in ALLOWED
]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_transition_allowed_step_changes_state_and_decision_time(staff_user, current, target):
    registration = BoothRegistrationFactory(state=current)

    assert registration_transition(registration, to=target, user=staff_user) is True

    registration.refresh_from_db()
    assert registration.state == target
    assert registration.decided_at is not None
    assert registration.history.latest().history_user == staff_user


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_transition_refused_step_raises_and_changes_nothing(staff_user, current, target):
    registration = BoothRegistrationFactory(state=current)

    with pytest.raises(ValidationError):
        registration_transition(registration, to=target, user=staff_user)

    registration.refresh_from_db()
    assert registration.state == current
    assert registration.decided_at is None


def test_transition_to_the_current_state_returns_false(staff_user):
    registration = BoothRegistrationFactory(state=S.WAITLISTED)

    assert registration_transition(registration, to=S.WAITLISTED, user=staff_user) is False

    registration.refresh_from_db()
    assert registration.decided_at is None


# --- booth_registration_confirm --------------------------------------------------------------


def test_confirm_gives_a_place(staff_user):
    registration = BoothRegistrationFactory()

    assert services.booth_registration_confirm(registration=registration, user=staff_user) is True

    registration.refresh_from_db()
    assert registration.state == S.CONFIRMED
    assert registration.decided_at is not None


def test_confirm_fills_the_booth_up_to_its_capacity(staff_user):
    booth = JointBoothFactory(capacity=2)
    registrations = BoothRegistrationFactory.create_batch(2, booth=booth)

    for registration in registrations:
        services.booth_registration_confirm(registration=registration, user=staff_user)

    assert _states(booth) == [S.CONFIRMED, S.CONFIRMED]


def test_confirm_beyond_capacity_is_refused_and_changes_nothing(staff_user):
    booth = JointBoothFactory(capacity=2)
    for _ in range(2):
        BoothRegistrationFactory(booth=booth, state=S.CONFIRMED)
    third = BoothRegistrationFactory(booth=booth)

    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        services.booth_registration_confirm(registration=third, user=staff_user)

    assert exc_info.value.messages == ["The booth is full: all 2 places are confirmed."]
    assert _states(booth) == [S.CONFIRMED, S.CONFIRMED, S.APPLIED]
    third.refresh_from_db()
    assert third.decided_at is None


def test_confirm_beyond_the_booth_area_is_refused_and_changes_nothing(staff_user):
    booth = JointBoothFactory(capacity=10, total_area_m2=Decimal("30.00"))
    BoothRegistrationFactory(booth=booth, state=S.CONFIRMED, requested_area_m2=Decimal("20.00"))
    too_big = BoothRegistrationFactory(booth=booth, requested_area_m2=Decimal("10.01"))

    with pytest.raises(ValidationError):
        services.booth_registration_confirm(registration=too_big, user=staff_user)

    assert _states(booth) == [S.CONFIRMED, S.APPLIED]


def test_confirm_may_use_the_last_square_metre(staff_user):
    booth = JointBoothFactory(capacity=10, total_area_m2=Decimal("30.00"))
    BoothRegistrationFactory(booth=booth, state=S.CONFIRMED, requested_area_m2=Decimal("20.00"))
    exactly_fitting = BoothRegistrationFactory(booth=booth, requested_area_m2=Decimal("10.00"))

    assert services.booth_registration_confirm(registration=exactly_fitting, user=staff_user) is True

    assert _states(booth) == [S.CONFIRMED, S.CONFIRMED]


def test_confirm_does_not_count_waitlisted_or_withdrawn_places(staff_user):
    booth = JointBoothFactory(capacity=1)
    BoothRegistrationFactory(booth=booth, state=S.WAITLISTED)
    BoothRegistrationFactory(booth=booth, state=S.WITHDRAWN)
    registration = BoothRegistrationFactory(booth=booth)

    assert services.booth_registration_confirm(registration=registration, user=staff_user) is True

    registration.refresh_from_db()
    assert registration.state == S.CONFIRMED


def test_confirm_an_already_confirmed_registration_returns_false(staff_user):
    booth = JointBoothFactory(capacity=1)
    registration = BoothRegistrationFactory(booth=booth, state=S.CONFIRMED)

    assert services.booth_registration_confirm(registration=registration, user=staff_user) is False

    registration.refresh_from_db()
    assert registration.state == S.CONFIRMED
    assert registration.decided_at is None


def test_confirm_a_withdrawn_registration_is_refused(staff_user):
    registration = BoothRegistrationFactory(state=S.WITHDRAWN)

    with pytest.raises(ValidationError):
        services.booth_registration_confirm(registration=registration, user=staff_user)

    registration.refresh_from_db()
    assert registration.state == S.WITHDRAWN


# --- booth_registration_set_state ------------------------------------------------------------


@pytest.mark.parametrize("state", [S.WAITLISTED, S.REJECTED, S.WITHDRAWN])
def test_set_state_moves_an_application(staff_user, state):
    registration = BoothRegistrationFactory()

    assert services.booth_registration_set_state(registration=registration, state=state, user=staff_user) is True

    registration.refresh_from_db()
    assert registration.state == state


def test_set_state_waitlist_is_possible_on_a_full_booth(staff_user):
    booth = JointBoothFactory(capacity=1)
    BoothRegistrationFactory(booth=booth, state=S.CONFIRMED)
    registration = BoothRegistrationFactory(booth=booth)

    services.booth_registration_set_state(registration=registration, state=S.WAITLISTED, user=staff_user)

    assert _states(booth) == [S.CONFIRMED, S.WAITLISTED]


def test_set_state_confirmed_checks_the_capacity(staff_user):
    booth = JointBoothFactory(capacity=1)
    BoothRegistrationFactory(booth=booth, state=S.CONFIRMED)
    waitlisted = BoothRegistrationFactory(booth=booth, state=S.WAITLISTED)

    with pytest.raises(ValidationError):
        services.booth_registration_set_state(registration=waitlisted, state=S.CONFIRMED, user=staff_user)

    assert _states(booth) == [S.CONFIRMED, S.WAITLISTED]


def test_set_state_withdrawing_a_confirmed_place_frees_it(staff_user):
    booth = JointBoothFactory(capacity=1)
    confirmed = BoothRegistrationFactory(booth=booth, state=S.CONFIRMED)
    waitlisted = BoothRegistrationFactory(booth=booth, state=S.WAITLISTED)

    services.booth_registration_set_state(registration=confirmed, state=S.WITHDRAWN, user=staff_user)
    services.booth_registration_set_state(registration=waitlisted, state=S.CONFIRMED, user=staff_user)

    assert _states(booth) == [S.WITHDRAWN, S.CONFIRMED]


# --- fairs.selectors.booth_registrations_with_first_time -------------------------------------


@pytest.fixture
def two_editions():
    """Two editions of Arab Health, a year apart, each with a joint booth."""
    first = TradeFairFactory(name="Arab Health", start_date=datetime.date(2025, 1, 27), programme_year=2025)
    second = TradeFairFactory(name="Arab Health", start_date=datetime.date(2026, 1, 26), programme_year=2026)
    return JointBoothFactory(fair=first), JointBoothFactory(fair=second)


def _is_first_time(registration) -> bool:
    return (
        selectors.booth_registrations_with_first_time(BoothRegistration.objects.filter(pk=registration.pk))
        .get()
        .is_first_time
    )


def test_first_time_at_the_first_edition(two_editions):
    first_booth, _ = two_editions
    registration = BoothRegistrationFactory(booth=first_booth, state=S.CONFIRMED)

    assert _is_first_time(registration) is True


def test_not_first_time_at_the_second_edition_after_a_confirmed_place_at_the_first(two_editions):
    first_booth, second_booth = two_editions
    organisation = OrganisationFactory()
    BoothRegistrationFactory(booth=first_booth, organisation=organisation, state=S.CONFIRMED)
    registration = BoothRegistrationFactory(booth=second_booth, organisation=organisation)

    assert _is_first_time(registration) is False


@pytest.mark.parametrize("earlier_state", [S.REJECTED, S.WITHDRAWN, S.WAITLISTED, S.APPLIED])
def test_still_first_time_when_the_earlier_registration_was_not_confirmed(two_editions, earlier_state):
    first_booth, second_booth = two_editions
    organisation = OrganisationFactory()
    BoothRegistrationFactory(booth=first_booth, organisation=organisation, state=earlier_state)
    registration = BoothRegistrationFactory(booth=second_booth, organisation=organisation)

    assert _is_first_time(registration) is True


def test_a_place_at_a_different_fair_does_not_count(two_editions):
    _, second_booth = two_editions
    organisation = OrganisationFactory()
    other_fair = TradeFairFactory(name="MEDICA", start_date=datetime.date(2025, 11, 17), programme_year=2025)
    BoothRegistrationFactory(booth=JointBoothFactory(fair=other_fair), organisation=organisation, state=S.CONFIRMED)
    registration = BoothRegistrationFactory(booth=second_booth, organisation=organisation)

    assert _is_first_time(registration) is True


def test_a_place_of_another_organisation_does_not_count(two_editions):
    first_booth, second_booth = two_editions
    BoothRegistrationFactory(booth=first_booth, state=S.CONFIRMED)
    registration = BoothRegistrationFactory(booth=second_booth)

    assert _is_first_time(registration) is True


def test_a_later_edition_does_not_make_an_earlier_one_repeat(two_editions):
    first_booth, second_booth = two_editions
    organisation = OrganisationFactory()
    registration = BoothRegistrationFactory(booth=first_booth, organisation=organisation, state=S.CONFIRMED)
    BoothRegistrationFactory(booth=second_booth, organisation=organisation, state=S.CONFIRMED)

    assert _is_first_time(registration) is True


# --- fairs.selectors.fairs_with_joint_booth --------------------------------------------------

PERIOD = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


def _fair_with_booth(start_date: datetime.date, booth_state: str = EventState.OPEN):
    fair = TradeFairFactory(start_date=start_date, programme_year=start_date.year)
    JointBoothFactory(fair=fair, state=booth_state)
    return fair


def test_fairs_with_joint_booth_include_both_ends_of_the_period():
    first_day = _fair_with_booth(datetime.date(2025, 1, 1))
    last_day = _fair_with_booth(datetime.date(2025, 12, 31))

    fairs = selectors.fairs_with_joint_booth(start=PERIOD[0], end=PERIOD[1])

    assert set(fairs) == {first_day, last_day}


def test_fairs_with_joint_booth_exclude_fairs_outside_the_period():
    _fair_with_booth(datetime.date(2024, 12, 31))
    _fair_with_booth(datetime.date(2026, 1, 1))

    assert not selectors.fairs_with_joint_booth(start=PERIOD[0], end=PERIOD[1]).exists()


def test_fairs_with_joint_booth_exclude_a_cancelled_booth():
    _fair_with_booth(datetime.date(2025, 5, 5), booth_state=EventState.CANCELLED)

    assert not selectors.fairs_with_joint_booth(start=PERIOD[0], end=PERIOD[1]).exists()


def test_fairs_with_joint_booth_exclude_a_fair_without_booth():
    TradeFairFactory(start_date=datetime.date(2025, 5, 5), programme_year=2025)

    assert not selectors.fairs_with_joint_booth(start=PERIOD[0], end=PERIOD[1]).exists()


def test_fairs_with_joint_booth_list_a_fair_with_two_booths_once():
    fair = _fair_with_booth(datetime.date(2025, 5, 5), booth_state=EventState.CANCELLED)
    JointBoothFactory.create_batch(2, fair=fair, state=EventState.COMPLETED)

    assert list(selectors.fairs_with_joint_booth(start=PERIOD[0], end=PERIOD[1])) == [fair]


# --- fairs.selectors.exhibitors --------------------------------------------------------------


def test_exhibitors_are_the_confirmed_places_in_the_period():
    booth = JointBoothFactory(fair=TradeFairFactory(start_date=datetime.date(2025, 3, 3), programme_year=2025))
    confirmed = BoothRegistrationFactory(booth=booth, state=S.CONFIRMED)
    for state in (S.APPLIED, S.WAITLISTED, S.REJECTED, S.WITHDRAWN):
        BoothRegistrationFactory(booth=booth, state=state)

    assert list(selectors.exhibitors(start=PERIOD[0], end=PERIOD[1])) == [confirmed]


def test_exhibitors_exclude_fairs_outside_the_period():
    booth = JointBoothFactory(fair=TradeFairFactory(start_date=datetime.date(2026, 1, 1), programme_year=2026))
    BoothRegistrationFactory(booth=booth, state=S.CONFIRMED)

    assert not selectors.exhibitors(start=PERIOD[0], end=PERIOD[1]).exists()


def test_exhibitors_exclude_a_cancelled_booth():
    fair = TradeFairFactory(start_date=datetime.date(2025, 3, 3), programme_year=2025)
    BoothRegistrationFactory(booth=JointBoothFactory(fair=fair, state=EventState.CANCELLED), state=S.CONFIRMED)

    assert not selectors.exhibitors(start=PERIOD[0], end=PERIOD[1]).exists()


def test_exhibitors_carry_the_first_time_flag(two_editions):
    first_booth, second_booth = two_editions
    repeat = OrganisationFactory(name="Wiederholer GmbH")
    newcomer = OrganisationFactory(name="Neuling GmbH")
    BoothRegistrationFactory(booth=first_booth, organisation=repeat, state=S.CONFIRMED)
    BoothRegistrationFactory(booth=second_booth, organisation=repeat, state=S.CONFIRMED)
    BoothRegistrationFactory(booth=second_booth, organisation=newcomer, state=S.CONFIRMED)

    rows = selectors.exhibitors(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31))

    assert {row.organisation.name: row.is_first_time for row in rows} == {
        "Wiederholer GmbH": False,
        "Neuling GmbH": True,
    }


# --- fairs.selectors.joint_booths_with_occupancy ---------------------------------------------


def test_booth_occupancy_counts_confirmed_and_undecided_places():
    booth = JointBoothFactory()
    for state in (S.CONFIRMED, S.CONFIRMED, S.APPLIED, S.WAITLISTED, S.REJECTED):
        BoothRegistrationFactory(booth=booth, state=state)

    annotated = selectors.joint_booths_with_occupancy(type(booth).objects.filter(pk=booth.pk)).get()

    assert (annotated.confirmed_count, annotated.applied_count) == (2, 1)
