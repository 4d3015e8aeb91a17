"""The staff admin: every registered model's pages load, the actions run through the services, form
validation shows errors instead of failing, and the language switch works."""

import csv
import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.messages import ERROR, SUCCESS, WARNING, get_messages
from django.contrib.sites.models import Site
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from brokerage.models.events import BrokerageEvent
from brokerage.models.meetings import Meeting, MeetingOutcome, PartnershipAgreement
from brokerage.models.participants import MeetingRequest, Participant
from companies.choices import OrganisationKind, ProfileState, VerificationState
from companies.models.api_keys import PartnerApiKey
from companies.models.classifications import Sector, TechnologyField
from companies.models.clusters import Cluster, ClusterMembership
from companies.models.contacts import ConsentRecord, Contact
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.models.representatives import Representative
from companies.models.reviews import ProfileReview
from delegations.models import Delegation, DelegationParticipant, ProgrammeItem
from fairs.models import BoothRegistration, JointBooth, TradeFair
from interests.models import ExpressionOfInterest, Follow
from matchmaking.models.generations import MatchGeneration
from matchmaking.models.introductions import ContactRequest
from matchmaking.models.matches import ComplementaryDivisions, Match, MatchExclusion, MatchFeedback, MatchOverride
from notifications.models import StaffAlert
from outbox.models import OutboxMessage
from projects.models import (
    InvestmentMilestone,
    InvestmentProject,
    Workshop,
    WorkshopJoinRequest,
    WorkshopParticipant,
    WorkshopSession,
)
from reports.models import Report
from tests import factories, factories_brokerage, factories_events, factories_interests, factories_webhooks
from tests.admin_forms import change_form_data, unchanged_post
from webhooks.models import WebhookDelivery, WebhookEndpoint
from wfs_portal.choices import RegistrationState

pytestmark = pytest.mark.django_db

# Every model registered in the admin and the factory that makes one. A model registered without an
# entry here fails test_admin_page_loads and test_every_registered_model_has_a_factory.
FACTORIES = {
    PartnerApiKey: factories.PartnerApiKeyFactory,
    Group: factories.GroupFactory,
    Site: factories.SiteFactory,
    User: factories.UserFactory,
    EmailAddress: factories.EmailAddressFactory,
    Authenticator: factories.AuthenticatorFactory,
    PeriodicTask: factories.PeriodicTaskFactory,
    ClockedSchedule: factories.ClockedScheduleFactory,
    CrontabSchedule: factories.CrontabScheduleFactory,
    SolarSchedule: factories.SolarScheduleFactory,
    IntervalSchedule: factories.IntervalScheduleFactory,
    Sector: factories.SectorFactory,
    TechnologyField: factories.TechnologyFieldFactory,
    Organisation: factories.OrganisationFactory,
    Cluster: factories.ClusterFactory,
    ClusterMembership: factories.ClusterMembershipFactory,
    Contact: factories.ContactFactory,
    ConsentRecord: factories.ConsentRecordFactory,
    PartneringProfile: factories.PartneringProfileFactory,
    Representative: factories.RepresentativeFactory,
    Workshop: factories.WorkshopFactory,
    WorkshopSession: factories.WorkshopSessionFactory,
    WorkshopParticipant: factories.WorkshopParticipantFactory,
    WorkshopJoinRequest: factories_events.WorkshopJoinRequestFactory,
    InvestmentProject: factories.InvestmentProjectFactory,
    InvestmentMilestone: factories.InvestmentMilestoneFactory,
    TradeFair: factories.TradeFairFactory,
    JointBooth: factories.JointBoothFactory,
    BoothRegistration: factories.BoothRegistrationFactory,
    Delegation: factories.DelegationFactory,
    DelegationParticipant: factories.DelegationParticipantFactory,
    ProgrammeItem: factories.ProgrammeItemFactory,
    MatchGeneration: factories.MatchGenerationFactory,
    Match: factories.MatchFactory,
    MatchOverride: factories.MatchOverrideFactory,
    MatchFeedback: factories.MatchFeedbackFactory,
    MatchExclusion: factories.MatchExclusionFactory,
    ContactRequest: factories.ContactRequestFactory,
    ComplementaryDivisions: factories.ComplementaryDivisionsFactory,
    Report: factories.ReportFactory,
    OutboxMessage: factories.OutboxMessageFactory,
    StaffAlert: factories.StaffAlertFactory,
    ProfileReview: factories_interests.ProfileReviewFactory,
    ExpressionOfInterest: factories_interests.ExpressionOfInterestFactory,
    Follow: factories_interests.FollowFactory,
    WebhookEndpoint: factories_webhooks.WebhookEndpointFactory,
    WebhookDelivery: factories_webhooks.WebhookDeliveryFactory,
    BrokerageEvent: factories_brokerage.BrokerageEventFactory,
    Participant: factories_brokerage.ParticipantFactory,
    MeetingRequest: factories_brokerage.MeetingRequestFactory,
    Meeting: factories_brokerage.MeetingFactory,
    MeetingOutcome: factories_brokerage.MeetingOutcomeFactory,
    PartnershipAgreement: factories_brokerage.PartnershipAgreementFactory,
}

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _label(model) -> str:
    return model._meta.label


def _url(model, page: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def _create(model):
    factory = FACTORIES.get(model)
    if factory is None:
        pytest.fail(f"{model._meta.label} is registered in the admin but has no factory in tests/test_admin.py")
    return factory()


def _messages(response) -> list[tuple[int, str]]:
    return [(message.level, str(message)) for message in get_messages(response.wsgi_request)]


def _inline_management_data(response) -> dict[str, str]:
    """The management form fields of every inline on an add/change page that has no inline rows yet."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        assert formset.initial_form_count() == 0, "the helper only handles pages without existing inline rows"
        data[f"{formset.prefix}-TOTAL_FORMS"] = "0"
        data[f"{formset.prefix}-INITIAL_FORMS"] = "0"
    return data


# --- every registered model ------------------------------------------------------------------


def test_every_registered_model_has_a_factory():
    missing = [_label(model) for model in REGISTERED if model not in FACTORIES]
    assert missing == []


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_admin_changelist_loads(staff_client, model):
    _create(model)

    assert staff_client.get(_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_admin_add_page_loads(staff_client, staff_user, model):
    _create(model)
    request = RequestFactory().get("/")
    request.user = staff_user
    # Reference data (the NACE classification) has no add page on purpose.
    expected = 200 if admin.site._registry[model].has_add_permission(request) else 403

    assert staff_client.get(_url(model, "add")).status_code == expected


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_admin_change_page_loads(staff_client, model):
    obj = _create(model)

    assert staff_client.get(_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_admin_changelist_search_loads(staff_client, model):
    _create(model)

    assert staff_client.get(_url(model, "changelist"), {"q": "x"}).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_admin_history_page_loads(staff_client, model):
    obj = _create(model)

    assert staff_client.get(_url(model, "history", obj.pk)).status_code == 200


def test_sector_add_page_is_forbidden(staff_client):
    assert staff_client.get(_url(Sector, "add")).status_code == 403


def test_changelist_search_finds_an_organisation_by_city(staff_client):
    factories.OrganisationFactory(name="Sensorik Chemnitz GmbH", city="Chemnitz")
    factories.OrganisationFactory(name="Logistik Leipzig GmbH", city="Leipzig")

    response = staff_client.get(_url(Organisation, "changelist"), {"q": "Chemnitz"})

    assert [obj.name for obj in response.context["cl"].result_list] == ["Sensorik Chemnitz GmbH"]


def test_history_page_shows_the_change_made_through_a_service(staff_client, staff_user):
    organisation = factories.OrganisationFactory(self_registered=True)
    staff_client.post(_url(Organisation, "changelist"), {"action": "verify", "_selected_action": [organisation.pk]})

    response = staff_client.get(_url(Organisation, "history", organisation.pk))

    assert staff_user.username in response.content.decode()


# --- organisation actions --------------------------------------------------------------------


def test_verify_action_verifies_the_selected_organisations(staff_client, staff_user):
    selected = factories.OrganisationFactory.create_batch(2, self_registered=True)
    other = factories.OrganisationFactory(self_registered=True)

    response = staff_client.post(
        _url(Organisation, "changelist"), {"action": "verify", "_selected_action": [o.pk for o in selected]}
    )

    assert response.status_code == 302
    assert set(
        Organisation.objects.filter(verification_state=VerificationState.VERIFIED).values_list("pk", "verified_by")
    ) == {(o.pk, staff_user.pk) for o in selected}
    other.refresh_from_db()
    assert other.verification_state == VerificationState.SELF_REGISTERED
    assert [level for level, _ in _messages(response)] == [SUCCESS]


def test_verify_action_on_verified_organisations_reports_nothing_changed(staff_client):
    organisation = factories.OrganisationFactory()

    response = staff_client.post(
        _url(Organisation, "changelist"), {"action": "verify", "_selected_action": [organisation.pk]}
    )

    assert response.status_code == 302
    assert organisation.history.count() == 1
    assert [level for level, _ in _messages(response)] == [WARNING]


def test_reject_action_first_asks_for_a_reason(staff_client):
    organisation = factories.OrganisationFactory(self_registered=True)

    response = staff_client.post(
        _url(Organisation, "changelist"), {"action": "reject", "_selected_action": [organisation.pk]}
    )

    assert response.status_code == 200
    assert "admin/companies/organisation/reject.html" in [t.name for t in response.templates]
    assert not response.context["form"].is_bound
    organisation.refresh_from_db()
    assert organisation.verification_state == VerificationState.SELF_REGISTERED


def test_reject_action_with_a_reason_rejects(staff_client):
    organisation = factories.OrganisationFactory(self_registered=True)

    response = staff_client.post(
        _url(Organisation, "changelist"),
        {"action": "reject", "_selected_action": [organisation.pk], "confirm": "1", "reason": "Kein Sitz in Sachsen"},
    )

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.verification_state == VerificationState.REJECTED
    assert organisation.rejection_reason == "Kein Sitz in Sachsen"


def test_reject_action_without_a_reason_shows_the_form_error_and_changes_nothing(staff_client):
    organisation = factories.OrganisationFactory(self_registered=True)

    response = staff_client.post(
        _url(Organisation, "changelist"),
        {"action": "reject", "_selected_action": [organisation.pk], "confirm": "1", "reason": ""},
    )

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    organisation.refresh_from_db()
    assert organisation.verification_state == VerificationState.SELF_REGISTERED
    assert organisation.rejection_reason == ""


def test_reject_action_on_a_verified_organisation_reports_an_error(staff_client):
    organisation = factories.OrganisationFactory()

    response = staff_client.post(
        _url(Organisation, "changelist"),
        {"action": "reject", "_selected_action": [organisation.pk], "confirm": "1", "reason": "Dublette"},
    )

    assert ERROR in [level for level, _ in _messages(response)]
    organisation.refresh_from_db()
    assert organisation.verification_state == VerificationState.VERIFIED


# --- registration actions --------------------------------------------------------------------


def test_confirm_action_beyond_capacity_reports_an_error_and_changes_nothing(staff_client):
    booth = factories.JointBoothFactory(capacity=1)
    factories.BoothRegistrationFactory(booth=booth, state=RegistrationState.CONFIRMED)
    waiting = factories.BoothRegistrationFactory(booth=booth)

    response = staff_client.post(
        _url(BoothRegistration, "changelist"), {"action": "confirm", "_selected_action": [waiting.pk]}
    )

    assert response.status_code == 302
    errors = [text for level, text in _messages(response) if level == ERROR]
    assert len(errors) == 1
    assert str(waiting.organisation) in errors[0]
    waiting.refresh_from_db()
    assert waiting.state == RegistrationState.APPLIED
    assert BoothRegistration.objects.filter(booth=booth, state=RegistrationState.CONFIRMED).count() == 1


def test_confirm_action_confirms_within_capacity(staff_client):
    registration = factories.BoothRegistrationFactory()

    response = staff_client.post(
        _url(BoothRegistration, "changelist"), {"action": "confirm", "_selected_action": [registration.pk]}
    )

    assert [level for level, _ in _messages(response)] == [SUCCESS]
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CONFIRMED


def test_confirm_action_on_delegation_participants_checks_capacity(staff_client):
    delegation = factories.DelegationFactory(capacity=1)
    factories.DelegationParticipantFactory(delegation=delegation, state=RegistrationState.CONFIRMED)
    waiting = factories.DelegationParticipantFactory(delegation=delegation)

    response = staff_client.post(
        _url(DelegationParticipant, "changelist"), {"action": "confirm", "_selected_action": [waiting.pk]}
    )

    assert ERROR in [level for level, _ in _messages(response)]
    waiting.refresh_from_db()
    assert waiting.state == RegistrationState.APPLIED


# --- CSV export ------------------------------------------------------------------------------


def test_export_action_downloads_the_selected_rows_as_csv(staff_client):
    selected = factories.OrganisationFactory(name="Exportiert GmbH")
    factories.OrganisationFactory(name="Nicht ausgewählt AG")

    response = staff_client.post(
        _url(Organisation, "changelist"), {"action": "export_admin_action", "_selected_action": [selected.pk]}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Readable for staff: German column names, choice labels instead of codes.
    assert [row["Name"] for row in rows] == ["Exportiert GmbH"]
    assert rows[0]["Art"] == "Unternehmen"
    assert rows[0]["Verifizierung"] == "Verifiziert"


# --- form validation -------------------------------------------------------------------------


def _organisation_form(staff_client, **fields) -> dict[str, str]:
    data = _inline_management_data(staff_client.get(_url(Organisation, "add")))
    data.update(
        {"name": "Neue Firma GmbH", "kind": OrganisationKind.COMPANY, "city": "Dresden", "country": "DE", **fields}
    )
    return data


def test_organisation_add_form_saves_a_valid_organisation(staff_client):
    response = staff_client.post(_url(Organisation, "add"), _organisation_form(staff_client, postal_code="01067"))

    assert response.status_code == 302
    assert Organisation.objects.get().postal_code == "01067"


def test_organisation_add_form_shows_the_postal_code_error_in_german(staff_client):
    message = "A German postal code has five digits."
    with translation.override("de"):
        german = translation.gettext(message)

    response = staff_client.post(_url(Organisation, "add"), _organisation_form(staff_client, postal_code="0106"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["postal_code"] == [german]
    assert not Organisation.objects.exists()
    assert german != message, "the message has no German translation (locale/de/LC_MESSAGES/django.po)"


def test_trade_fair_add_form_with_end_before_start_shows_the_constraint_message(staff_client):
    constraint = next(c for c in TradeFair._meta.constraints if c.name == "fairs_tradefair_end_not_before_start")
    data = _inline_management_data(staff_client.get(_url(TradeFair, "add")))
    data.update(
        {
            "name": "Arab Health",
            "city": "Dubai",
            "country": "AE",
            "start_date": "2026-01-26",
            "end_date": "2026-01-25",
            "programme_year": "2026",
        }
    )

    response = staff_client.post(_url(TradeFair, "add"), data)

    assert response.status_code == 200
    with translation.override("de"):
        assert str(constraint.violation_error_message) in response.context["adminform"].form.non_field_errors()
    assert not TradeFair.objects.exists()


def _booth_form(booth) -> dict[str, str]:
    return {
        "fair": str(booth.fair.pk),
        "title": booth.title,
        "hall": booth.hall,
        "stand": booth.stand,
        "total_area_m2": str(booth.total_area_m2),
        "capacity": str(booth.capacity),
        "fee_per_m2_with_construction": str(booth.fee_per_m2_with_construction),
        "fee_per_m2_without_construction": str(booth.fee_per_m2_without_construction),
        "registration_deadline": booth.registration_deadline.isoformat(),
        "state": booth.state,
        "notes": "",
    }


def _registration_row(index: int, organisation) -> dict[str, str]:
    prefix = f"registrations-{index}"
    return {
        f"{prefix}-organisation": str(organisation.pk),
        f"{prefix}-contact": "",
        f"{prefix}-requested_area_m2": "12.00",
        f"{prefix}-with_stand_construction": "on",
    }


def test_booth_inline_saves_two_registrations_of_different_organisations(staff_client):
    booth = factories.JointBoothFactory()
    data = _inline_management_data(staff_client.get(_url(JointBooth, "change", booth.pk)))
    data.update(_booth_form(booth))
    data.update(_registration_row(0, factories.OrganisationFactory()))
    data.update(_registration_row(1, factories.OrganisationFactory()))
    data["registrations-TOTAL_FORMS"] = "2"

    response = staff_client.post(_url(JointBooth, "change", booth.pk), data)

    assert response.status_code == 302
    assert booth.registrations.count() == 2


def test_booth_inline_with_the_same_organisation_twice_shows_an_error(staff_client):
    booth = factories.JointBoothFactory()
    organisation = factories.OrganisationFactory()
    data = _inline_management_data(staff_client.get(_url(JointBooth, "change", booth.pk)))
    data.update(_booth_form(booth))
    data.update(_registration_row(0, organisation))
    data.update(_registration_row(1, organisation))
    data["registrations-TOTAL_FORMS"] = "2"

    response = staff_client.post(_url(JointBooth, "change", booth.pk), data)

    assert response.status_code == 200
    assert response.context["errors"]
    assert not BoothRegistration.objects.exists()


def _trade_fair_with_booth_form(staff_client, registration_deadline: str) -> dict[str, str]:
    data = _inline_management_data(staff_client.get(_url(TradeFair, "add")))
    data.update(
        {
            "name": "Arab Health",
            "city": "Dubai",
            "country": "AE",
            "start_date": "2026-01-26",
            "end_date": "2026-01-29",
            "programme_year": "2026",
            "booths-TOTAL_FORMS": "1",
            "booths-0-title": "Sachsen live",
            "booths-0-total_area_m2": "100",
            "booths-0-capacity": "8",
            # Posted in case the inline offers the fees (a booth cannot be saved without them).
            "booths-0-fee_per_m2_with_construction": "250",
            "booths-0-fee_per_m2_without_construction": "150",
            "booths-0-registration_deadline": registration_deadline,
            "booths-0-state": "open",
        }
    )
    return data


def test_trade_fair_add_form_saves_a_joint_booth_entered_in_the_inline(staff_client):
    response = staff_client.post(_url(TradeFair, "add"), _trade_fair_with_booth_form(staff_client, "2025-11-30"))

    assert response.status_code == 302
    assert JointBooth.objects.get().fair == TradeFair.objects.get()


def test_trade_fair_add_form_with_a_booth_deadline_after_the_first_day_shows_an_error(staff_client):
    """JointBooth.clean() must also hold for a booth entered in the inline while the fair is added."""
    response = staff_client.post(_url(TradeFair, "add"), _trade_fair_with_booth_form(staff_client, "2026-02-01"))

    assert response.status_code == 200
    assert not TradeFair.objects.exists()
    assert not JointBooth.objects.exists()


def test_delegation_add_form_with_a_programme_item_outside_the_dates_shows_an_error(staff_client):
    """ProgrammeItem.clean() must also hold for an item entered in the inline while the trip is added."""
    data = _inline_management_data(staff_client.get(_url(Delegation, "add")))
    data.update(
        {
            "direction": "outbound",
            "title": "Unternehmerreise Vietnam",
            "countries": "VN",
            "start_date": "2026-04-10",
            "end_date": "2026-04-14",
            "state": "open",
            "programme-TOTAL_FORMS": "1",
            "programme-0-starts_at_0": "2026-05-01",
            "programme-0-starts_at_1": "10:00:00",
            "programme-0-title": "Empfang in der Botschaft",
        }
    )

    response = staff_client.post(_url(Delegation, "add"), data)

    assert response.status_code == 200
    assert not Delegation.objects.exists()
    assert not ProgrammeItem.objects.exists()


def test_organisation_inline_with_two_primary_contacts_shows_an_error(staff_client):
    data = _organisation_form(staff_client, postal_code="01067")
    for index, last_name in enumerate(["Schulze", "Neumann"]):
        data.update(
            {
                f"contacts-{index}-first_name": "Anna",
                f"contacts-{index}-last_name": last_name,
                f"contacts-{index}-language": "de",
                f"contacts-{index}-is_primary": "on",
            }
        )
    data["contacts-TOTAL_FORMS"] = "2"

    response = staff_client.post(_url(Organisation, "add"), data)

    assert response.status_code == 200
    assert not Organisation.objects.exists()


def test_delegation_inline_with_the_same_person_twice_shows_an_error(staff_client):
    delegation = factories.DelegationFactory()
    contact = factories.ContactFactory()
    data = _inline_management_data(staff_client.get(_url(Delegation, "change", delegation.pk)))
    data.update(
        {
            "direction": delegation.direction,
            "title": delegation.title,
            "countries": "VN",
            "cities": delegation.cities,
            "start_date": delegation.start_date.isoformat(),
            "end_date": delegation.end_date.isoformat(),
            "registration_deadline": delegation.registration_deadline.isoformat(),
            "state": delegation.state,
            "participants-TOTAL_FORMS": "2",
        }
    )
    for index in range(2):
        data.update(
            {
                f"participants-{index}-organisation": str(contact.organisation.pk),
                f"participants-{index}-contact": str(contact.pk),
                f"participants-{index}-role": "participant",
            }
        )

    response = staff_client.post(_url(Delegation, "change", delegation.pk), data)

    assert response.status_code == 200
    assert not DelegationParticipant.objects.exists()


# --- language ----------------------------------------------------------------------------------


def test_admin_index_is_german_by_default(staff_client):
    response = staff_client.get(reverse("admin:index"))

    assert response.context["LANGUAGE_CODE"] == "de"
    assert "Website-Verwaltung" in response.content.decode()


def test_language_switch_to_english(staff_client):
    response = staff_client.post(reverse("set_language"), {"language": "en", "next": reverse("admin:index")})
    assert response.status_code == 302

    response = staff_client.get(reverse("admin:index"))

    assert response.context["LANGUAGE_CODE"] == "en"
    assert "Site administration" in response.content.decode()


# --- rules involving read-only fields, and the last line of defence ----------------------------


def test_clearing_valid_until_of_a_published_profile_is_a_form_error(staff_client):
    profile = factories.PartneringProfileFactory(
        state=ProfileState.PUBLISHED,
        published_at=timezone.now(),
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    url = _url(PartneringProfile, "change", profile.pk)
    data = change_form_data(staff_client.get(url))
    data["valid_until"] = ""

    response = staff_client.post(url, data)

    assert response.status_code == 200  # the form again, with the rule's message
    assert response.context["adminform"].form.non_field_errors()
    profile.refresh_from_db()
    assert profile.valid_until is not None


def test_unverify_action_puts_an_organisation_back_into_the_queue(staff_client):
    organisation = factories.OrganisationFactory()

    response = staff_client.post(
        _url(Organisation, "changelist"), {"action": "unverify", "_selected_action": [organisation.pk]}
    )

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.verification_state == VerificationState.SELF_REGISTERED
    assert organisation.verified_at is None


def test_a_database_refusal_during_save_is_reported_not_a_server_error(staff_client, monkeypatch):
    """Two staff members saving at once can still collide in the database after the form checks
    passed: the user gets the constraint's message and the form again, and nothing is saved."""
    organisation = factories.OrganisationFactory(vat_id="DE123456789")
    other = factories.OrganisationFactory()
    url = _url(Organisation, "change", other.pk)
    data = unchanged_post(staff_client, url)

    def colliding_save(self, request, obj, form, change):
        # What a concurrent save of the same VAT ID looks like to this request.
        Organisation.objects.filter(pk=obj.pk).update(vat_id=organisation.vat_id)

    monkeypatch.setattr(type(admin.site._registry[Organisation]), "save_model", colliding_save)
    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert response["Location"] == url
    assert any(level == ERROR for level, _ in _messages(response))
    other.refresh_from_db()
    assert other.vat_id != "DE123456789"
