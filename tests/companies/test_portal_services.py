"""The portal's write paths (companies.services.representatives) and duplicate detection."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from companies.choices import RepresentationState, RepresentativeRole, VerificationState
from companies.models.organisations import Organisation
from companies.models.representatives import Representative
from companies.selectors import normalised_name, organisation_duplicates, website_domain
from companies.services import representatives as representatives_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _data(**overrides) -> dict:
    data = {
        "name": "Kältetechnik Pirna GmbH",
        "kind": "company",
        "legal_form": "gmbh",
        "city": "Pirna",
        "postal_code": "01796",
        "country": "DE",
        "website": "https://kaeltetechnik-pirna.example.de",
    }
    data.update(overrides)
    return data


def image_upload(fmt="PNG", size=(64, 32), name=None, **save) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt, **save)
    extension = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}[fmt]
    return SimpleUploadedFile(name or f"logo.{extension}", buffer.getvalue(), content_type="image/png")


# --- registering an organisation ----------------------------------------------------------------------


def test_register_creates_a_self_registered_organisation_with_the_user_as_administrator():
    user = factories.CompanyUserFactory()
    sector = factories.SectorFactory(code="28.99")

    organisation = representatives_services.organisation_register(user=user, data=_data(), sectors=[sector])

    assert organisation.verification_state == VerificationState.SELF_REGISTERED
    assert organisation.verified_at is None
    assert list(organisation.sectors.all()) == [sector]
    representative = Representative.objects.get(organisation=organisation)
    assert (representative.user, representative.role, representative.state) == (
        user,
        RepresentativeRole.ADMINISTRATOR,
        RepresentationState.APPROVED,
    )
    assert organisation.history.first().history_user == user


@pytest.mark.parametrize(
    "field", ["verification_state", "verified_by", "corporate_group", "matchmaking_opt_out", "rejection_reason"]
)
def test_register_refuses_staff_only_fields(field):
    with pytest.raises(ValidationError):
        representatives_services.organisation_register(user=factories.CompanyUserFactory(), data=_data(**{field: "x"}))

    assert not Organisation.objects.exists()


def test_register_validates_the_data():
    with pytest.raises(ValidationError) as caught:
        representatives_services.organisation_register(
            user=factories.CompanyUserFactory(), data=_data(postal_code="123")
        )

    assert "postal_code" in caught.value.error_dict
    assert not Organisation.objects.exists()


def test_same_vat_id_in_another_spelling_is_a_certain_duplicate_that_cannot_be_overruled():
    existing = factories.OrganisationFactory(vat_id="DE123456789")

    with pytest.raises(representatives_services.DuplicateOrganisation) as caught:
        representatives_services.organisation_register(
            user=factories.CompanyUserFactory(), data=_data(vat_id="de 123456789"), not_a_duplicate=True
        )

    assert [(c.organisation, c.certain) for c in caught.value.candidates] == [(existing, True)]
    assert Organisation.objects.count() == 1


def test_same_register_entry_in_another_spelling_is_a_certain_duplicate():
    existing = factories.OrganisationFactory(register_court="Amtsgericht Leipzig", register_number="HRB 12345")

    candidates = organisation_duplicates(name="Ganz anders", register_court="Leipzig", register_number="HRB12345")

    assert [(c.organisation, c.certain) for c in candidates] == [(existing, True)]


def test_same_register_number_at_another_court_is_no_duplicate():
    factories.OrganisationFactory(register_court="Amtsgericht Leipzig", register_number="HRB 12345")

    assert organisation_duplicates(register_court="Amtsgericht Dresden", register_number="HRB 12345") == []


def test_same_website_domain_is_offered_and_can_be_overruled():
    existing = factories.OrganisationFactory(website="https://www.kaeltetechnik-pirna.example.de/impressum")
    user = factories.CompanyUserFactory()

    with pytest.raises(representatives_services.DuplicateOrganisation) as caught:
        representatives_services.organisation_register(user=user, data=_data(name="Völlig Anders AG"))
    assert [(c.organisation, c.certain) for c in caught.value.candidates] == [(existing, False)]

    organisation = representatives_services.organisation_register(
        user=user, data=_data(name="Völlig Anders AG"), not_a_duplicate=True
    )
    assert organisation.pk != existing.pk


def test_similar_name_is_offered():
    existing = factories.OrganisationFactory(name="Müller Sensorik GmbH & Co. KG", website="")

    with translation.override("en"):
        candidates = organisation_duplicates(name="Mueller-Sensorik GmbH")

    assert [(c.organisation, c.reasons, c.certain) for c in candidates] == [(existing, ["similar name"], False)]


def test_different_names_are_not_offered():
    factories.OrganisationFactory(name="Müller Sensorik GmbH", website="")

    assert organisation_duplicates(name="Sensorik Chemnitz GmbH") == []


def test_rejected_registrations_are_not_offered():
    factories.OrganisationFactory(name="Müller Sensorik GmbH", website="", rejected=True)

    assert organisation_duplicates(name="Müller Sensorik GmbH") == []


def test_name_and_domain_normalisation():
    assert normalised_name("Müller Sensorik GmbH & Co. KG") == "muller sensorik"
    assert website_domain("www.Firma.example.de/kontakt") == "firma.example.de"
    assert website_domain("") == ""


@pytest.mark.parametrize(
    ("typed", "domain"),
    [
        (" example.com ", "example.com"),
        ("//example.com", "example.com"),
        ("https://WWW.Example.com/kontakt?x=1", "example.com"),
        ("http://example.com.", "example.com"),
        ("example.com:8080/path", "example.com"),
        ("ftp://files.example.com", "files.example.com"),
        ("   ", ""),
        ("https://", ""),
        ("http://[::1", ""),
    ],
)
def test_website_domain_takes_a_website_as_people_type_it(typed, domain):
    assert website_domain(typed) == domain


# --- join requests ---------------------------------------------------------------------------------------


def test_join_request_is_recorded_and_the_administrators_are_told(mailoutbox, django_capture_on_commit_callbacks):
    administrator = factories.RepresentativeFactory(administrator=True)
    user = factories.CompanyUserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        representative = representatives_services.representation_request(
            user=user, organisation=administrator.organisation, message="Vertrieb"
        )

    assert representative.state == RepresentationState.REQUESTED
    assert representative.message == "Vertrieb"
    assert [mail.to for mail in mailoutbox] == [[administrator.user.email]]


def test_join_request_twice_is_refused():
    organisation = factories.OrganisationFactory()
    user = factories.CompanyUserFactory()
    representatives_services.representation_request(user=user, organisation=organisation)

    with pytest.raises(ValidationError):
        representatives_services.representation_request(user=user, organisation=organisation)

    assert Representative.objects.filter(user=user).count() == 1


def test_a_declined_request_can_be_made_again():
    declined = factories.RepresentativeFactory(declined=True)

    representative = representatives_services.representation_request(
        user=declined.user, organisation=declined.organisation
    )

    assert representative.pk == declined.pk
    assert representative.state == RepresentationState.REQUESTED
    assert representative.decided_at is None


def test_nobody_joins_a_rejected_registration():
    with pytest.raises(ValidationError):
        representatives_services.representation_request(
            user=factories.CompanyUserFactory(), organisation=factories.OrganisationFactory(rejected=True)
        )

    assert not Representative.objects.exists()


def test_an_administrator_approves_and_the_requester_is_told(mailoutbox, django_capture_on_commit_callbacks):
    administrator = factories.RepresentativeFactory(administrator=True)
    request = factories.RepresentativeFactory(requested=True, organisation=administrator.organisation)

    with django_capture_on_commit_callbacks(execute=True):
        assert representatives_services.representation_approve(representative=request, user=administrator.user) is True

    request.refresh_from_db()
    assert (request.state, request.role, request.decided_by) == (
        RepresentationState.APPROVED,
        RepresentativeRole.EDITOR,
        administrator.user,
    )
    assert request.decided_at is not None
    assert [mail.to for mail in mailoutbox] == [[request.user.email]]


def test_an_administrator_declines():
    administrator = factories.RepresentativeFactory(administrator=True)
    request = factories.RepresentativeFactory(requested=True, organisation=administrator.organisation)

    representatives_services.representation_decline(representative=request, user=administrator.user)

    request.refresh_from_db()
    assert request.state == RepresentationState.DECLINED


@pytest.mark.parametrize("who", ["editor", "administrator_of_another", "requester", "stranger"])
def test_others_cannot_decide(who):
    request = factories.RepresentativeFactory(requested=True)
    factories.RepresentativeFactory(administrator=True, organisation=request.organisation)
    user = {
        "editor": lambda: factories.RepresentativeFactory(organisation=request.organisation).user,
        "administrator_of_another": lambda: factories.RepresentativeFactory(administrator=True).user,
        "requester": lambda: request.user,
        "stranger": factories.CompanyUserFactory,
    }[who]()

    with pytest.raises(PermissionDenied):
        representatives_services.representation_approve(representative=request, user=user)

    request.refresh_from_db()
    assert request.state == RepresentationState.REQUESTED


def test_staff_decide_and_the_first_representative_becomes_administrator(staff_user):
    request = factories.RepresentativeFactory(requested=True)

    representatives_services.representation_approve(representative=request, user=staff_user)

    request.refresh_from_db()
    assert (request.state, request.role) == (RepresentationState.APPROVED, RepresentativeRole.ADMINISTRATOR)


def test_a_decided_request_is_not_decided_again(staff_user):
    request = factories.RepresentativeFactory(declined=True)

    with pytest.raises(ValidationError):
        representatives_services.representation_approve(representative=request, user=staff_user)


# --- the profile ---------------------------------------------------------------------------------------


def test_a_representative_changes_the_profile():
    representative = factories.RepresentativeFactory()
    field = factories.TechnologyFieldFactory(slug="logistik")

    representatives_services.organisation_profile_update(
        organisation=representative.organisation,
        user=representative.user,
        data={"description_en": "Cold chains.", "employee_band": "50-249"},
        technology_fields=[field],
    )

    organisation = Organisation.objects.get(pk=representative.organisation.pk)
    assert (organisation.description_en, organisation.employee_band) == ("Cold chains.", "50-249")
    assert list(organisation.technology_fields.all()) == [field]


def test_the_identity_of_a_verified_organisation_is_staff_business():
    representative = factories.RepresentativeFactory(organisation__name="Alt GmbH")

    with pytest.raises(ValidationError):
        representatives_services.organisation_profile_update(
            organisation=representative.organisation, user=representative.user, data={"name": "Neu GmbH"}
        )

    assert Organisation.objects.get(pk=representative.organisation.pk).name == "Alt GmbH"


def test_the_identity_of_an_unverified_organisation_can_be_corrected():
    representative = factories.RepresentativeFactory(organisation__self_registered=True)

    representatives_services.organisation_profile_update(
        organisation=representative.organisation, user=representative.user, data={"name": "Neu GmbH"}
    )

    assert Organisation.objects.get(pk=representative.organisation.pk).name == "Neu GmbH"


@pytest.mark.parametrize("field", ["verification_state", "corporate_group", "matchmaking_opt_out", "verified_at"])
def test_staff_only_fields_cannot_be_changed(field):
    representative = factories.RepresentativeFactory(organisation__self_registered=True)

    with pytest.raises(ValidationError):
        representatives_services.organisation_profile_update(
            organisation=representative.organisation, user=representative.user, data={field: "verified"}
        )

    assert Organisation.objects.get(pk=representative.organisation.pk).verification_state == "self_registered"


@pytest.mark.parametrize("state", ["requested", "declined"])
def test_only_approved_representatives_change_the_profile(state):
    representative = factories.RepresentativeFactory(**{state: True})

    with pytest.raises(PermissionDenied):
        representatives_services.organisation_profile_update(
            organisation=representative.organisation, user=representative.user, data={"description_en": "x"}
        )

    assert Organisation.objects.get(pk=representative.organisation.pk).description_en == ""


# --- the logo ---------------------------------------------------------------------------------------------


def _set_logo(upload):
    representative = factories.RepresentativeFactory()
    representatives_services.organisation_logo_set(
        organisation=representative.organisation, user=representative.user, upload=upload
    )
    return Organisation.objects.get(pk=representative.organisation.pk)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_logo_is_re_encoded_in_its_format_under_a_generated_name(fmt, tmp_path):
    organisation = _set_logo(image_upload(fmt, name="../../mein logo.html"))

    assert organisation.logo.name.startswith("logos/")
    assert "mein" not in organisation.logo.name and ".." not in organisation.logo.name
    stored = tmp_path / organisation.logo.name
    with Image.open(stored) as image:
        assert image.format == fmt
        assert image.size == (64, 32)


def test_re_encoding_strips_metadata_and_appended_data():
    exif = Image.Exif()
    exif[0x010E] = "Geheime Beschreibung"  # ImageDescription
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "blue").save(buffer, "JPEG", exif=exif.tobytes())
    payload = b"<html><script>alert(1)</script></html>"
    upload = SimpleUploadedFile("logo.jpg", buffer.getvalue() + payload)

    organisation = _set_logo(upload)

    data = organisation.logo.read()
    assert payload not in data
    assert b"Geheime Beschreibung" not in data


def test_large_logos_are_scaled_down():
    organisation = _set_logo(image_upload("PNG", size=(3000, 1500)))

    with Image.open(organisation.logo.path) as image:
        assert image.size == (1024, 512)


def test_a_new_logo_replaces_the_old_file(django_capture_on_commit_callbacks, tmp_path):
    representative = factories.RepresentativeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        representatives_services.organisation_logo_set(
            organisation=representative.organisation, user=representative.user, upload=image_upload()
        )
    first = Organisation.objects.get(pk=representative.organisation.pk).logo.name
    with django_capture_on_commit_callbacks(execute=True):
        representatives_services.organisation_logo_set(
            organisation=representative.organisation, user=representative.user, upload=image_upload("JPEG")
        )

    assert not (tmp_path / first).exists()
    assert [p.name for p in (tmp_path / "logos").iterdir()] == [
        Organisation.objects.get(pk=representative.organisation.pk).logo.name.removeprefix("logos/")
    ]


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(SimpleUploadedFile("logo.png", b"Nur Text, kein Bild.\n" * 10), id="text-renamed-png"),
        pytest.param(SimpleUploadedFile("logo.pdf", b"%PDF-1.4\n%%EOF\n"), id="pdf"),
        pytest.param(image_upload("GIF", name="logo.png"), id="gif-renamed-png"),
        pytest.param(SimpleUploadedFile("logo.png", image_upload().read()[:60]), id="truncated-png"),
        pytest.param(image_upload("PNG", size=(4001, 10)), id="too-many-pixels"),
        pytest.param(SimpleUploadedFile("logo.png", image_upload().read() + b"\0" * (2 * 1024 * 1024)), id="over-2-mb"),
    ],
)
def test_bad_logos_are_refused_and_nothing_is_stored(upload, tmp_path):
    representative = factories.RepresentativeFactory()

    with pytest.raises(ValidationError) as caught:
        representatives_services.organisation_logo_set(
            organisation=representative.organisation, user=representative.user, upload=upload
        )

    assert "logo" in caught.value.error_dict
    assert not Organisation.objects.get(pk=representative.organisation.pk).logo
    assert not (tmp_path / "logos").exists() or not any((tmp_path / "logos").iterdir())


def test_a_decompression_bomb_is_refused_before_decoding():
    # A small file declaring a huge canvas: refused on the header, the pixels are never decoded.
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 2 * 1024 * 1024

    with pytest.raises(ValidationError):
        _set_logo(SimpleUploadedFile("bomb.png", buffer.getvalue()))


def test_removing_the_logo(django_capture_on_commit_callbacks, tmp_path):
    organisation = _set_logo(image_upload())
    name = organisation.logo.name
    representative = organisation.representatives.get()

    with django_capture_on_commit_callbacks(execute=True):
        assert (
            representatives_services.organisation_logo_remove(organisation=organisation, user=representative.user)
            is True
        )

    assert not Organisation.objects.get(pk=organisation.pk).logo
    assert not (tmp_path / name).exists()
