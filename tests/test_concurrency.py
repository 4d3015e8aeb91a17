"""The last place on a booth or a trip is given once, also when confirmations arrive at the same
moment (through the services, the admin's actions and the portal, as parallel requests), and a
double-submitted portal form is recorded once. Needs PostgreSQL (row locks and real parallel
connections); CI runs it there."""

import threading

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.messages import ERROR, get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from delegations.services import delegation_participant_set_state
from fairs.models import BoothRegistration
from fairs.services import booth_registration_confirm
from projects.models import WorkshopJoinRequest
from tests.factories import (
    BoothRegistrationFactory,
    ContactFactory,
    DelegationFactory,
    DelegationParticipantFactory,
    JointBoothFactory,
    RepresentativeFactory,
    WorkshopFactory,
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
    # Nothing else changed: the refused ones are still undecided, and only the winner got an e-mail.
    assert BoothRegistration.objects.filter(booth=booth, decided_at__isnull=False).count() == 1
    confirmed = set()
    for language in ("de", "en"):  # each recipient is written to in their language
        with translation.override(language):
            confirmed.add(gettext("Place confirmed: %(booth)s at %(fair)s").split(":")[0])
    assert mail.outbox and {m.subject.split(":")[0] for m in mail.outbox} <= confirmed
    assert {m.to[0] for m in mail.outbox} == {
        BoothRegistration.objects.get(booth=booth, state=RegistrationState.CONFIRMED).contact.email
    }


def test_last_place_on_a_delegation_is_confirmed_exactly_once():
    delegation = DelegationFactory(capacity=1)
    participants = [DelegationParticipantFactory(delegation=delegation) for _ in range(RACERS)]

    outcomes = race(
        lambda p: delegation_participant_set_state(participant=p, state=RegistrationState.CONFIRMED, user=None),
        participants,
    )

    assert outcomes == ["confirmed"] + ["refused"] * (RACERS - 1)
    assert delegation.participants.filter(state=RegistrationState.CONFIRMED).count() == 1


# --- the last place through the portal and the admin, as concurrent HTTP requests ----------------------


def race_requests(requests) -> list:
    """Send ``request(client)`` for every (client, request) pair in parallel threads, released at
    the same instant; each thread has its own database connection. Returns the responses."""
    barrier = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def run(index, client, request):
        try:
            barrier.wait()
            responses[index] = request(client)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c, r)) for i, (c, r) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def _representative_clients(count: int):
    clients = []
    for _ in range(count):
        representative = RepresentativeFactory(administrator=True)
        client = Client()
        client.force_login(representative.user)
        clients.append((client, representative.organisation))
    return clients


def _staff_clients(count: int):
    clients = []
    for number in range(count):
        user = get_user_model().objects.create_superuser(username=f"staff{number}", email=f"s{number}@wfs.example")
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def _error_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level == ERROR]


def test_last_booth_place_applied_for_in_the_portal_and_confirmed_in_the_admin_is_given_once():
    booth = JointBoothFactory(capacity=1)
    applicants = _representative_clients(RACERS)
    application = {
        "requested_area_m2": "10.00",
        "de_minimis_declared": "on",
        "no_double_funding_declared": "on",
    }
    url = reverse("portal_fairs:booth-apply", args=[booth.pk])

    applied = race_requests([(client, lambda c: c.post(url, application)) for client, _ in applicants])

    # Applications take no place: everybody's is recorded, nobody's confirmed.
    assert [r.status_code for r in applied] == [302] * RACERS
    assert BoothRegistration.objects.filter(booth=booth, state=RegistrationState.APPLIED).count() == RACERS
    receipts = len(mail.outbox)
    assert receipts == RACERS
    registrations = list(BoothRegistration.objects.filter(booth=booth).order_by("pk"))
    changelist = reverse("admin:fairs_boothregistration_changelist")

    confirmed = race_requests(
        [
            (client, lambda c, pk=registration.pk: c.post(changelist, {"action": "confirm", "_selected_action": [pk]}))
            for client, registration in zip(_staff_clients(RACERS), registrations, strict=True)
        ]
    )

    assert [r.status_code for r in confirmed] == [302] * RACERS
    states = list(BoothRegistration.objects.filter(booth=booth).values_list("state", flat=True))
    assert sorted(states) == [RegistrationState.APPLIED] * (RACERS - 1) + [RegistrationState.CONFIRMED]
    refusals = [_error_messages(r) for r in confirmed]
    assert sorted(len(messages) for messages in refusals) == [0] + [1] * (RACERS - 1)
    with translation.override("de"):  # the admin speaks German
        full = gettext("The booth is full: all %(capacity)d places are confirmed.") % {"capacity": 1}
    assert all(full in m[0] for m in refusals if m)
    # The others are unchanged: no decision time, and only the winner was told by e-mail.
    assert BoothRegistration.objects.filter(booth=booth, decided_at__isnull=False).count() == 1
    winner = BoothRegistration.objects.get(booth=booth, state=RegistrationState.CONFIRMED)
    assert [m.to[0] for m in mail.outbox[receipts:]] == [winner.organisation.representatives.get().user.email]


def test_double_submitted_booth_application_is_recorded_once():
    booth = JointBoothFactory(capacity=1)
    representative = RepresentativeFactory(administrator=True)
    clients = []
    for _ in range(RACERS):
        client = Client()
        client.force_login(representative.user)
        clients.append(client)
    url = reverse("portal_fairs:booth-apply", args=[booth.pk])
    application = {"requested_area_m2": "10.00", "de_minimis_declared": "on", "no_double_funding_declared": "on"}

    responses = race_requests([(client, lambda c: c.post(url, application)) for client in clients])

    assert sorted(r.status_code for r in responses) == [200] * (RACERS - 1) + [302]
    for response in responses:
        if response.status_code == 200:
            assert response.context["form"].non_field_errors()
    assert BoothRegistration.objects.filter(booth=booth).count() == 1


def test_last_delegation_place_registered_in_the_portal_and_confirmed_in_the_admin_is_given_once():
    delegation = DelegationFactory(capacity=1)
    applicants = _representative_clients(RACERS)
    url = reverse("portal_delegations:participant-register", args=[delegation.pk])

    registered = race_requests(
        [
            (client, lambda c, o=organisation: c.post(url, {"contact": ContactFactory(organisation=o).pk}))
            for client, organisation in applicants
        ]
    )

    assert [r.status_code for r in registered] == [302] * RACERS
    participants = list(delegation.participants.order_by("pk"))
    assert len(participants) == RACERS
    receipts = len(mail.outbox)
    changelist = reverse("admin:delegations_delegationparticipant_changelist")

    confirmed = race_requests(
        [
            (client, lambda c, pk=participant.pk: c.post(changelist, {"action": "confirm", "_selected_action": [pk]}))
            for client, participant in zip(_staff_clients(RACERS), participants, strict=True)
        ]
    )

    assert [r.status_code for r in confirmed] == [302] * RACERS
    assert delegation.participants.filter(state=RegistrationState.CONFIRMED).count() == 1
    assert delegation.participants.filter(state=RegistrationState.APPLIED, decided_at__isnull=True).count() == (
        RACERS - 1
    )
    assert sorted(len(_error_messages(r)) for r in confirmed) == [0] + [1] * (RACERS - 1)
    winner = delegation.participants.get(state=RegistrationState.CONFIRMED)
    told = {m.to[0] for m in mail.outbox[receipts:]}
    assert told == {winner.organisation.representatives.get().user.email, winner.contact.email}


def test_last_delegation_place_confirmed_concurrently_through_the_service_refuses_the_others():
    delegation = DelegationFactory(capacity=1)
    participants = [DelegationParticipantFactory(delegation=delegation) for _ in range(RACERS)]

    outcomes = race(
        lambda p: delegation_participant_set_state(participant=p, state=RegistrationState.CONFIRMED, user=None),
        participants,
    )

    assert outcomes == ["confirmed"] + ["refused"] * (RACERS - 1)
    assert delegation.participants.filter(decided_at__isnull=False).count() == 1
    winner = delegation.participants.get(state=RegistrationState.CONFIRMED)
    assert [m.to for m in mail.outbox] == [[winner.contact.email]]


def test_double_submitted_workshop_join_request_is_recorded_once():
    workshop = WorkshopFactory()
    representative = RepresentativeFactory(administrator=True)
    clients = []
    for _ in range(RACERS):
        client = Client()
        client.force_login(representative.user)
        clients.append(client)
    url = reverse("portal_workshops:join-request", args=[workshop.pk])

    responses = race_requests([(client, lambda c: c.post(url, {"message": "Wir machen mit"})) for client in clients])

    assert sorted(r.status_code for r in responses) == [200] * (RACERS - 1) + [302]
    assert WorkshopJoinRequest.objects.filter(workshop=workshop).count() == 1
