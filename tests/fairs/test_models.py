"""Invariants of the fairs models: every named database constraint rejects bad data both in
``full_clean()`` (with its own message) and at the database; the booth deadline rule of ``clean()``."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from fairs.models import JointBooth
from tests.constraints import constraint_tests
from tests.factories import (
    BoothRegistrationFactory,
    ContactFactory,
    JointBoothFactory,
    OrganisationFactory,
    TradeFairFactory,
)
from wfs_portal.choices import EventState

pytestmark = pytest.mark.django_db


def _second_edition_on_the_same_day():
    fair = TradeFairFactory(name="MEDICA")
    return TradeFairFactory.build(name="MEDICA", start_date=fair.start_date, city="Düsseldorf", country="DE")


def _second_registration_of_the_organisation():
    registration = BoothRegistrationFactory()
    return BoothRegistrationFactory.build(
        booth=registration.booth, organisation=registration.organisation, contact=None
    )


def _booth(**kwargs):
    return JointBoothFactory.build(fair=TradeFairFactory(), **kwargs)


# Constraint name -> a function returning an unsaved instance that violates exactly that constraint.
VIOLATIONS = {
    "fairs_tradefair_end_not_before_start": lambda: TradeFairFactory.build(
        start_date=datetime.date(2026, 1, 26), end_date=datetime.date(2026, 1, 25), programme_year=2026
    ),
    "fairs_tradefair_unique_edition": _second_edition_on_the_same_day,
    "fairs_tradefair_programme_year_plausible": lambda: TradeFairFactory.build(programme_year=1989),
    "fairs_jointbooth_area_positive": lambda: _booth(total_area_m2=Decimal("0.00")),
    "fairs_jointbooth_fees_not_negative": lambda: _booth(fee_per_m2_without_construction=Decimal("-1.00")),
    "fairs_boothregistration_one_per_organisation": _second_registration_of_the_organisation,
    "fairs_boothregistration_area_positive": lambda: BoothRegistrationFactory.build(
        booth=JointBoothFactory(), organisation=OrganisationFactory(), contact=None, requested_area_m2=Decimal("0")
    ),
}


(
    test_every_named_constraint_has_a_violation_case,
    test_full_clean_rejects_violation_with_the_constraint_message,
    test_database_rejects_violation_without_full_clean,
) = constraint_tests("fairs", VIOLATIONS)


def test_programme_year_2100_is_still_plausible():
    TradeFairFactory.build(programme_year=2100).full_clean()


def test_one_day_fair_is_valid():
    day = datetime.date(2026, 3, 3)
    TradeFairFactory.build(start_date=day, end_date=day, programme_year=2026).full_clean()


# --- JointBooth.clean() ----------------------------------------------------------------------


def test_booth_deadline_after_the_fairs_first_day_is_rejected():
    fair = TradeFairFactory()
    booth = JointBoothFactory.build(fair=fair, registration_deadline=fair.start_date + datetime.timedelta(days=1))
    with translation.override("en"):  # lazy messages are rendered on comparison
        with pytest.raises(ValidationError) as exc_info:
            booth.full_clean()
        assert exc_info.value.message_dict["registration_deadline"] == [
            "The deadline must not be after the fair's first day."
        ]


def test_booth_deadline_on_the_fairs_first_day_is_accepted():
    fair = TradeFairFactory()
    JointBoothFactory.build(fair=fair, registration_deadline=fair.start_date).full_clean()


@pytest.mark.parametrize("factory", [TradeFairFactory, JointBoothFactory, BoothRegistrationFactory])
def test_factory_creates_a_valid_object(factory):
    factory().full_clean()


# --- occupancy rules that hold on every save (admin edits included) --------------------------


def _confirmed(booth, area="12.00"):
    return BoothRegistrationFactory(booth=booth, state="confirmed", requested_area_m2=Decimal(area))


def test_booth_capacity_cannot_drop_below_the_confirmed_places():
    booth = JointBoothFactory(capacity=3)
    _confirmed(booth)
    _confirmed(booth)
    booth.capacity = 1

    with pytest.raises(ValidationError) as error:
        booth.full_clean()

    assert "capacity" in error.value.message_dict


def test_booth_area_cannot_drop_below_the_confirmed_area():
    booth = JointBoothFactory(total_area_m2=Decimal("50.00"))
    _confirmed(booth, "20.00")
    _confirmed(booth, "20.00")
    booth.total_area_m2 = Decimal("30.00")

    with pytest.raises(ValidationError) as error:
        booth.full_clean()

    assert "total_area_m2" in error.value.message_dict


def test_a_confirmed_registration_cannot_be_moved_onto_a_full_booth():
    full = JointBoothFactory(capacity=1)
    _confirmed(full)
    moving = _confirmed(JointBoothFactory())
    moving.booth = full

    with translation.override("en"), pytest.raises(ValidationError, match="The booth is full"):
        moving.full_clean()


def test_a_confirmed_registration_cannot_grow_beyond_the_free_area():
    booth = JointBoothFactory(total_area_m2=Decimal("30.00"))
    _confirmed(booth, "15.00")
    growing = _confirmed(booth, "10.00")
    growing.requested_area_m2 = Decimal("20.00")

    with pytest.raises(ValidationError) as error:
        growing.full_clean()

    assert "requested_area_m2" in error.value.message_dict


def test_editing_a_confirmed_registration_on_a_full_booth_is_fine():
    booth = JointBoothFactory(capacity=1)
    registration = _confirmed(booth)
    registration.products = "Neue Produkte"

    registration.full_clean()


def test_registration_contact_must_belong_to_the_organisation():
    registration = BoothRegistrationFactory()
    registration.contact = ContactFactory()  # a person of another organisation

    with pytest.raises(ValidationError) as error:
        registration.full_clean()

    assert "contact" in error.value.message_dict


# --- open for registration: one rule, asked in SQL and in Python ------------------------------


@pytest.mark.parametrize("state", list(EventState))
@pytest.mark.parametrize("deadline_in_days", [-1, 0, 1])
def test_a_booth_is_open_in_the_database_exactly_when_it_says_so(state, deadline_in_days):
    deadline = timezone.localdate() + datetime.timedelta(days=deadline_in_days)
    booth = JointBoothFactory(state=state, registration_deadline=deadline)

    is_open = state == EventState.OPEN and deadline_in_days >= 0
    assert booth.is_open_for_registration is is_open
    assert JointBooth.objects.open().filter(pk=booth.pk).exists() is is_open
    assert JointBooth.objects.closed().filter(pk=booth.pk).exists() is not is_open
    assert bool(booth.closed_reason) is not is_open


def test_a_closed_booth_says_why():
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    with translation.override("en"):
        assert JointBoothFactory(state=EventState.CLOSED, registration_deadline=yesterday).closed_reason == (
            "This joint booth is not open for registration."
        )
        assert JointBoothFactory(registration_deadline=yesterday).closed_reason.startswith(
            "The registration deadline ("
        )
