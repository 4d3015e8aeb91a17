"""The portal's trade fair pages: the fair programme with free places and area, applying for a
place (declarations, contact person, deadline, duplicates, staff-only fields), the organisation's
registrations and withdrawing one, the e-mails on every state change (portal and admin), and the
permission matrix (anonymous, representative of A, representative of B, staff without a
representation): another organisation's registration gives 404 and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from companies.choices import VerificationState
from fairs import services
from fairs.models import BoothRegistration
from tests import factories
from wfs_portal.choices import EventState
from wfs_portal.choices import RegistrationState as S

pytestmark = pytest.mark.django_db

FAIRS = reverse("portal_fairs:fair-list")
REGISTRATIONS = reverse("portal_fairs:registration-list")


def apply_url(booth) -> str:
    return reverse("portal_fairs:booth-apply", args=[booth.pk])


def withdraw_url(registration) -> str:
    return reverse("portal_fairs:registration-withdraw", args=[registration.pk])


@pytest.fixture
def contact_a(organisation_a):
    return factories.ContactFactory(organisation=organisation_a, email="einkauf@alpha.example.de", language="en")


@pytest.fixture
def booth():
    fair = factories.TradeFairFactory(name="MEDICA", city="Düsseldorf", country="DE")
    return factories.JointBoothFactory(fair=fair, capacity=3, total_area_m2=Decimal("60.00"))


def application(contact=None, **overrides) -> dict:
    data = {
        "requested_area_m2": "12.50",
        "with_stand_construction": "on",
        "products": "Sensoren für Infusionspumpen",
        "co_exhibitors": "Gamma GmbH",
        "contact": contact.pk if contact else "",
        "de_minimis_declared": "on",
        "no_double_funding_declared": "on",
    }
    data.update(overrides)
    return data


def _snapshot(registration) -> dict:
    fresh = BoothRegistration.objects.get(pk=registration.pk)
    return {f.attname: getattr(fresh, f.attname) for f in BoothRegistration._meta.concrete_fields}


# --- anonymous visitors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("portal_fairs:fair-list", []),
        ("portal_fairs:booth-apply", [1]),
        ("portal_fairs:registration-list", []),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login(client, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


def test_anonymous_posts_change_nothing(client, booth, organisation_a):
    registration = factories.BoothRegistrationFactory(booth=booth, organisation=organisation_a)
    before = _snapshot(registration)

    assert client.post(apply_url(booth), application()).status_code == 302
    assert client.post(withdraw_url(registration)).status_code == 302

    assert BoothRegistration.objects.count() == 1
    assert _snapshot(registration) == before


# --- the fair programme --------------------------------------------------------------------------------


def test_fair_list_shows_open_booths_with_free_places_and_area(client_a, booth):
    factories.BoothRegistrationFactory(booth=booth, state=S.CONFIRMED, requested_area_m2=Decimal("20.00"))
    factories.BoothRegistrationFactory(booth=booth, state=S.APPLIED, requested_area_m2=Decimal("30.00"))

    response = client_a.get(FAIRS)

    assert response.status_code == 200
    [fair] = response.context["fairs"]
    [shown] = fair.public_booths
    # Applications take no place: only the confirmed one counts.
    assert (shown.free_places, shown.free_area_m2) == (2, Decimal("40.00"))
    assert apply_url(booth) in response.content.decode()


def test_fair_list_leaves_out_planned_booths_and_past_fairs(client_a, booth):
    factories.JointBoothFactory(state=EventState.PLANNED)
    past = factories.TradeFairFactory(
        start_date=timezone.localdate() - datetime.timedelta(days=30), programme_year=timezone.localdate().year
    )
    factories.JointBoothFactory(fair=past, state=EventState.COMPLETED, registration_deadline=past.start_date)

    response = client_a.get(FAIRS)

    assert [fair.pk for fair in response.context["fairs"]] == [booth.fair_id]


def test_fair_list_says_why_a_booth_is_closed(client_a):
    closed = factories.JointBoothFactory(registration_deadline=timezone.localdate() - datetime.timedelta(days=1))

    response = client_a.get(FAIRS)

    page = response.content.decode()
    assert apply_url(closed) not in page
    assert response.context["fairs"][0].public_booths[0].closed_reason


def test_fair_list_shows_my_registration_instead_of_the_apply_button(client_a, booth, organisation_a):
    factories.BoothRegistrationFactory(booth=booth, organisation=organisation_a, state=S.WAITLISTED)

    response = client_a.get(FAIRS)

    assert response.context["fairs"][0].public_booths[0].my_registration.state == S.WAITLISTED
    assert apply_url(booth) not in response.content.decode()


# --- applying ----------------------------------------------------------------------------------------


def test_apply_page_shows_the_form_with_my_contacts_only(client_a, booth, contact_a):
    factories.ContactFactory()  # of another organisation

    response = client_a.get(apply_url(booth))

    assert response.status_code == 200
    assert list(response.context["form"].fields["contact"].queryset) == [contact_a]


def test_a_removed_contact_person_is_not_offered(client_a, booth, contact_a, representative_a):
    from companies.services.contacts import contact_remove

    factories.ConsentRecordFactory(contact=contact_a)  # so the person is kept, anonymised
    assert contact_remove(contact=contact_a, user=representative_a.user) == "anonymised"

    response = client_a.get(apply_url(booth))

    assert contact_a not in response.context["form"].fields["contact"].queryset


def test_apply_creates_an_application_and_sends_a_receipt(
    client_a, booth, organisation_a, representative_a, contact_a, django_capture_on_commit_callbacks
):
    factories.RepresentativeFactory(organisation=organisation_a, requested=True)  # not approved: not told

    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(apply_url(booth), application(contact_a))

    assert response.status_code == 302
    assert response.url == REGISTRATIONS
    registration = BoothRegistration.objects.get(booth=booth, organisation=organisation_a)
    assert registration.state == S.APPLIED
    assert registration.requested_area_m2 == Decimal("12.50")
    assert registration.with_stand_construction is True
    assert registration.products == "Sensoren für Infusionspumpen"
    assert registration.co_exhibitors == "Gamma GmbH"
    assert registration.contact == contact_a
    assert registration.de_minimis_declared and registration.no_double_funding_declared
    assert registration.history.latest().history_user == representative_a.user
    assert sorted(m.to[0] for m in mail.outbox) == sorted([representative_a.user.email, contact_a.email])
    by_address = {m.to[0]: m for m in mail.outbox}
    # The contact person reads English; the representatives' language is unknown: German.
    assert by_address[contact_a.email].subject.startswith("Application received")
    assert "MEDICA" in by_address[contact_a.email].body
    assert "MEDICA" in by_address[representative_a.user.email].subject


def test_apply_without_stand_construction_and_contact(client_a, booth, organisation_a):
    data = application()
    del data["with_stand_construction"]

    response = client_a.post(apply_url(booth), data)

    assert response.status_code == 302
    registration = BoothRegistration.objects.get(organisation=organisation_a)
    assert registration.with_stand_construction is False
    assert registration.contact is None


@pytest.mark.parametrize("missing", ["de_minimis_declared", "no_double_funding_declared"])
def test_apply_needs_both_declarations(client_a, booth, missing):
    data = application()
    del data[missing]

    response = client_a.post(apply_url(booth), data)

    assert response.status_code == 200
    assert missing in response.context["form"].errors
    assert not BoothRegistration.objects.exists()


@pytest.mark.parametrize("area", ["", "0", "-1", "abc", "100000"])
def test_apply_with_a_bad_area_is_a_form_error(client_a, booth, area):
    response = client_a.post(apply_url(booth), application(requested_area_m2=area))

    assert response.status_code == 200
    assert "requested_area_m2" in response.context["form"].errors
    assert not BoothRegistration.objects.exists()


def test_apply_for_more_area_than_is_left_is_a_form_error(client_a, booth):
    factories.BoothRegistrationFactory(booth=booth, state=S.CONFIRMED, requested_area_m2=Decimal("50.00"))

    response = client_a.post(apply_url(booth), application(requested_area_m2="10.01"))

    assert response.status_code == 200
    assert "requested_area_m2" in response.context["form"].errors
    assert BoothRegistration.objects.count() == 1


def test_apply_with_a_contact_of_another_organisation_is_refused(client_a, booth):
    stranger = factories.ContactFactory()

    response = client_a.post(apply_url(booth), application(stranger))

    assert response.status_code == 200
    assert "contact" in response.context["form"].errors
    assert not BoothRegistration.objects.exists()


def test_staff_only_fields_cannot_be_set_from_the_portal(client_a, booth, organisation_a):
    data = application(
        state=S.CONFIRMED,
        notes="VIP",
        decided_at="2020-01-01 10:00",
        booth=factories.JointBoothFactory().pk,
        organisation=factories.OrganisationFactory().pk,
        applied_at="2020-01-01 10:00",
    )

    response = client_a.post(apply_url(booth), data)

    assert response.status_code == 302
    registration = BoothRegistration.objects.get()
    assert (registration.booth, registration.organisation) == (booth, organisation_a)
    assert registration.state == S.APPLIED
    assert registration.notes == ""
    assert registration.decided_at is None
    assert registration.applied_at.year == timezone.now().year


def test_a_second_application_is_a_form_error(client_a, booth, organisation_a):
    existing = factories.BoothRegistrationFactory(booth=booth, organisation=organisation_a)

    page = client_a.get(apply_url(booth))
    response = client_a.post(apply_url(booth), application())

    assert page.context["form"] is None
    assert page.context["existing"] == existing
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert BoothRegistration.objects.filter(booth=booth).count() == 1


@pytest.mark.parametrize(
    ("booth_kwargs", "reason"),
    [
        ({"registration_deadline": timezone.localdate() - datetime.timedelta(days=1)}, "deadline"),
        ({"state": EventState.CLOSED}, "not open"),
        ({"state": EventState.CANCELLED}, "not open"),
    ],
)
def test_a_closed_booth_shows_why_and_takes_no_application(client_a, booth_kwargs, reason, settings):
    settings.LANGUAGE_CODE = "en"
    closed = factories.JointBoothFactory(**booth_kwargs)

    page = client_a.get(apply_url(closed))
    response = client_a.post(apply_url(closed), application())

    assert page.status_code == 200
    assert page.context["form"] is None
    assert reason in page.context["closed_reason"]
    assert reason in page.content.decode()
    assert response.status_code == 200
    assert not BoothRegistration.objects.exists()


def test_the_deadline_day_itself_is_still_open(client_a):
    booth = factories.JointBoothFactory(registration_deadline=timezone.localdate())

    response = client_a.post(apply_url(booth), application())

    assert response.status_code == 302
    assert BoothRegistration.objects.filter(booth=booth).exists()


def test_a_planned_booth_is_not_found(client_a):
    planned = factories.JointBoothFactory(state=EventState.PLANNED)

    assert client_a.get(apply_url(planned)).status_code == 404
    assert client_a.post(apply_url(planned), application()).status_code == 404
    assert not BoothRegistration.objects.exists()


def test_a_self_registered_organisation_may_apply(client, booth):
    representative = factories.RepresentativeFactory(organisation__self_registered=True)
    client.force_login(representative.user)

    response = client.post(apply_url(booth), application())

    assert response.status_code == 302
    assert BoothRegistration.objects.get().organisation.verification_state == VerificationState.SELF_REGISTERED


def test_a_rejected_organisation_may_not_apply(client, booth):
    representative = factories.RepresentativeFactory(organisation__rejected=True)
    client.force_login(representative.user)

    response = client.post(apply_url(booth), application())

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not BoothRegistration.objects.exists()


def test_apply_for_the_organisation_i_act_for(client_a, booth, representative_a):
    second = factories.RepresentativeFactory(user=representative_a.user).organisation
    client_a.post(reverse("portal:switch"), {"organisation": second.pk})

    client_a.post(apply_url(booth), application())

    assert BoothRegistration.objects.get().organisation == second


def test_staff_without_a_representation_see_the_programme_but_cannot_apply(staff_client, booth):
    assert staff_client.get(FAIRS).status_code == 200
    page = staff_client.get(apply_url(booth))
    response = staff_client.post(apply_url(booth), application())

    assert page.status_code == 200
    assert page.context["form"] is None
    assert reverse("portal:organisation-register") in page.content.decode()
    assert response.status_code == 200
    assert not BoothRegistration.objects.exists()


# --- my registrations and withdrawing ----------------------------------------------------------------


def test_registration_list_shows_only_my_organisation(client_a, organisation_a, representative_b):
    mine = factories.BoothRegistrationFactory(organisation=organisation_a, state=S.CONFIRMED)
    factories.BoothRegistrationFactory(organisation=representative_b.organisation)

    response = client_a.get(REGISTRATIONS)

    assert response.status_code == 200
    assert response.context["registrations"] == [mine]
    assert withdraw_url(mine) in response.content.decode()


def test_registration_list_for_staff_without_a_representation_is_empty(staff_client):
    factories.BoothRegistrationFactory()

    response = staff_client.get(REGISTRATIONS)

    assert response.status_code == 200
    assert response.context["registrations"] == []


@pytest.mark.parametrize("state", [S.APPLIED, S.WAITLISTED, S.CONFIRMED])
def test_withdraw_before_the_deadline(
    client_a, organisation_a, representative_a, state, django_capture_on_commit_callbacks
):
    registration = factories.BoothRegistrationFactory(organisation=organisation_a, state=state)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(withdraw_url(registration))

    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == S.WITHDRAWN
    assert registration.history.latest().history_user == representative_a.user
    assert {m.to[0] for m in mail.outbox} == {representative_a.user.email, registration.contact.email}


def test_withdraw_after_the_deadline_is_refused(client_a, organisation_a, django_capture_on_commit_callbacks):
    booth = factories.JointBoothFactory(registration_deadline=timezone.localdate() - datetime.timedelta(days=1))
    registration = factories.BoothRegistrationFactory(booth=booth, organisation=organisation_a, state=S.CONFIRMED)
    before = _snapshot(registration)

    listing = client_a.get(REGISTRATIONS)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_a.post(withdraw_url(registration), follow=True)

    assert withdraw_url(registration) not in listing.content.decode()
    assert [m.tags for m in response.context["messages"]] == ["error"]
    assert _snapshot(registration) == before
    assert callbacks == []


@pytest.mark.parametrize("state", [S.REJECTED, S.WITHDRAWN])
def test_a_decided_registration_cannot_be_withdrawn(client_a, organisation_a, state):
    registration = factories.BoothRegistrationFactory(organisation=organisation_a, state=state)

    client_a.post(withdraw_url(registration))

    registration.refresh_from_db()
    assert registration.state == state


def test_withdrawing_another_organisations_registration_gives_404(client_a, representative_b):
    registration = factories.BoothRegistrationFactory(organisation=representative_b.organisation)
    before = _snapshot(registration)

    response = client_a.post(withdraw_url(registration))

    assert response.status_code == 404
    assert _snapshot(registration) == before


def test_staff_without_a_representation_cannot_withdraw_in_the_portal(staff_client):
    registration = factories.BoothRegistrationFactory()

    assert staff_client.post(withdraw_url(registration)).status_code == 404
    registration.refresh_from_db()
    assert registration.state == S.APPLIED


def test_withdraw_needs_post(client_a, organisation_a):
    registration = factories.BoothRegistrationFactory(organisation=organisation_a)

    assert client_a.get(withdraw_url(registration)).status_code == 405
    registration.refresh_from_db()
    assert registration.state == S.APPLIED


# --- e-mails on the staff's decisions (the admin's actions go through the services) ------------------


@pytest.mark.parametrize(
    ("action", "state", "subject"),
    [
        ("confirm", S.CONFIRMED, "Place confirmed"),
        ("waitlist", S.WAITLISTED, "On the waiting list"),
        ("reject", S.REJECTED, "Application not accepted"),
        ("withdraw", S.WITHDRAWN, "Registration withdrawn"),
    ],
)
def test_admin_decisions_are_sent_to_the_organisation(
    staff_client, representative_a, action, state, subject, django_capture_on_commit_callbacks
):
    contact = factories.ContactFactory(organisation=representative_a.organisation, language="en")
    registration = factories.BoothRegistrationFactory(organisation=representative_a.organisation, contact=contact)
    url = reverse("admin:fairs_boothregistration_changelist")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"action": action, "_selected_action": [registration.pk]})

    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == state
    assert sorted(m.to[0] for m in mail.outbox) == sorted([representative_a.user.email, contact.email])
    english = next(m for m in mail.outbox if m.to == [contact.email])
    assert english.subject.startswith(subject)


def test_a_refused_decision_sends_nothing(staff_client, django_capture_on_commit_callbacks):
    booth = factories.JointBoothFactory(capacity=1)
    factories.BoothRegistrationFactory(booth=booth, state=S.CONFIRMED)
    waiting = factories.BoothRegistrationFactory(booth=booth)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        staff_client.post(
            reverse("admin:fairs_boothregistration_changelist"), {"action": "confirm", "_selected_action": [waiting.pk]}
        )

    waiting.refresh_from_db()
    assert waiting.state == S.APPLIED
    assert callbacks == []
    assert mail.outbox == []


def test_no_e_mail_when_the_state_does_not_change(staff_user, django_capture_on_commit_callbacks):
    registration = factories.BoothRegistrationFactory(state=S.WAITLISTED)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        changed = services.booth_registration_set_state(registration=registration, state=S.WAITLISTED, user=staff_user)

    assert changed is False
    assert callbacks == []
    assert mail.outbox == []


def test_a_representative_who_is_also_the_contact_gets_one_e_mail(
    client_a, booth, representative_a, django_capture_on_commit_callbacks
):
    contact = factories.ContactFactory(organisation=representative_a.organisation, email=representative_a.user.email)

    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(apply_url(booth), application(contact))

    assert [m.to for m in mail.outbox] == [[representative_a.user.email]]


# --- staff edits in the admin keep the capacity ----------------------------------------------------------


def test_staff_save_refuses_to_enlarge_a_confirmed_place_beyond_the_booth(staff_user, booth):
    factories.BoothRegistrationFactory(booth=booth, state=S.CONFIRMED, requested_area_m2=Decimal("40.00"))
    confirmed = factories.BoothRegistrationFactory(booth=booth, state=S.CONFIRMED, requested_area_m2=Decimal("10.00"))
    confirmed.requested_area_m2 = Decimal("20.01")

    with pytest.raises(ValidationError):
        services.booth_registration_staff_save(registration=confirmed, user=staff_user)

    confirmed.refresh_from_db()
    assert confirmed.requested_area_m2 == Decimal("10.00")


def test_staff_save_refuses_to_move_a_confirmed_place_to_a_full_booth(staff_user, booth):
    full = factories.JointBoothFactory(capacity=1)
    factories.BoothRegistrationFactory(booth=full, state=S.CONFIRMED)
    confirmed = factories.BoothRegistrationFactory(booth=booth, state=S.CONFIRMED)
    confirmed.booth = full

    with pytest.raises(ValidationError):
        services.booth_registration_staff_save(registration=confirmed, user=staff_user)

    confirmed.refresh_from_db()
    assert confirmed.booth == booth


def test_staff_save_records_the_change(staff_user, booth):
    registration = factories.BoothRegistrationFactory(booth=booth)
    registration.notes = "Eckstand gewünscht"

    services.booth_registration_staff_save(registration=registration, user=staff_user)

    registration.refresh_from_db()
    assert registration.notes == "Eckstand gewünscht"
    assert registration.history.latest().history_user == staff_user


# --- the service's declaration rule (the portal's path; the partner API hands them in later) ----------


def test_the_service_refuses_a_portal_application_without_declarations(booth):
    organisation = factories.OrganisationFactory()

    with pytest.raises(ValidationError) as exc_info:
        services.booth_registration_apply(
            booth=booth,
            organisation=organisation,
            declarations_required=True,
            requested_area_m2=Decimal("10.00"),
            de_minimis_declared=True,
        )

    assert set(exc_info.value.message_dict) == {"no_double_funding_declared"}
    assert not BoothRegistration.objects.exists()


def test_the_service_takes_an_application_without_declarations_when_not_required(booth):
    registration = services.booth_registration_apply(
        booth=booth, organisation=factories.OrganisationFactory(), requested_area_m2=Decimal("10.00")
    )

    assert registration.state == S.APPLIED
    assert not registration.de_minimis_declared
