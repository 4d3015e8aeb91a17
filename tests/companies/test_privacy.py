"""A company user's own data: the JSON export (structure, completeness, no secrets, no partner
contact details before an accepted introduction) and the erasure of the account (personal data
gone everywhere, in the audit history too, aggregate figures unchanged, no login afterwards), with
the permission matrix and bad input."""

import datetime
import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from companies.choices import RepresentativeRole
from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from companies.models.representatives import Representative
from companies.services.privacy import FORMAT_VERSION, account_data_export, account_erase, historical_models
from companies.services.representatives import organisation_profile_update
from matchmaking.choices import ContactRequestState
from matchmaking.models.introductions import ContactRequest
from matchmaking.models.visits import PortalVisit
from matchmaking.services.introductions import contact_request_create
from reports import kpis
from tests import factories
from wfs_portal.choices import RegistrationState

pytestmark = pytest.mark.django_db

PASSWORD = "Kühlkette-2024!"


@pytest.fixture(scope="module")
def password_hash():
    # Hashed once for the module: Argon2 costs a third of a second.
    return make_password(PASSWORD)


@pytest.fixture
def user_a(organisation_a, password_hash):
    user = factories.CompanyUserFactory(
        first_name="Annegret", last_name="Zwiebelmann", email="annegret.zwiebelmann@alpha.example.de"
    )
    user.password = password_hash
    user.save()
    factories.RepresentativeFactory(user=user, organisation=organisation_a, administrator=True)
    return user


@pytest.fixture
def person_a(organisation_a, user_a):
    """The user's own contact person record at their organisation, with a consent."""
    person = factories.ContactFactory(
        organisation=organisation_a, first_name="Annegret", last_name="Zwiebelmann", email=user_a.email.upper()
    )
    factories.ConsentRecordFactory(contact=person)
    return person


@pytest.fixture
def client_a(client, user_a):
    client.force_login(user_a)
    return client


# --- export ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client):
    for name in ("portal:privacy", "portal:privacy-export", "portal:account-erase"):
        url = reverse(name)
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={url}"


def test_the_privacy_page_links_export_and_erasure(client_a):
    response = client_a.get(reverse("portal:privacy"))

    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("portal:privacy-export") in page
    assert reverse("portal:account-erase") in page


def test_the_export_is_a_json_download(client_a, user_a, organisation_a):
    response = client_a.get(reverse("portal:privacy-export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="wfs-portal-data-')
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["format_version"] == FORMAT_VERSION == 1
    assert set(data) == {
        "format_version",
        "generated_at",
        "user",
        "representations",
        "portal_visits",
        "follows",
        "calendar_subscriptions",
        "organisations",
        "history",
    }
    assert data["user"]["email"] == user_a.email
    assert [o["record"]["id"] for o in data["organisations"]] == [organisation_a.pk]


def test_the_export_holds_everything_about_the_user_and_their_organisation(
    user_a, organisation_a, organisation_b, person_a
):
    factories.EmailAddressFactory(user=user_a, email="privat@example.de", verified=False, primary=False)
    factories.AuthenticatorFactory(user=user_a)
    profile = factories.PartneringProfileFactory(organisation=organisation_a, title_de="Sensorik für Kliniken")
    factories.BoothRegistrationFactory(organisation=organisation_a, contact=person_a, notes="intern: zahlt spät")
    factories.DelegationParticipantFactory(organisation=organisation_a, contact=person_a)
    factories.WorkshopParticipantFactory(organisation=organisation_a)
    factories.MatchFeedbackFactory(organisation=organisation_a, partner=organisation_b, user=user_a)
    organisation_profile_update(organisation=organisation_a, user=user_a, data={"description_en": "Sensors"})
    factories.RepresentativeFactory(user=user_a, requested=True)  # a pending join request elsewhere
    factories.ContactFactory(first_name="Fremdperson")  # another organisation's person

    data = account_data_export(user=user_a)

    text = json.dumps(data, ensure_ascii=False)
    assert {a["email"] for a in data["user"]["email_addresses"]} == {user_a.email, "privat@example.de"}
    assert data["user"]["mfa_enabled"] is True
    assert "JBSWY3DP" not in text  # the TOTP secret
    assert user_a.password not in text
    assert [r["state"] for r in data["representations"]] == ["approved", "requested"]
    (organisation,) = data["organisations"]  # the pending one is not exported: the user does not act for it
    assert organisation["record"]["description_en"] == "Sensors"
    assert "verified_by_id" not in organisation["record"]
    (contact,) = organisation["contacts"]
    assert contact["last_name"] == "Zwiebelmann"
    assert [c["purpose"] for c in contact["consents"]] == ["matchmaking"]
    assert [p["title_de"] for p in organisation["partnering_profiles"]] == [profile.title_de]
    assert len(organisation["booth_registrations"]) == 1
    assert "notes" not in organisation["booth_registrations"][0]
    assert "intern: zahlt spät" not in text
    assert len(organisation["delegation_participations"]) == 1
    assert len(organisation["workshop_participations"]) == 1
    assert organisation["match_feedback"][0]["given_by_you"] is True
    assert "Fremdperson" not in text
    changes = [(e["model"], e["type"], e["change_reason"]) for e in data["history"]]
    assert ("companies.organisation", "changed", "companies.organisation.changed_in_portal") in changes
    labels = {e["change_reason"]: e["change_reason_label"] for e in data["history"]}
    assert labels["companies.organisation.changed_in_portal"] == "Profil im Portal geändert"  # the export's language
    assert {e["model"] for e in data["history"]} == {"companies.organisation"}


def test_the_export_shows_a_partners_persons_only_after_an_accepted_introduction(user_a, organisation_a):
    open_partner, accepted_partner = factories.OrganisationFactory.create_batch(2)
    for partner, name in ((open_partner, "Offenbleiber"), (accepted_partner, "Angenommen")):
        person = factories.ContactFactory(organisation=partner, last_name=name)
        factories.ConsentRecordFactory(contact=person)
    factories.ContactRequestFactory(requester=organisation_a, target=open_partner)
    factories.ContactRequestFactory(
        requester=accepted_partner, target=organisation_a, state=ContactRequestState.ACCEPTED, decided_at=timezone.now()
    )

    (organisation,) = account_data_export(user=user_a)["organisations"]

    (sent,) = organisation["introductions_sent"]
    (received,) = organisation["introductions_received"]
    assert sent["partner_contacts"] == []
    assert [p["last_name"] for p in received["partner_contacts"]] == ["Angenommen"]
    assert "Offenbleiber" not in json.dumps(organisation)


def test_the_export_holds_the_users_portal_visits_and_no_one_elses(user_a, organisation_a):
    now = timezone.now()
    PortalVisit.objects.create(
        user=user_a, organisation=organisation_a, started_at=now, seen_at=now, partners_before=[3, 5], partners_seen=[5]
    )
    PortalVisit.objects.create(
        user=factories.CompanyUserFactory(), organisation=organisation_a, started_at=now, seen_at=now, partners_seen=[9]
    )

    (visit,) = account_data_export(user=user_a)["portal_visits"]

    assert visit["organisation"]["id"] == organisation_a.pk
    assert (visit["partners_before"], visit["partners_seen"]) == ([3, 5], [5])
    assert visit["seen_at"] == now.isoformat()


def test_representative_of_b_exports_nothing_of_a(client, organisation_a, organisation_b, user_a, person_a):
    user_b = factories.RepresentativeFactory(organisation=organisation_b).user
    client.force_login(user_b)

    data = json.loads(client.get(reverse("portal:privacy-export")).content)

    assert [o["record"]["id"] for o in data["organisations"]] == [organisation_b.pk]
    assert "Zwiebelmann" not in json.dumps(data)


def test_staff_without_a_representation_export_their_account_only(staff_client, staff_user, user_a, person_a):
    data = json.loads(staff_client.get(reverse("portal:privacy-export")).content)

    assert data["user"]["username"] == staff_user.username
    assert data["organisations"] == []
    assert "Zwiebelmann" not in json.dumps(data)


# --- erasure --------------------------------------------------------------------------------------------


def _history_texts() -> str:
    """Every text column of every audit-history row, for searching."""
    texts = []
    for model in historical_models():
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if f.get_internal_type() in ("CharField", "TextField", "EmailField")
        ]
        for row in model.objects.values_list(*columns):
            texts.extend(str(value) for value in row if value)
    return "\n".join(texts)


@pytest.fixture
def world(organisation_a, user_a, person_a):
    """The user's organisation with a confirmed exhibitor place and a confirmed delegation place
    (the user is their person), an introduction and feedback by the user, and history written by
    the user in the portal."""
    booth_registration = factories.BoothRegistrationFactory(
        organisation=organisation_a, contact=person_a, state=RegistrationState.CONFIRMED
    )
    participant = factories.DelegationParticipantFactory(
        organisation=organisation_a, contact=person_a, state=RegistrationState.CONFIRMED
    )
    partner = factories.OrganisationFactory()
    organisation_profile_update(organisation=organisation_a, user=user_a, data={"description_en": "Sensors"})
    contact_request = contact_request_create(
        requester=organisation_a, target=partner, user=user_a, message="Wir suchen Kühltransporte."
    )
    person_a.position = "Leitung Vertrieb"
    person_a._history_user = user_a
    person_a.save()
    return {"booth_registration": booth_registration, "participant": participant, "contact_request": contact_request}


def _period(booth_registration):
    start = booth_registration.booth.fair.start_date
    return datetime.date(start.year, 1, 1), datetime.date(start.year, 12, 31)


def test_erasure_removes_the_person_and_keeps_the_figures(
    world, user_a, organisation_a, person_a, django_capture_on_commit_callbacks
):
    booth_registration, participant = world["booth_registration"], world["participant"]
    start, end = _period(booth_registration)
    factories.AuthenticatorFactory(user=user_a)
    figures_before = kpis.compute(start=start, end=end)
    exhibitors_before = booth_registration.booth.registrations.filter(state=RegistrationState.CONFIRMED).count()

    with django_capture_on_commit_callbacks(execute=True):
        result = account_erase(user=user_a, password=PASSWORD)

    assert result.contacts_erased == 1
    assert not get_user_model().objects.filter(pk=user_a.pk).exists()
    assert not EmailAddress.objects.filter(email__iexact=user_a.email).exists()
    assert not Authenticator.objects.filter(user_id=user_a.pk).exists()
    assert not Representative.objects.filter(user_id=user_a.pk).exists()
    assert not Contact.objects.filter(pk=person_a.pk).exists()
    # The organisation and its registrations stay; only the person is gone from them.
    assert Organisation.objects.filter(pk=organisation_a.pk).exists()
    booth_registration.refresh_from_db()
    participant.refresh_from_db()
    assert (booth_registration.contact, participant.contact) == (None, None)
    assert booth_registration.booth.registrations.filter(state=RegistrationState.CONFIRMED).count() == exhibitors_before
    figures_after = kpis.compute(start=start, end=end)
    assert figures_after["kpis"] == figures_before["kpis"]
    assert figures_after["kpis"]["exhibitors"] == 1
    assert figures_after["kpis"]["delegation_participants"] == figures_before["kpis"]["delegation_participants"]
    # The introduction stays with the organisation, without the user.
    contact_request = ContactRequest.objects.get(pk=world["contact_request"].pk)
    assert contact_request.user is None


def test_no_history_row_names_the_user_after_erasure(world, user_a, person_a):
    assert "Zwiebelmann" in _history_texts()  # the test looks in the right place

    account_erase(user=user_a, password=PASSWORD)

    texts = _history_texts()
    for personal in ("Zwiebelmann", "Annegret", user_a.email, user_a.email.upper(), "Leitung Vertrieb"):
        assert personal not in texts
    for model in historical_models():
        assert not model.objects.filter(history_user_id=user_a.pk).exists(), model
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is get_user_model():
                assert not model.objects.filter(**{f.attname: user_a.pk}).exists(), (model, f.name)
    # The history of the organisation's change survives, without its author.
    change = Organisation.history.filter(history_change_reason="companies.organisation.changed_in_portal").get()
    assert change.history_user is None


def test_erasure_is_checked_by_the_database_constraints(world, user_a):
    account_erase(user=user_a, password=PASSWORD)

    with connection.cursor():
        connection.check_constraints()


def test_the_user_cannot_log_in_afterwards(client, world, user_a):
    assert client.login(username=user_a.username, password=PASSWORD)
    client.logout()

    account_erase(user=user_a, password=PASSWORD)

    assert not client.login(username=user_a.username, password=PASSWORD)
    response = client.post(reverse("account_login"), {"login": user_a.email, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert not response.wsgi_request.user.is_authenticated


def test_erasing_in_the_portal_ends_the_sessions(client, world, user_a):
    other_device = type(client)()
    other_device.force_login(user_a)
    client.force_login(user_a)

    response = client.post(reverse("portal:account-erase"), {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 200
    assert "portal/privacy/erased.html" in [t.name for t in response.templates]
    assert not get_user_model().objects.filter(pk=user_a.pk).exists()
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user_a.pk)]
    assert other_device.get(reverse("portal:start")).status_code == 302  # to the login


def test_a_wrong_password_erases_nothing(client_a, user_a, person_a):
    response = client_a.post(reverse("portal:account-erase"), {"password": "falsch", "confirm": "on"})

    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert get_user_model().objects.filter(pk=user_a.pk).exists()
    assert Contact.objects.filter(pk=person_a.pk).exists()


def test_erasure_needs_the_confirmation(client_a, user_a):
    response = client_a.post(reverse("portal:account-erase"), {"password": PASSWORD})

    assert response.status_code == 200
    assert response.context["form"].errors["confirm"]
    assert get_user_model().objects.filter(pk=user_a.pk).exists()


def test_staff_accounts_are_not_erased_in_the_portal(staff_client, staff_user):
    page = staff_client.get(reverse("portal:account-erase"))
    response = staff_client.post(reverse("portal:account-erase"), {"password": "x", "confirm": "on"})

    assert page.status_code == 200
    assert "form" not in page.context
    assert response.status_code == 403
    assert get_user_model().objects.filter(pk=staff_user.pk).exists()
    with pytest.raises(PermissionDenied):
        account_erase(user=staff_user, password="x")


def test_only_the_users_own_person_records_are_erased(world, user_a, organisation_a, organisation_b):
    colleague = factories.ContactFactory(organisation=organisation_a, last_name="Kollegin")
    namesake = factories.ContactFactory(organisation=organisation_b, email=user_a.email)  # not represented

    account_erase(user=user_a, password=PASSWORD)

    assert set(Contact.objects.values_list("pk", flat=True)) >= {colleague.pk, namesake.pk}


def test_the_last_administrator_leaving_tells_staff(
    user_a, organisation_a, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    editor = factories.RepresentativeFactory(organisation=organisation_a, role=RepresentativeRole.EDITOR)

    with django_capture_on_commit_callbacks(execute=True):
        result = account_erase(user=user_a, password=PASSWORD)

    assert result.organisations_without_administrator == [organisation_a]
    assert [mail.to for mail in mailoutbox] == [[staff_user.email]]
    assert organisation_a.name in mailoutbox[0].body
    editor.refresh_from_db()
    assert editor.role == RepresentativeRole.EDITOR  # nobody is made administrator without a decision


def test_no_staff_mail_when_another_administrator_remains(
    user_a, organisation_a, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    factories.RepresentativeFactory(organisation=organisation_a, administrator=True)

    with django_capture_on_commit_callbacks(execute=True):
        result = account_erase(user=user_a, password=PASSWORD)

    assert result.organisations_without_administrator == []
    assert mailoutbox == []


def test_a_wrong_password_raises_in_the_service(user_a):
    with pytest.raises(ValidationError):
        account_erase(user=user_a, password="")

    assert get_user_model().objects.filter(pk=user_a.pk).exists()


def test_erasure_leaves_other_users_alone(world, user_a, organisation_a):
    other = factories.RepresentativeFactory(organisation=organisation_a)

    account_erase(user=user_a, password=PASSWORD)

    assert Representative.objects.filter(pk=other.pk).exists()
    assert EmailAddress.objects.filter(user=other.user).exists()
