"""The portal's project workshop pages and the join requests behind them: workshops open to new
participants, asking to join (duplicates, closed workshops, staff-only fields), the organisation's
requests, the staff's decision in the admin (acceptance makes the organisation a participant),
the e-mails, the join request's constraints, and the permission matrix."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from companies.choices import OrganisationKind
from projects import services
from projects.choices import JoinRequestState, WorkshopRole, WorkshopState
from projects.models import WorkshopJoinRequest, WorkshopParticipant
from tests import factories
from tests.factories_events import WorkshopJoinRequestFactory

pytestmark = pytest.mark.django_db

WORKSHOPS = reverse("portal_workshops:workshop-list")
REQUESTS = reverse("portal_workshops:join-request-list")
ADMIN_REQUESTS = reverse("admin:projects_workshopjoinrequest_changelist")


def join_url(workshop) -> str:
    return reverse("portal_workshops:join-request", args=[workshop.pk])


@pytest.fixture
def organisation_a():
    return factories.OrganisationFactory(name="Alpha Medizintechnik GmbH", kind=OrganisationKind.CLINIC)


@pytest.fixture
def representative_b():
    return factories.RepresentativeFactory(organisation__name="Beta Logistik GmbH", administrator=True)


@pytest.fixture
def workshop():
    return factories.WorkshopFactory(title_en="Hospital logistics", state=WorkshopState.ACTIVE)


# --- anonymous visitors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("portal_workshops:workshop-list", []),
        ("portal_workshops:join-request", [1]),
        ("portal_workshops:join-request-list", []),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login(client, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


def test_anonymous_posts_change_nothing(client, workshop):
    assert client.post(join_url(workshop), {"message": "Hallo"}).status_code == 302
    assert not WorkshopJoinRequest.objects.exists()


# --- the workshops ----------------------------------------------------------------------------------------


def test_workshop_list_shows_workshops_open_to_new_participants(client_a, workshop):
    planned = factories.WorkshopFactory(state=WorkshopState.PLANNED)
    factories.WorkshopFactory(state=WorkshopState.COMPLETED)
    factories.WorkshopFactory(state=WorkshopState.CANCELLED)
    factories.WorkshopFactory(open_for_participants=False)

    response = client_a.get(WORKSHOPS)

    assert response.status_code == 200
    assert set(response.context["workshops"]) == {workshop, planned}
    assert join_url(workshop) in response.content.decode()


def test_workshop_list_marks_taking_part_and_open_requests(client_a, organisation_a, workshop):
    requested = factories.WorkshopFactory()
    factories.WorkshopParticipantFactory(workshop=workshop, organisation=organisation_a)
    WorkshopJoinRequestFactory(workshop=requested, organisation=organisation_a)

    response = client_a.get(WORKSHOPS)

    assert response.context["taking_part"] == {workshop.pk}
    assert response.context["requested"] == {requested.pk}
    page = response.content.decode()
    assert join_url(workshop) not in page
    assert join_url(requested) not in page


# --- asking to join ----------------------------------------------------------------------------------------


def test_ask_to_join(client_a, organisation_a, representative_a, workshop, django_capture_on_commit_callbacks):
    contact = factories.ContactFactory(organisation=organisation_a, language="en")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            join_url(workshop), {"message": " Fahrerlose Transportsysteme ", "contact": contact.pk}
        )

    assert response.status_code == 302
    assert response.url == REQUESTS
    join_request = WorkshopJoinRequest.objects.get()
    assert (join_request.workshop, join_request.organisation, join_request.contact) == (
        workshop,
        organisation_a,
        contact,
    )
    assert join_request.message == "Fahrerlose Transportsysteme"
    assert join_request.state == JoinRequestState.REQUESTED
    assert join_request.requested_by == representative_a.user
    assert join_request.history.latest().history_user == representative_a.user
    assert not WorkshopParticipant.objects.exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([representative_a.user.email, contact.email])
    assert next(m for m in mail.outbox if m.to == [contact.email]).subject == "Request received: Hospital logistics"


def test_the_message_is_limited(client_a, workshop):
    response = client_a.post(join_url(workshop), {"message": "x" * 2001})

    assert response.status_code == 200
    assert "message" in response.context["form"].errors
    assert not WorkshopJoinRequest.objects.exists()


def test_a_contact_of_another_organisation_is_refused(client_a, workshop):
    response = client_a.post(join_url(workshop), {"contact": factories.ContactFactory().pk})

    assert response.status_code == 200
    assert "contact" in response.context["form"].errors
    assert not WorkshopJoinRequest.objects.exists()


def test_staff_only_fields_cannot_be_set_from_the_portal(client_a, workshop, organisation_a):
    response = client_a.post(
        join_url(workshop),
        {"state": JoinRequestState.ACCEPTED, "decided_at": "2020-01-01 10:00", "organisation": 999},
    )

    assert response.status_code == 302
    join_request = WorkshopJoinRequest.objects.get()
    assert (join_request.state, join_request.decided_at, join_request.decided_by) == (
        JoinRequestState.REQUESTED,
        None,
        None,
    )
    assert join_request.organisation == organisation_a


def test_a_second_open_request_is_a_form_error(client_a, organisation_a, workshop):
    WorkshopJoinRequestFactory(workshop=workshop, organisation=organisation_a)

    response = client_a.post(join_url(workshop), {"message": "noch einmal"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert WorkshopJoinRequest.objects.count() == 1


def test_a_participant_cannot_ask_again(client_a, organisation_a, workshop):
    factories.WorkshopParticipantFactory(workshop=workshop, organisation=organisation_a)

    response = client_a.post(join_url(workshop), {})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not WorkshopJoinRequest.objects.exists()


def test_after_a_decline_one_may_ask_again(client_a, organisation_a, workshop):
    WorkshopJoinRequestFactory(
        workshop=workshop, organisation=organisation_a, state=JoinRequestState.DECLINED, decided_at=timezone.now()
    )

    response = client_a.post(join_url(workshop), {})

    assert response.status_code == 302
    assert WorkshopJoinRequest.objects.filter(state=JoinRequestState.REQUESTED).count() == 1


@pytest.mark.parametrize(
    "workshop_kwargs",
    [{"open_for_participants": False}, {"state": WorkshopState.COMPLETED}],
    ids=["closed", "completed"],
)
def test_a_workshop_without_new_participants_says_so(client_a, workshop_kwargs):
    closed = factories.WorkshopFactory(**workshop_kwargs)

    page = client_a.get(join_url(closed))
    response = client_a.post(join_url(closed), {})

    assert page.status_code == 200
    assert page.context["form"] is None
    assert page.context["closed_reason"]
    assert response.status_code == 200
    assert not WorkshopJoinRequest.objects.exists()


def test_a_cancelled_workshop_is_not_found(client_a):
    cancelled = factories.WorkshopFactory(state=WorkshopState.CANCELLED)

    assert client_a.post(join_url(cancelled), {}).status_code == 404
    assert not WorkshopJoinRequest.objects.exists()


def test_a_rejected_organisation_may_not_ask(client, workshop):
    representative = factories.RepresentativeFactory(organisation__rejected=True)
    client.force_login(representative.user)

    response = client.post(join_url(workshop), {})

    assert response.status_code == 200
    assert not WorkshopJoinRequest.objects.exists()


def test_staff_without_a_representation_cannot_ask(staff_client, workshop):
    page = staff_client.get(join_url(workshop))
    response = staff_client.post(join_url(workshop), {})

    assert page.status_code == 200
    assert page.context["form"] is None
    assert response.status_code == 200
    assert not WorkshopJoinRequest.objects.exists()


def test_request_list_shows_only_my_organisation(client_a, organisation_a, representative_b):
    mine = WorkshopJoinRequestFactory(organisation=organisation_a)
    WorkshopJoinRequestFactory(organisation=representative_b.organisation)

    response = client_a.get(REQUESTS)

    assert response.status_code == 200
    assert list(response.context["join_requests"]) == [mine]


def test_request_list_of_staff_without_a_representation_is_empty(staff_client):
    WorkshopJoinRequestFactory()

    response = staff_client.get(REQUESTS)

    assert response.status_code == 200
    assert list(response.context["join_requests"]) == []


# --- the staff's decision in the admin ------------------------------------------------------------------


def test_accepting_makes_the_organisation_a_participant(
    staff_client, staff_user, representative_a, django_capture_on_commit_callbacks
):
    contact = factories.ContactFactory(organisation=representative_a.organisation, language="en")
    join_request = WorkshopJoinRequestFactory(organisation=representative_a.organisation, contact=contact)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(ADMIN_REQUESTS, {"action": "accept", "_selected_action": [join_request.pk]})

    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.state == JoinRequestState.ACCEPTED
    assert join_request.decided_by == staff_user
    assert join_request.decided_at is not None
    participant = WorkshopParticipant.objects.get()
    assert (participant.workshop, participant.organisation, participant.contact) == (
        join_request.workshop,
        join_request.organisation,
        contact,
    )
    assert participant.role == WorkshopRole.CLINIC  # from the organisation's kind
    assert participant.joined == timezone.localdate()
    assert participant.history.latest().history_user == staff_user
    assert sorted(m.to[0] for m in mail.outbox) == sorted([representative_a.user.email, contact.email])
    assert next(m for m in mail.outbox if m.to == [contact.email]).subject.startswith("Welcome to the workshop")


def test_declining(staff_client, staff_user, representative_a, django_capture_on_commit_callbacks):
    join_request = WorkshopJoinRequestFactory(organisation=representative_a.organisation)

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(ADMIN_REQUESTS, {"action": "decline", "_selected_action": [join_request.pk]})

    join_request.refresh_from_db()
    assert (join_request.state, join_request.decided_by) == (JoinRequestState.DECLINED, staff_user)
    assert not WorkshopParticipant.objects.exists()
    assert [m.to for m in mail.outbox] == [[representative_a.user.email]]


def test_a_decided_request_cannot_be_decided_otherwise(staff_user):
    join_request = WorkshopJoinRequestFactory(state=JoinRequestState.DECLINED, decided_at=timezone.now())

    with pytest.raises(ValidationError):
        services.workshop_join_request_accept(join_request=join_request, user=staff_user)

    join_request.refresh_from_db()
    assert join_request.state == JoinRequestState.DECLINED
    assert not WorkshopParticipant.objects.exists()


def test_accepting_twice_returns_false_and_adds_nobody(staff_user):
    join_request = WorkshopJoinRequestFactory()
    assert services.workshop_join_request_accept(join_request=join_request, user=staff_user) is True

    assert services.workshop_join_request_accept(join_request=join_request, user=staff_user) is False

    assert WorkshopParticipant.objects.count() == 1


def test_accepting_an_organisation_that_joined_meanwhile_is_refused(staff_user):
    join_request = WorkshopJoinRequestFactory()
    factories.WorkshopParticipantFactory(workshop=join_request.workshop, organisation=join_request.organisation)

    with pytest.raises(ValidationError):
        services.workshop_join_request_accept(join_request=join_request, user=staff_user)

    join_request.refresh_from_db()
    assert join_request.state == JoinRequestState.REQUESTED


def test_join_requests_cannot_be_added_in_the_admin(staff_client):
    assert staff_client.get(reverse("admin:projects_workshopjoinrequest_add")).status_code == 403


# --- the join request's constraints -----------------------------------------------------------------------

# (tests/projects/test_models.py checks every named constraint of the app against its VIOLATIONS;
# these are the cases of WorkshopJoinRequest's two.)


def _second_open_request():
    first = WorkshopJoinRequestFactory()
    return WorkshopJoinRequestFactory.build(workshop=first.workshop, organisation=first.organisation)


def _decided_without_date():
    return WorkshopJoinRequestFactory.build(
        workshop=factories.WorkshopFactory(),
        organisation=factories.OrganisationFactory(),
        state=JoinRequestState.ACCEPTED,
        decided_at=None,
    )


JOIN_REQUEST_VIOLATIONS = {
    "projects_workshopjoinrequest_one_open_request": (
        _second_open_request,
        "This organisation has already asked to join this workshop.",
    ),
    "projects_workshopjoinrequest_decided_has_date": (
        _decided_without_date,
        "An accepted or declined request needs the date of the decision.",
    ),
}


@pytest.mark.parametrize("name", sorted(JOIN_REQUEST_VIOLATIONS))
def test_join_request_constraint_in_full_clean_and_in_the_database(name):
    build, message = JOIN_REQUEST_VIOLATIONS[name]
    instance = build()

    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        instance.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()

    assert message in exc_info.value.messages


def test_the_contact_must_belong_to_the_organisation():
    join_request = WorkshopJoinRequestFactory.build(
        workshop=factories.WorkshopFactory(),
        organisation=factories.OrganisationFactory(),
        contact=factories.ContactFactory(),
    )

    with pytest.raises(ValidationError) as exc_info:
        join_request.full_clean()

    assert "contact" in exc_info.value.message_dict
