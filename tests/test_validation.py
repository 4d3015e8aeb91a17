"""What companies and partners type is checked by the model fields (wfs_portal.fields), so the portal,
the admin, the API and the services refuse the same input on the field it belongs to: VAT IDs in the
format of their country (VIES), phone numbers that can be dialled (stored in international format,
German ones accepted in national form), and a length limit on every free text a company or partner
writes."""

import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from fairs.models import BoothRegistration
from matchmaking.models.introductions import ContactRequest
from tests import factories
from tests.api import key_client
from wfs_portal.fields import BoundedTextField
from wfs_portal.validators import (
    normalise_phone_number,
    normalise_vat_id,
    validate_phone_number,
    validate_vat_id,
)

# --- the validators ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "DE123456789",
        "ATU12345678",
        "BE0123456789",
        "CZ12345678",
        "CZ1234567890",
        "DK12345678",
        "EL123456789",
        "ESX1234567X",
        "ES12345678Z",
        "FI12345678",
        "FRXX123456789",
        "FR12345678901",
        "HU12345678",
        "IE1234567WA",
        "IE1A23456B",
        "IT12345678901",
        "NL123456789B01",
        "PL1234567890",
        "SE123456789001",
        "SK1234567890",
        "XI123456789",
        "CHE123456789",
        "",
    ],
)
def test_vat_ids_in_their_countrys_format_pass(value):
    validate_vat_id(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("DE12", "vat_id_format"),
        ("DE1234567890", "vat_id_format"),
        ("AT12345678", "vat_id_format"),  # Austria's numbers begin with U
        ("NL123456789", "vat_id_format"),
        ("FRIO123456789", "vat_id_format"),  # no I or O in the French key
        ("SE123456789000", "vat_id_format"),
        ("US123456789", "vat_id_prefix"),
        ("123456789", "vat_id_prefix"),
    ],
)
def test_vat_ids_in_another_format_are_refused(value, code):
    with pytest.raises(ValidationError) as refused:
        validate_vat_id(value)

    assert refused.value.code == code


def test_the_message_names_the_country_and_an_example():
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            validate_vat_id("DE12")
        # The message is translated when it is read: in the reader's language.
        assert refused.value.messages == [
            "This is not a VAT ID of the form used in Germany; it should look like DE123456789."
        ]


def test_vat_ids_are_stored_without_spaces_in_upper_case():
    assert normalise_vat_id("de 123.456-789") == "DE123456789"
    assert normalise_vat_id("GR123456789") == "EL123456789"  # Greece's VAT prefix is EL


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0351 1234567", "+49 351 1234567"),
        ("(0351) 12 34 567", "+49 351 1234567"),
        ("+49 351 2138 0", "+49 351 21380"),
        ("0049 341 123456", "+49 341 123456"),
        ("+43 1 5880 0", "+43 1 58800"),
    ],
)
def test_phone_numbers_are_stored_in_international_format(typed, stored):
    validate_phone_number(typed)

    assert normalise_phone_number(typed) == stored


@pytest.mark.parametrize("value", ["abc", "123", "+49 351", "0351 1234567 890 12345", "+99 123456"])
def test_phone_numbers_that_cannot_be_dialled_are_refused(value):
    with pytest.raises(ValidationError) as refused:
        validate_phone_number(value)

    assert refused.value.code == "phone_number"
    assert normalise_phone_number(value) == value.strip()


# --- the models: every way in ----------------------------------------------------------------------------------

# Free texts that only staff write (in the admin) or the system; everything else that companies and
# partners write has a limit.
STAFF_TEXTS = {
    ("companies", "technologyfield", "description_de"),
    ("companies", "technologyfield", "description_en"),
    ("companies", "organisation", "rejection_reason"),
    ("companies", "cluster", "description_de"),
    ("companies", "cluster", "description_en"),
    ("matchmaking", "matchgeneration", "error"),
    ("fairs", "tradefair", "description_de"),
    ("fairs", "tradefair", "description_en"),
    ("fairs", "jointbooth", "notes"),
    ("fairs", "boothregistration", "notes"),
    ("delegations", "delegation", "description"),
    ("delegations", "delegationparticipant", "notes"),
    ("delegations", "programmeitem", "description"),
    ("projects", "workshop", "challenge_de"),
    ("projects", "workshop", "challenge_en"),
    ("projects", "workshopsession", "agenda"),
    ("projects", "workshopsession", "minutes"),
    ("projects", "investmentproject", "lost_reason"),
    ("projects", "investmentproject", "notes"),
    ("projects", "investmentmilestone", "note"),
}


def _free_texts():
    for app in ("companies", "matchmaking", "fairs", "delegations", "projects"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical"):
                continue
            for field in model._meta.get_fields():
                if isinstance(field, models.TextField):
                    yield model, field


def test_every_free_text_of_a_company_or_partner_has_a_limit():
    texts = {(model._meta.app_label, model._meta.model_name, field.name): field for model, field in _free_texts()}
    unlimited = sorted(key for key, field in texts.items() if not isinstance(field, BoundedTextField))

    assert unlimited == sorted(STAFF_TEXTS)


@pytest.mark.parametrize(
    ("model", "field", "limit"),
    [
        (Organisation, "description_de", 5000),
        (Organisation, "description_en", 5000),
        (PartneringProfile, "summary_de", 2000),
        (PartneringProfile, "partner_sought_en", 2000),
        (ContactRequest, "message", 1000),
        (BoothRegistration, "products", 2000),
        (BoothRegistration, "co_exhibitors", 2000),
    ],
)
def test_model_validation_enforces_the_limit(model, field, limit):
    instance = model(**{field: "x" * (limit + 1)})

    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            instance.clean_fields(exclude=[f.name for f in model._meta.fields if f.name != field])
        assert refused.value.message_dict[field] == [
            f"Please shorten this text to at most {limit:,} characters (it has {limit + 1:,})."
        ]
    instance.__dict__[field] = "x" * limit
    instance.clean_fields(exclude=[f.name for f in model._meta.fields if f.name != field])


@pytest.mark.django_db
def test_the_organisation_record_stores_the_normalised_spelling():
    organisation = factories.OrganisationFactory.build(vat_id="de 123 456 789", phone="0351 1234567")

    organisation.full_clean(validate_unique=False, validate_constraints=False)

    assert (organisation.vat_id, organisation.phone) == ("DE123456789", "+49 351 1234567")


# --- the portal ---------------------------------------------------------------------------------------------


def _registration(**overrides) -> dict:
    return {
        "name": "Kältetechnik Pirna GmbH",
        "kind": "company",
        "legal_form": "gmbh",
        "city": "Pirna",
        "postal_code": "01796",
        "country": "DE",
        "website": "kaeltetechnik-pirna.example.de",
        **overrides,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("vat_id", "DE12"), ("phone", "abc"), ("description_de", "x" * 5001), ("description_en", "y" * 192_000)],
)
def test_the_portal_shows_the_error_on_its_field(client, field, value):
    client.force_login(factories.CompanyUserFactory())

    response = client.post(reverse("portal:organisation-register"), _registration(**{field: value}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_the_portal_stores_a_german_number_typed_in_national_form(client):
    client.force_login(factories.CompanyUserFactory())

    response = client.post(
        reverse("portal:organisation-register"), _registration(phone="0351 1234567", vat_id="de 123456789")
    )

    assert response.status_code == 302
    organisation = Organisation.objects.get()
    assert (organisation.phone, organisation.vat_id) == ("+49 351 1234567", "DE123456789")


@pytest.mark.django_db
def test_the_portal_refuses_a_too_long_profile_summary(client_a):
    response = client_a.post(
        reverse("portal:profile-create"),
        {"type": "technology_offer", "title_de": "Sensoren", "summary_de": "x" * 192_000, "target_countries": []},
    )

    assert response.status_code == 200
    assert "summary_de" in response.context["form"].errors
    assert not PartneringProfile.objects.exists()


@pytest.mark.django_db
def test_the_textarea_tells_the_browser_the_limit(client_a, organisation_a):
    page = client_a.get(reverse("portal:organisation-edit", args=[organisation_a.pk])).content.decode()

    assert 'maxlength="5000"' in page


# --- the admin ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("vat_id", "DE12"), ("phone", "abc"), ("description_de", "x" * 192_000)])
def test_the_admin_form_shows_the_error_on_its_field(staff_user, field, value):
    organisation = factories.OrganisationFactory()
    model_admin = admin.site._registry[Organisation]
    request = RequestFactory().post("/")
    request.user = staff_user
    form_class = model_admin.get_form(request, organisation, change=True)
    data = {**model_to_dict(organisation, fields=form_class.base_fields), field: value}
    data = {key: value for key, value in data.items() if value is not None}

    form = form_class(data=data, instance=organisation)

    assert not form.is_valid()
    assert field in form.errors


@pytest.mark.django_db
def test_the_admin_form_normalises_a_phone_number(staff_user):
    organisation = factories.OrganisationFactory()
    model_admin = admin.site._registry[Organisation]
    request = RequestFactory().post("/")
    request.user = staff_user
    form_class = model_admin.get_form(request, organisation, change=True)
    data = {**model_to_dict(organisation, fields=form_class.base_fields), "phone": "0341 123456"}
    data = {key: value for key, value in data.items() if value is not None}

    form = form_class(data=data, instance=organisation)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == "+49 341 123456"


# --- the API ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_refuses_a_too_long_text_on_its_field():
    client = key_client("registrations:write")
    cluster = factories.ClusterFactory(managing_organisation=client.api_key.organisation)
    member = factories.ClusterMembershipFactory(cluster=cluster).organisation
    booth = factories.JointBoothFactory()

    response = client.post(
        reverse("v1:booth-registration-list"),
        {"booth": booth.pk, "organisation": member.pk, "requested_area_m2": "12.00", "products": "x" * 140_000},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["products"]
    assert not BoothRegistration.objects.exists()


@pytest.mark.django_db
def test_a_member_sync_row_with_a_bad_vat_id_is_an_error_of_that_row():
    client = key_client("members:write")
    cluster = factories.ClusterFactory(managing_organisation=client.api_key.organisation)
    row = {"name": "Neue Biotech GmbH", "kind": "company", "city": "Leipzig", "vat_id": "DE12"}

    response = client.post(reverse("v1:member-list-sync", args=[cluster.pk]), {"members": [row]}, format="json")

    assert response.status_code == 400
    assert "vat_id" in response.json()["rows"][0]["errors"]
    assert not Organisation.objects.filter(name="Neue Biotech GmbH").exists()


@pytest.mark.django_db
def test_a_refused_member_sync_sent_again_with_its_idempotency_key_gets_the_same_answer():
    """The refusal is kept for the key (wfs_portal.idempotency) with its message as the client read
    it: a lazily translated text is stored as its text, not as an object the database cannot hold."""
    client = key_client("members:write")
    cluster = factories.ClusterFactory(managing_organisation=client.api_key.organisation)
    url = reverse("v1:member-list-sync", args=[cluster.pk])
    headers = {"HTTP_IDEMPOTENCY_KEY": "sync-1", "HTTP_IF_MATCH": '"a-version-read-long-ago"'}

    first = client.post(url, {"members": []}, format="json", **headers)
    second = client.post(url, {"members": []}, format="json", **headers)

    assert first.status_code == second.status_code == 412
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"


# --- values stored before the checks -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_respells_stored_phone_numbers_and_vat_ids():
    import importlib

    normalise = importlib.import_module("companies.migrations.0011_normalise_stored_phones_and_vat_ids").normalise
    organisation = factories.OrganisationFactory()
    contact = factories.ContactFactory(organisation=organisation)
    # As stored before the fields checked and respelt them (an update bypasses the fields).
    Organisation.objects.filter(pk=organisation.pk).update(phone="0351 1234567", vat_id="de 123.456.789")
    Contact.objects.filter(pk=contact.pk).update(phone="abc")

    class Editor:
        connection = connection

    normalise(apps, Editor())

    organisation.refresh_from_db()
    contact.refresh_from_db()
    assert (organisation.phone, organisation.vat_id) == ("+49 351 1234567", "DE123456789")
    assert contact.phone == "abc"  # unreadable: left for staff, listed by check_stored_values


@pytest.mark.django_db
def test_check_stored_values_lists_what_the_checks_refuse():
    organisation = factories.OrganisationFactory(name="Altbestand GmbH")
    Organisation.objects.filter(pk=organisation.pk).update(vat_id="DE12", description_de="x" * 5001)
    out = io.StringIO()

    with pytest.raises(CommandError, match="2 stored value"):
        call_command("check_stored_values", stdout=out)

    lines = out.getvalue().splitlines()
    heading = f"companies.Organisation {organisation.pk} (Altbestand GmbH): "
    assert any(line.startswith(heading + "vat_id: This is not a VAT ID") for line in lines)
    assert any("description_de: Please shorten this text to at most 5,000 characters" in line for line in lines)


@pytest.mark.django_db
def test_check_stored_values_passes_clean_data():
    factories.OrganisationFactory()
    out = io.StringIO()

    call_command("check_stored_values", stdout=out)

    assert "pass the checks" in out.getvalue()
