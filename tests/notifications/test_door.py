"""The notification door: who is told, in which language, about what; and nothing a request
started is lost or doubled when the mail server is away."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from companies.choices import VerificationState
from companies.services.organisations import organisation_reject, organisation_verify
from companies.services.representatives import organisation_register, representation_approve, representation_request
from fairs.models import BoothRegistration
from matchmaking.services.introductions import contact_request_create
from notifications import door
from notifications.choices import StaffTopic
from notifications.models import StaffAlert, UserPreference
from notifications.services import user_language_set
from outbox.choices import MessageState
from outbox.models import OutboxMessage
from outbox.relay import deliver_now
from tests import factories
from wfs_portal.choices import RegistrationState

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return factories.UserFactory(is_staff=True, is_superuser=True, email="leitung@wfs.example")


def _to(topic: str) -> list[str]:
    return sorted(OutboxMessage.objects.filter(topic=topic).values_list("recipient", flat=True))


# --- languages ------------------------------------------------------------------------------------


def test_the_language_a_user_switches_to_is_remembered_for_their_emails(client_a, representative_a):
    client_a.post(reverse("set_language"), {"language": "en", "next": "/portal/"})

    assert UserPreference.objects.get(user=representative_a.user).language == "en"
    assert door.representatives(representative_a.organisation) == [door.Recipient(representative_a.user.email, "en")]


def test_a_language_the_portal_does_not_offer_is_not_stored(client_a, representative_a):
    client_a.post(reverse("set_language"), {"language": "fr", "next": "/portal/"})
    assert not UserPreference.objects.filter(user=representative_a.user, language="fr").exists()


def test_sign_up_stores_the_language_of_the_page(client):
    client.cookies["django_language"] = "en"
    client.post(
        reverse("account_signup"),
        {"email": "new@firma.example.de", "password1": "Sensorik-Chemnitz-2031", "password2": "Sensorik-Chemnitz-2031"},
    )
    assert UserPreference.objects.get(user__email="new@firma.example.de").language == "en"


def test_each_recipient_reads_their_own_language(organisation_a, representative_a, django_capture_on_commit_callbacks):
    english = factories.RepresentativeFactory(organisation=organisation_a)
    user_language_set(user=english.user, language="en")
    contact = factories.ContactFactory(organisation=organisation_a, language="en")
    booth = factories.JointBoothFactory()

    with django_capture_on_commit_callbacks(execute=True):
        from fairs.services import booth_registration_apply

        booth_registration_apply(booth=booth, organisation=organisation_a, contact=contact, requested_area_m2=9)

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects[representative_a.user.email].startswith("Anmeldung eingegangen")
    assert subjects[english.user.email].startswith("Application received")
    assert subjects[contact.email].startswith("Application received")


def test_an_address_that_is_both_representative_and_contact_is_written_to_once(
    organisation_a, representative_a, django_capture_on_commit_callbacks
):
    contact = factories.ContactFactory(organisation=organisation_a, email=representative_a.user.email.upper())
    booth = factories.JointBoothFactory()

    with django_capture_on_commit_callbacks(execute=True):
        from fairs.services import booth_registration_apply

        booth_registration_apply(booth=booth, organisation=organisation_a, contact=contact, requested_area_m2=9)

    assert [message.to for message in mail.outbox if message.to[0].lower() == contact.email.lower()] == [
        [representative_a.user.email]
    ]


def test_removed_contacts_and_inactive_users_are_not_written_to(organisation_a, representative_a):
    representative_a.user.is_active = False
    representative_a.user.save()
    contact = factories.ContactFactory(organisation=organisation_a)
    contact.removed_at = contact.created
    contact.save()

    assert door.representatives(organisation_a) == []
    assert door.contact_person(contact) == []


# --- staff alerts -------------------------------------------------------------------------------


def test_a_self_registration_is_announced_to_staff(client, superuser, django_capture_on_commit_callbacks):
    user = factories.CompanyUserFactory()
    client.force_login(user)

    organisation = organisation_register(
        user=user, data={"name": "Gamma Robotik GmbH", "kind": "company", "city": "Dresden"}, not_a_duplicate=True
    )

    assert _to("companies.staff_registration") == [superuser.email]
    alert = OutboxMessage.objects.get(topic="companies.staff_registration")
    assert "Gamma Robotik GmbH" in alert.subject
    assert reverse("admin:companies_organisation_change", args=[organisation.pk]) in alert.body


def test_alerts_go_to_the_groups_chosen_for_the_topic_and_not_to_others(organisation_a, superuser):
    fairs_team = Group.objects.create(name="Messeteam")
    colleague = factories.UserFactory(is_staff=True, email="messe@wfs.example")
    colleague.groups.add(fairs_team)
    StaffAlert.objects.get(topic=StaffTopic.BOOTH_APPLICATION).groups.add(fairs_team)
    from fairs.services import booth_registration_apply

    booth_registration_apply(booth=factories.JointBoothFactory(), organisation=organisation_a, requested_area_m2=9)

    assert _to("fairs.staff_application") == ["messe@wfs.example"]


def test_an_alert_staff_switched_off_is_not_sent(organisation_a, superuser):
    StaffAlert.objects.filter(topic=StaffTopic.BOOTH_APPLICATION).update(enabled=False)
    from fairs.services import booth_registration_apply

    booth_registration_apply(booth=factories.JointBoothFactory(), organisation=organisation_a, requested_area_m2=9)

    assert _to("fairs.staff_application") == []
    assert _to("fairs.registration") == []  # organisation_a has no representative here


def test_a_delegation_registration_and_a_workshop_join_request_are_announced_to_staff(organisation_a, superuser):
    from delegations.services import delegation_participant_apply
    from projects.services import workshop_join_request_create

    delegation_participant_apply(
        delegation=factories.DelegationFactory(),
        organisation=organisation_a,
        contact=factories.ContactFactory(organisation=organisation_a),
    )
    workshop_join_request_create(
        workshop=factories.WorkshopFactory(),
        organisation=organisation_a,
        user=superuser,
    )

    assert _to("delegations.staff_registration") == [superuser.email]
    assert _to("projects.staff_join_request") == [superuser.email]


def test_an_introduction_to_an_organisation_without_portal_users_goes_to_staff(
    organisation_a, representative_a, superuser
):
    partner = factories.OrganisationFactory()

    contact_request_create(
        requester=organisation_a, target=partner, user=representative_a.user, message="Wir suchen Kühltransporte."
    )

    assert _to("companies.introduction_requested") == []
    assert _to("companies.staff_introduction") == [superuser.email]


def test_an_introduction_to_an_organisation_with_users_does_not_bother_staff(
    organisation_a, representative_a, representative_b, superuser
):
    contact_request_create(
        requester=organisation_a,
        target=representative_b.organisation,
        user=representative_a.user,
        message="Wir suchen Kühltransporte.",
    )

    assert _to("companies.introduction_requested") == [representative_b.user.email]
    assert _to("companies.staff_introduction") == []


# --- the organisation is told ------------------------------------------------------------------


def test_verifying_a_self_registration_tells_its_representatives(staff_user, django_capture_on_commit_callbacks):
    representative = factories.RepresentativeFactory(
        organisation=factories.OrganisationFactory(verification_state=VerificationState.SELF_REGISTERED),
        administrator=True,
    )

    with django_capture_on_commit_callbacks(execute=True):
        organisation_verify(organisation=representative.organisation, user=staff_user)

    assert [message.to for message in mail.outbox] == [[representative.user.email]]
    assert mail.outbox[0].subject == f"{representative.organisation.name} ist verifiziert"
    assert "/portal/" in mail.outbox[0].body


def test_a_rejection_tells_the_reason(staff_user, django_capture_on_commit_callbacks):
    representative = factories.RepresentativeFactory(
        organisation=factories.OrganisationFactory(verification_state=VerificationState.SELF_REGISTERED),
        administrator=True,
    )

    with django_capture_on_commit_callbacks(execute=True):
        organisation_reject(organisation=representative.organisation, user=staff_user, reason="Kein Sitz in Sachsen.")

    assert "Kein Sitz in Sachsen." in mail.outbox[0].body


def test_a_join_request_goes_to_the_administrators_and_the_decision_to_the_user(
    organisation_a, representative_a, django_capture_on_commit_callbacks
):
    editor = factories.RepresentativeFactory(organisation=organisation_a)  # not asked: only administrators decide
    newcomer = factories.CompanyUserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        request = representation_request(user=newcomer, organisation=organisation_a, message="CFO")
    assert [message.to for message in mail.outbox] == [[representative_a.user.email]]
    assert newcomer.email in mail.outbox[0].subject and "CFO" in mail.outbox[0].body
    assert editor.user.email not in [message.to[0] for message in mail.outbox]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        representation_approve(representative=request, user=representative_a.user)
    assert [message.to for message in mail.outbox] == [[newcomer.email]]
    assert organisation_a.name in mail.outbox[0].subject


# --- the mail server away -----------------------------------------------------------------------


def test_an_application_with_the_mail_server_down_succeeds_and_its_emails_follow(
    client_a, representative_a, organisation_a, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.mail.UnreachableBackend"
    booth = factories.JointBoothFactory(total_area_m2=100)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            reverse("portal_fairs:booth-apply", args=[booth.pk]),
            {
                "requested_area_m2": "12",
                "with_stand_construction": "on",
                "de_minimis_declared": "on",
                "no_double_funding_declared": "on",
            },
        )

    assert response.status_code == 302
    registration = BoothRegistration.objects.get(booth=booth, organisation=organisation_a)
    assert registration.state == RegistrationState.APPLIED
    waiting = OutboxMessage.objects.filter(topic="fairs.registration")
    assert [m.state for m in waiting] == [MessageState.PENDING]
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_now(list(waiting.values_list("pk", flat=True)))
    deliver_now(list(waiting.values_list("pk", flat=True)))  # a second pass finds nothing to send

    assert [message.to for message in mail.outbox] == [[representative_a.user.email]]
