"""The portal's delegation pages: open outbound trips with their free places, registering a person of
the organisation (deadline, duplicates, staff-only fields), the organisation's participants and
withdrawing one, the e-mails on every state change, and the permission matrix: another
organisation's participant gives 404 and changes nothing."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from delegations import services
from delegations.choices import Direction, ParticipantRole
from delegations.models import DelegationParticipant
from tests import factories
from wfs_portal.choices import EventState
from wfs_portal.choices import RegistrationState as S

pytestmark = pytest.mark.django_db

TRIPS = reverse("portal_delegations:delegation-list")
PARTICIPANTS = reverse("portal_delegations:participant-list")


def register_url(delegation) -> str:
    return reverse("portal_delegations:participant-register", args=[delegation.pk])


def withdraw_url(participant) -> str:
    return reverse("portal_delegations:participant-withdraw", args=[participant.pk])


@pytest.fixture
def representative_b():
    return factories.RepresentativeFactory(organisation__name="Beta Logistik GmbH", administrator=True)


@pytest.fixture
def contact_a(organisation_a):
    return factories.ContactFactory(organisation=organisation_a, email="reise@alpha.example.de", language="en")


@pytest.fixture
def trip():
    return factories.DelegationFactory(title="Unternehmerreise Vietnam", capacity=2)


def _snapshot(participant) -> dict:
    fresh = DelegationParticipant.objects.get(pk=participant.pk)
    return {f.attname: getattr(fresh, f.attname) for f in DelegationParticipant._meta.concrete_fields}


# --- anonymous visitors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("portal_delegations:delegation-list", []),
        ("portal_delegations:participant-register", [1]),
        ("portal_delegations:participant-list", []),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login(client, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


def test_anonymous_posts_change_nothing(client, trip, contact_a):
    participant = factories.DelegationParticipantFactory(delegation=trip)
    before = _snapshot(participant)

    assert client.post(register_url(trip), {"contact": contact_a.pk}).status_code == 302
    assert client.post(withdraw_url(participant)).status_code == 302

    assert DelegationParticipant.objects.count() == 1
    assert _snapshot(participant) == before


# --- the open trips ---------------------------------------------------------------------------------------


def test_trip_list_shows_open_outbound_trips_with_free_places(client_a, trip):
    factories.DelegationParticipantFactory(delegation=trip, state=S.CONFIRMED)
    factories.DelegationParticipantFactory(delegation=trip, state=S.APPLIED)
    factories.DelegationFactory(direction=Direction.INBOUND)
    factories.DelegationFactory(state=EventState.CLOSED)
    factories.DelegationFactory(state=EventState.PLANNED)
    factories.DelegationFactory(registration_deadline=timezone.localdate() - datetime.timedelta(days=1))

    response = client_a.get(TRIPS)

    assert response.status_code == 200
    assert response.context["delegations"] == [trip]
    assert response.context["delegations"][0].free_places == 1
    assert register_url(trip) in response.content.decode()


def test_a_trip_without_a_deadline_or_limit_is_open(client_a):
    trip = factories.DelegationFactory(registration_deadline=None, capacity=None)

    response = client_a.get(TRIPS)

    assert response.context["delegations"] == [trip]


def test_trip_list_shows_who_of_my_organisation_is_registered(client_a, trip, organisation_a, contact_a):
    factories.DelegationParticipantFactory(delegation=trip, organisation=organisation_a, contact=contact_a)
    factories.DelegationParticipantFactory(delegation=trip)

    response = client_a.get(TRIPS)

    assert [p.contact for p in response.context["delegations"][0].my_participants] == [contact_a]


# --- registering ------------------------------------------------------------------------------------------


def test_register_page_offers_my_contacts_only(client_a, trip, contact_a):
    factories.ContactFactory()

    response = client_a.get(register_url(trip))

    assert response.status_code == 200
    assert list(response.context["form"].fields["contact"].queryset) == [contact_a]


def test_register_a_person(
    client_a, trip, organisation_a, representative_a, contact_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(register_url(trip), {"contact": contact_a.pk})

    assert response.status_code == 302
    assert response.url == PARTICIPANTS
    participant = DelegationParticipant.objects.get(delegation=trip)
    assert (participant.organisation, participant.contact) == (organisation_a, contact_a)
    assert (participant.role, participant.state) == (ParticipantRole.PARTICIPANT, S.APPLIED)
    assert participant.history.latest().history_user == representative_a.user
    assert sorted(m.to[0] for m in mail.outbox) == sorted([representative_a.user.email, contact_a.email])
    english = next(m for m in mail.outbox if m.to == [contact_a.email])
    assert english.subject == "Registration received: Unternehmerreise Vietnam"


def test_two_persons_of_one_organisation_may_register(client_a, trip, organisation_a, contact_a):
    colleague = factories.ContactFactory(organisation=organisation_a)

    client_a.post(register_url(trip), {"contact": contact_a.pk})
    client_a.post(register_url(trip), {"contact": colleague.pk})

    assert set(DelegationParticipant.objects.values_list("contact", flat=True)) == {contact_a.pk, colleague.pk}


def test_the_person_is_required(client_a, trip):
    response = client_a.post(register_url(trip), {"contact": ""})

    assert response.status_code == 200
    assert "contact" in response.context["form"].errors
    assert not DelegationParticipant.objects.exists()


def test_a_person_of_another_organisation_is_refused(client_a, trip):
    response = client_a.post(register_url(trip), {"contact": factories.ContactFactory().pk})

    assert response.status_code == 200
    assert "contact" in response.context["form"].errors
    assert not DelegationParticipant.objects.exists()


def test_registering_the_same_person_twice_is_a_form_error(client_a, trip, organisation_a, contact_a):
    factories.DelegationParticipantFactory(delegation=trip, organisation=organisation_a, contact=contact_a)

    response = client_a.post(register_url(trip), {"contact": contact_a.pk})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert DelegationParticipant.objects.count() == 1


def test_staff_only_fields_cannot_be_set_from_the_portal(client_a, trip, contact_a):
    response = client_a.post(
        register_url(trip),
        {
            "contact": contact_a.pk,
            "role": ParticipantRole.DELEGATION_LEAD,
            "state": S.CONFIRMED,
            "notes": "VIP",
            "decided_at": "2020-01-01 10:00",
            "organisation": factories.OrganisationFactory().pk,
        },
    )

    assert response.status_code == 302
    participant = DelegationParticipant.objects.get()
    assert participant.organisation == contact_a.organisation
    assert (participant.role, participant.state, participant.notes) == (ParticipantRole.PARTICIPANT, S.APPLIED, "")
    assert participant.decided_at is None


def test_a_full_trip_refuses_a_new_organisation(client_a, contact_a):
    trip = factories.DelegationFactory(capacity=1)
    factories.DelegationParticipantFactory(delegation=trip, state=S.CONFIRMED)

    response = client_a.post(register_url(trip), {"contact": contact_a.pk})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert DelegationParticipant.objects.count() == 1


@pytest.mark.parametrize(
    ("trip_kwargs", "reason"),
    [
        ({"registration_deadline": timezone.localdate() - datetime.timedelta(days=1)}, "deadline"),
        ({"state": EventState.CLOSED}, "not open"),
        ({"state": EventState.CANCELLED}, "not open"),
    ],
)
def test_a_closed_trip_shows_why_and_takes_no_registration(client_a, contact_a, trip_kwargs, reason, settings):
    settings.LANGUAGE_CODE = "en"
    trip = factories.DelegationFactory(**trip_kwargs)

    page = client_a.get(register_url(trip))
    response = client_a.post(register_url(trip), {"contact": contact_a.pk})

    assert page.status_code == 200
    assert page.context["form"] is None
    assert reason in page.content.decode()
    assert response.status_code == 200
    assert not DelegationParticipant.objects.exists()


@pytest.mark.parametrize(
    "trip_kwargs", [{"state": EventState.PLANNED}, {"direction": Direction.INBOUND}], ids=["planned", "inbound"]
)
def test_planned_and_inbound_delegations_are_not_found(client_a, contact_a, trip_kwargs):
    trip = factories.DelegationFactory(**trip_kwargs)

    assert client_a.get(register_url(trip)).status_code == 404
    assert client_a.post(register_url(trip), {"contact": contact_a.pk}).status_code == 404
    assert not DelegationParticipant.objects.exists()


def test_a_rejected_organisation_may_not_register(client, trip):
    representative = factories.RepresentativeFactory(organisation__rejected=True)
    contact = factories.ContactFactory(organisation=representative.organisation)
    client.force_login(representative.user)

    response = client.post(register_url(trip), {"contact": contact.pk})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not DelegationParticipant.objects.exists()


def test_staff_without_a_representation_cannot_register(staff_client, trip):
    contact = factories.ContactFactory()

    page = staff_client.get(register_url(trip))
    response = staff_client.post(register_url(trip), {"contact": contact.pk})

    assert page.status_code == 200
    assert page.context["form"] is None
    assert response.status_code == 200
    assert not DelegationParticipant.objects.exists()


# --- my participants and withdrawing -------------------------------------------------------------------


def test_participant_list_shows_only_my_organisation(client_a, organisation_a, representative_b):
    mine = factories.DelegationParticipantFactory(organisation=organisation_a)
    factories.DelegationParticipantFactory(organisation=representative_b.organisation)

    response = client_a.get(PARTICIPANTS)

    assert response.status_code == 200
    assert response.context["participants"] == [mine]
    assert withdraw_url(mine) in response.content.decode()


@pytest.mark.parametrize("state", [S.APPLIED, S.WAITLISTED, S.CONFIRMED])
def test_withdraw_before_the_deadline(
    client_a, organisation_a, representative_a, state, django_capture_on_commit_callbacks
):
    participant = factories.DelegationParticipantFactory(organisation=organisation_a, state=state)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(withdraw_url(participant))

    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.state == S.WITHDRAWN
    assert {m.to[0] for m in mail.outbox} == {representative_a.user.email, participant.contact.email}


def test_withdraw_after_the_deadline_is_refused(client_a, organisation_a, django_capture_on_commit_callbacks):
    trip = factories.DelegationFactory(registration_deadline=timezone.localdate() - datetime.timedelta(days=1))
    participant = factories.DelegationParticipantFactory(delegation=trip, organisation=organisation_a)
    before = _snapshot(participant)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_a.post(withdraw_url(participant), follow=True)

    assert [m.tags for m in response.context["messages"]] == ["error"]
    assert _snapshot(participant) == before
    assert callbacks == []


def test_without_a_deadline_withdrawing_ends_when_the_trip_starts(client_a, organisation_a):
    today = timezone.localdate()
    trip = factories.DelegationFactory(registration_deadline=None, start_date=today, end_date=today)
    participant = factories.DelegationParticipantFactory(delegation=trip, organisation=organisation_a)

    client_a.post(withdraw_url(participant))

    participant.refresh_from_db()
    assert participant.state == S.APPLIED


def test_withdrawing_another_organisations_participant_gives_404(client_a, representative_b):
    participant = factories.DelegationParticipantFactory(organisation=representative_b.organisation)
    before = _snapshot(participant)

    response = client_a.post(withdraw_url(participant))

    assert response.status_code == 404
    assert _snapshot(participant) == before


def test_staff_without_a_representation_cannot_withdraw_in_the_portal(staff_client):
    participant = factories.DelegationParticipantFactory()

    assert staff_client.post(withdraw_url(participant)).status_code == 404
    participant.refresh_from_db()
    assert participant.state == S.APPLIED


def test_withdraw_needs_post(client_a, organisation_a):
    participant = factories.DelegationParticipantFactory(organisation=organisation_a)

    assert client_a.get(withdraw_url(participant)).status_code == 405


# --- e-mails on the staff's decisions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "state", "subject"),
    [
        ("confirm", S.CONFIRMED, "Place confirmed"),
        ("waitlist", S.WAITLISTED, "On the waiting list"),
        ("reject", S.REJECTED, "Registration not accepted"),
        ("withdraw", S.WITHDRAWN, "Registration withdrawn"),
    ],
)
def test_admin_decisions_are_sent_to_the_organisation(
    staff_client, representative_a, action, state, subject, django_capture_on_commit_callbacks
):
    contact = factories.ContactFactory(organisation=representative_a.organisation, language="en")
    participant = factories.DelegationParticipantFactory(organisation=representative_a.organisation, contact=contact)

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:delegations_delegationparticipant_changelist"),
            {"action": action, "_selected_action": [participant.pk]},
        )

    participant.refresh_from_db()
    assert participant.state == state
    assert sorted(m.to[0] for m in mail.outbox) == sorted([representative_a.user.email, contact.email])
    assert next(m for m in mail.outbox if m.to == [contact.email]).subject.startswith(subject)


def test_staff_save_refuses_to_move_a_confirmed_person_into_a_place_of_a_full_trip(staff_user):
    trip = factories.DelegationFactory(capacity=1)
    factories.DelegationParticipantFactory(delegation=trip, state=S.CONFIRMED)
    interpreter = factories.DelegationParticipantFactory(
        delegation=trip, state=S.CONFIRMED, role=ParticipantRole.INTERPRETER
    )
    interpreter.role = ParticipantRole.PARTICIPANT

    with pytest.raises(ValidationError):
        services.delegation_participant_staff_save(participant=interpreter, user=staff_user)

    interpreter.refresh_from_db()
    assert interpreter.role == ParticipantRole.INTERPRETER
