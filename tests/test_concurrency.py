"""The last place on a booth or a trip is given once, also when confirmations arrive at the same
moment. Needs PostgreSQL (row locks and real parallel connections); CI runs it there."""

import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from delegations.services import delegation_participant_set_state
from fairs.models import BoothRegistration
from fairs.services import booth_registration_confirm
from tests.factories import (
    BoothRegistrationFactory,
    DelegationFactory,
    DelegationParticipantFactory,
    JointBoothFactory,
)
from wfs_portal.choices import RegistrationState

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL (DATABASE_URL, set by .ci/run)",
    ),
]

RACERS = 6


def race(confirm, items) -> list[str]:
    """Run ``confirm(item)`` for all items in parallel threads, released at the same instant."""
    barrier = threading.Barrier(len(items))
    outcomes = []

    def run(item):
        try:
            barrier.wait()
            confirm(item)
            outcomes.append("confirmed")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def test_last_place_on_a_booth_is_confirmed_exactly_once():
    booth = JointBoothFactory(capacity=1)
    registrations = [BoothRegistrationFactory(booth=booth) for _ in range(RACERS)]

    outcomes = race(lambda r: booth_registration_confirm(registration=r, user=None), registrations)

    assert outcomes == ["confirmed"] + ["refused"] * (RACERS - 1)
    assert BoothRegistration.objects.filter(booth=booth, state=RegistrationState.CONFIRMED).count() == 1


def test_last_place_on_a_delegation_is_confirmed_exactly_once():
    delegation = DelegationFactory(capacity=1)
    participants = [DelegationParticipantFactory(delegation=delegation) for _ in range(RACERS)]

    outcomes = race(
        lambda p: delegation_participant_set_state(participant=p, state=RegistrationState.CONFIRMED, user=None),
        participants,
    )

    assert outcomes == ["confirmed"] + ["refused"] * (RACERS - 1)
    assert delegation.participants.filter(state=RegistrationState.CONFIRMED).count() == 1
