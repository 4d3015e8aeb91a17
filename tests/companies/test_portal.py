"""The self-service portal's pages: the start page and its empty state, registration with
duplicate detection, join requests and their decision, the organisation switcher, the profile
with its logo, and the permission matrix (anonymous, representative of A, representative of B,
staff): another organisation's id gives 404 and changes nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from companies.choices import RepresentationState, VerificationState
from companies.models.organisations import Organisation
from companies.models.representatives import Representative
from companies.portal import ACTIVE_ORGANISATION_SESSION_KEY
from companies.services.representatives import organisation_logo_set
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def organisation_a():
    return factories.OrganisationFactory(name="Alpha Medizintechnik GmbH", description_en="")


@pytest.fixture
def organisation_b():
    return factories.OrganisationFactory(name="Beta Logistik GmbH", description_en="Original")


def _png(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "PNG")
    return buffer.getvalue()


def _profile_post(organisation: Organisation, **overrides) -> dict:
    data = {
        "kind": organisation.kind,
        "website": organisation.website,
        "email": organisation.email,
        "phone": organisation.phone,
        "founded": organisation.founded or "",
        "employee_band": organisation.employee_band,
        "street": organisation.street,
        "postal_code": organisation.postal_code,
        "city": organisation.city,
        "district": organisation.district,
        "country": str(organisation.country),
        "description_de": organisation.description_de,
        "description_en": organisation.description_en,
    }
    data.update(overrides)
    return data


def _snapshot(organisation: Organisation) -> dict:
    fresh = Organisation.objects.get(pk=organisation.pk)
    return {
        **{f.attname: getattr(fresh, f.attname) for f in Organisation._meta.concrete_fields},
        "sectors": set(fresh.sectors.values_list("pk", flat=True)),
    }


# --- anonymous visitors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("portal:start", []),
        ("portal:organisation-register", []),
        ("portal:join-search", []),
        ("portal:join-request", [1]),
        ("portal:organisation-edit", [1]),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login(client, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


def test_anonymous_posts_change_nothing(client, organisation_a):
    before = _snapshot(organisation_a)

    response = client.post(reverse("portal:organisation-edit", args=[organisation_a.pk]), {"description_en": "x"})

    assert response.status_code == 302
    assert _snapshot(organisation_a) == before


# --- start page ------------------------------------------------------------------------------------------


def test_start_page_without_an_organisation_offers_to_register_or_join(client):
    client.force_login(factories.CompanyUserFactory())

    response = client.get(reverse("portal:start"))

    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("portal:organisation-register") in page
    assert reverse("portal:join-search") in page
    assert list(response.context["organisations"]) == []


def test_staff_who_represent_nobody_see_the_empty_state(staff_client):
    response = staff_client.get(reverse("portal:start"))

    assert response.status_code == 200
    assert list(response.context["organisations"]) == []


def test_start_page_lists_only_my_approved_organisations(client_a, organisation_a, representative_a, representative_b):
    pending = factories.RepresentativeFactory(requested=True, user=representative_a.user)

    response = client_a.get(reverse("portal:start"))

    assert list(response.context["organisations"]) == [organisation_a]
    assert list(response.context["my_requests"]) == [pending]
    assert "Beta Logistik" not in response.content.decode()


def test_start_page_shows_join_requests_to_decide(client_a, organisation_a, organisation_b):
    request = factories.RepresentativeFactory(requested=True, organisation=organisation_a, message="Einkauf")
    factories.RepresentativeFactory(requested=True, organisation=organisation_b)

    response = client_a.get(reverse("portal:start"))

    assert list(response.context["requests_to_decide"]) == [request]
    assert "Einkauf" in response.content.decode()


# --- switching organisations -----------------------------------------------------------------------------


def test_switching_to_another_of_my_organisations(client_a, representative_a, organisation_a):
    # A name after A's: the first in alphabetical order is the one a new session acts for.
    second = factories.RepresentativeFactory(
        user=representative_a.user, organisation=factories.OrganisationFactory(name="Zeta Sensorik GmbH")
    ).organisation
    assert client_a.get(reverse("portal:start")).context["active_organisation"] == organisation_a

    response = client_a.post(reverse("portal:switch"), {"organisation": second.pk})

    assert response.status_code == 302
    assert client_a.session[ACTIVE_ORGANISATION_SESSION_KEY] == second.pk
    assert client_a.get(reverse("portal:start")).context["active_organisation"] == second


def test_switching_to_a_foreign_organisation_gives_404(client_a, organisation_a, organisation_b):
    client_a.get(reverse("portal:start"))

    response = client_a.post(reverse("portal:switch"), {"organisation": organisation_b.pk})

    assert response.status_code == 404
    assert client_a.session[ACTIVE_ORGANISATION_SESSION_KEY] == organisation_a.pk


def test_the_active_organisation_is_checked_against_the_representations_on_every_request(
    client_a, representative_a, organisation_a
):
    second = factories.RepresentativeFactory(user=representative_a.user)
    client_a.post(reverse("portal:switch"), {"organisation": second.organisation.pk})
    second.delete()  # staff withdrew the approval

    response = client_a.get(reverse("portal:start"))

    assert response.context["active_organisation"] == organisation_a
    assert client_a.session[ACTIVE_ORGANISATION_SESSION_KEY] == organisation_a.pk


def test_switching_ignores_a_foreign_next_url(client_a, organisation_a):
    response = client_a.post(
        reverse("portal:switch"), {"organisation": organisation_a.pk, "next": "https://evil.example/"}
    )

    assert response.url == reverse("portal:start")


# --- registration ------------------------------------------------------------------------------------------


def _registration(**overrides) -> dict:
    data = {
        "name": "Kältetechnik Pirna GmbH",
        "kind": "company",
        "legal_form": "gmbh",
        "city": "Pirna",
        "postal_code": "01796",
        "country": "DE",
        "district": "saechsische_schweiz_osterzgebirge",
        "website": "kaeltetechnik-pirna.example.de",
    }
    data.update(overrides)
    return data


def test_registering_an_organisation(client):
    user = factories.CompanyUserFactory()
    client.force_login(user)
    sector = factories.SectorFactory(code="28.99")

    response = client.post(reverse("portal:organisation-register"), _registration(sectors=[sector.pk]))

    organisation = Organisation.objects.get(name="Kältetechnik Pirna GmbH")
    assert response.status_code == 302
    assert response.url == reverse("portal:organisation-edit", args=[organisation.pk])
    assert organisation.verification_state == VerificationState.SELF_REGISTERED
    assert organisation.website == "https://kaeltetechnik-pirna.example.de"
    assert list(organisation.sectors.all()) == [sector]
    assert organisation.representatives.get().user == user
    assert client.session[ACTIVE_ORGANISATION_SESSION_KEY] == organisation.pk


def test_registration_ignores_staff_only_fields_in_the_post(client):
    client.force_login(factories.CompanyUserFactory())

    client.post(
        reverse("portal:organisation-register"),
        _registration(verification_state="verified", matchmaking_opt_out="on", corporate_group="Konzern"),
    )

    organisation = Organisation.objects.get(name="Kältetechnik Pirna GmbH")
    assert organisation.verification_state == VerificationState.SELF_REGISTERED
    assert (organisation.matchmaking_opt_out, organisation.corporate_group) == (False, "")


def test_a_self_registered_organisation_is_not_public(client):
    from companies.selectors import public_organisations

    client.force_login(factories.CompanyUserFactory())
    client.post(reverse("portal:organisation-register"), _registration())

    assert not public_organisations().filter(name="Kältetechnik Pirna GmbH").exists()


def test_registering_a_duplicate_offers_to_join_instead(client):
    existing = factories.OrganisationFactory(name="Kältetechnik Pirna GmbH", city="Pirna")
    client.force_login(factories.CompanyUserFactory())

    response = client.post(reverse("portal:organisation-register"), _registration(website=""))

    assert response.status_code == 200
    assert Organisation.objects.count() == 1
    assert [c.organisation for c in response.context["candidates"]] == [existing]
    assert reverse("portal:join-request", args=[existing.pk]) in response.content.decode()
    assert response.context["may_confirm"] is True


def test_a_similar_name_can_be_confirmed_as_a_different_organisation(client):
    factories.OrganisationFactory(name="Kältetechnik Pirna GmbH", city="Pirna")
    client.force_login(factories.CompanyUserFactory())

    response = client.post(reverse("portal:organisation-register"), _registration(website="", not_a_duplicate="on"))

    assert response.status_code == 302
    assert Organisation.objects.filter(name="Kältetechnik Pirna GmbH").count() == 2


def test_the_same_vat_id_cannot_be_confirmed_away(client):
    factories.OrganisationFactory(vat_id="DE999999999")
    client.force_login(factories.CompanyUserFactory())

    response = client.post(
        reverse("portal:organisation-register"), _registration(vat_id="DE999999999", not_a_duplicate="on")
    )

    assert response.status_code == 200
    assert response.context["may_confirm"] is False
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("postal_code", "12"), ("vat_id", "123"), ("kind", "spaceship")],
)
def test_registration_errors_are_shown_on_their_field(client, field, value):
    client.force_login(factories.CompanyUserFactory())

    response = client.post(reverse("portal:organisation-register"), _registration(**{field: value}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Organisation.objects.exists()


def test_registration_page_has_the_sector_picker(client):
    client.force_login(factories.CompanyUserFactory())

    page = client.get(reverse("portal:organisation-register")).content.decode()

    assert "data-picker-filter" in page
    assert "26.60" in page
    assert "portal/picker.js" in page


# --- join requests -------------------------------------------------------------------------------------------


def test_join_search_finds_organisations_but_not_rejected_ones(client):
    wanted = factories.OrganisationFactory(name="Sensorik Chemnitz GmbH")
    factories.OrganisationFactory(name="Sensorik Zwickau GmbH", rejected=True)
    client.force_login(factories.CompanyUserFactory())

    response = client.get(reverse("portal:join-search"), {"q": "Sensorik"})

    assert list(response.context["results"]) == [wanted]


def test_asking_to_join(client, organisation_a):
    user = factories.CompanyUserFactory()
    client.force_login(user)

    response = client.post(reverse("portal:join-request", args=[organisation_a.pk]), {"message": "Vertrieb"})

    assert response.status_code == 302
    request = Representative.objects.get(user=user)
    assert (request.organisation, request.state, request.message) == (
        organisation_a,
        RepresentationState.REQUESTED,
        "Vertrieb",
    )


def test_asking_twice_shows_an_error(client, organisation_a):
    request = factories.RepresentativeFactory(requested=True, organisation=organisation_a)
    client.force_login(request.user)

    response = client.post(reverse("portal:join-request", args=[organisation_a.pk]), {"message": ""})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Representative.objects.filter(user=request.user).count() == 1


def test_a_pending_request_gives_no_access(client, organisation_a):
    request = factories.RepresentativeFactory(requested=True, organisation=organisation_a)
    client.force_login(request.user)

    assert client.get(reverse("portal:organisation-edit", args=[organisation_a.pk])).status_code == 404


def test_an_administrator_approves_a_request(client_a, organisation_a, representative_a):
    request = factories.RepresentativeFactory(requested=True, organisation=organisation_a)

    response = client_a.post(reverse("portal:join-request-decide", args=[request.pk]), {"decision": "approve"})

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.decided_by) == (RepresentationState.APPROVED, representative_a.user)


def test_an_administrator_declines_a_request(client_a, organisation_a):
    request = factories.RepresentativeFactory(requested=True, organisation=organisation_a)

    client_a.post(reverse("portal:join-request-decide", args=[request.pk]), {"decision": "decline"})

    request.refresh_from_db()
    assert request.state == RepresentationState.DECLINED


def test_deciding_another_organisations_request_gives_404(client_a, organisation_b):
    request = factories.RepresentativeFactory(requested=True, organisation=organisation_b)

    response = client_a.post(reverse("portal:join-request-decide", args=[request.pk]), {"decision": "approve"})

    assert response.status_code == 404
    request.refresh_from_db()
    assert request.state == RepresentationState.REQUESTED


def test_an_editor_cannot_decide(client, organisation_a):
    editor = factories.RepresentativeFactory(organisation=organisation_a)
    request = factories.RepresentativeFactory(requested=True, organisation=organisation_a)
    client.force_login(editor.user)

    response = client.post(reverse("portal:join-request-decide", args=[request.pk]), {"decision": "approve"})

    assert response.status_code == 404
    request.refresh_from_db()
    assert request.state == RepresentationState.REQUESTED


def test_an_editor_cannot_decide_where_somebody_else_is_administrator(client, organisation_a, representative_a):
    editor = factories.RepresentativeFactory(organisation=organisation_a)
    request = factories.RepresentativeFactory(requested=True, organisation=organisation_a)
    client.force_login(editor.user)

    start = client.get(reverse("portal:start"))
    response = client.post(reverse("portal:join-request-decide", args=[request.pk]), {"decision": "approve"})

    assert list(start.context["requests_to_decide"]) == []
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.state == RepresentationState.REQUESTED


def test_an_unknown_decision_changes_nothing(client_a, organisation_a):
    request = factories.RepresentativeFactory(requested=True, organisation=organisation_a)

    response = client_a.post(reverse("portal:join-request-decide", args=[request.pk]), {"decision": "maybe"})

    assert response.status_code == 400
    request.refresh_from_db()
    assert request.state == RepresentationState.REQUESTED


# --- the profile: permission matrix ------------------------------------------------------------------------------


def test_a_representative_edits_their_profile(client_a, organisation_a):
    sector = factories.SectorFactory(code="26.60")
    field = factories.TechnologyFieldFactory(slug="medizin-biotechnologie")

    response = client_a.post(
        reverse("portal:organisation-edit", args=[organisation_a.pk]),
        _profile_post(
            organisation_a,
            description_en="Electromedical devices.",
            employee_band="50-249",
            sectors=[sector.pk],
            technology_fields=[field.pk],
        ),
    )

    assert response.status_code == 302
    organisation = Organisation.objects.get(pk=organisation_a.pk)
    assert (organisation.description_en, organisation.employee_band) == ("Electromedical devices.", "50-249")
    assert list(organisation.sectors.all()) == [sector]
    assert list(organisation.technology_fields.all()) == [field]


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_profile_of_another_organisation_gives_404_and_stays_unchanged(client_a, organisation_b, method):
    before = _snapshot(organisation_b)
    url = reverse("portal:organisation-edit", args=[organisation_b.pk])

    response = getattr(client_a, method)(url, _profile_post(organisation_b, description_en="Übernommen"))

    assert response.status_code == 404
    assert _snapshot(organisation_b) == before


def test_an_unknown_organisation_id_gives_404(client_a):
    assert client_a.get(reverse("portal:organisation-edit", args=[999999])).status_code == 404


def test_representative_of_b_edits_b_but_not_a(client, representative_b, organisation_a, organisation_b):
    client.force_login(representative_b.user)

    assert client.get(reverse("portal:organisation-edit", args=[organisation_b.pk])).status_code == 200
    assert client.get(reverse("portal:organisation-edit", args=[organisation_a.pk])).status_code == 404


def test_staff_use_the_admin_not_the_portal_profile(staff_client, organisation_a):
    # Staff represent nobody: the portal shows them nothing of any organisation.
    assert staff_client.get(reverse("portal:organisation-edit", args=[organisation_a.pk])).status_code == 404


def test_staff_only_fields_in_the_post_are_ignored(client_a, organisation_a):
    organisation_a.verification_state = VerificationState.SELF_REGISTERED
    organisation_a.verified_at = None
    organisation_a.save()

    client_a.post(
        reverse("portal:organisation-edit", args=[organisation_a.pk]),
        _profile_post(
            organisation_a,
            name=organisation_a.name,
            kind="company",
            verification_state="verified",
            verified_by=1,
            corporate_group="Konzern",
            matchmaking_opt_out="on",
        ),
    )

    organisation = Organisation.objects.get(pk=organisation_a.pk)
    assert organisation.verification_state == VerificationState.SELF_REGISTERED
    assert (organisation.verified_by, organisation.corporate_group, organisation.matchmaking_opt_out) == (
        None,
        "",
        False,
    )


def test_the_name_of_a_verified_organisation_is_not_editable(client_a, organisation_a):
    response = client_a.get(reverse("portal:organisation-edit", args=[organisation_a.pk]))
    assert "name" not in response.context["form"].fields

    client_a.post(
        reverse("portal:organisation-edit", args=[organisation_a.pk]), _profile_post(organisation_a, name="Neu GmbH")
    )

    assert Organisation.objects.get(pk=organisation_a.pk).name == "Alpha Medizintechnik GmbH"


def test_profile_form_errors_are_shown_and_nothing_is_saved(client_a, organisation_a):
    before = _snapshot(organisation_a)

    response = client_a.post(
        reverse("portal:organisation-edit", args=[organisation_a.pk]),
        _profile_post(organisation_a, postal_code="1", description_en="geändert"),
    )

    assert response.status_code == 200
    assert "postal_code" in response.context["form"].errors
    assert _snapshot(organisation_a) == before


# --- the logo ---------------------------------------------------------------------------------------------------


def _upload_logo(client, organisation, content: bytes, name="logo.png", **extra):
    return client.post(
        reverse("portal:organisation-edit", args=[organisation.pk]),
        {**_profile_post(organisation), "logo": SimpleUploadedFile(name, content), **extra},
    )


def test_uploading_a_logo(client_a, organisation_a):
    response = _upload_logo(client_a, organisation_a, _png())

    assert response.status_code == 302
    organisation = Organisation.objects.get(pk=organisation_a.pk)
    assert organisation.logo.name.startswith("logos/") and organisation.logo.name.endswith(".png")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"Das ist kein Bild.\n" * 20, id="text-renamed-png"),
        pytest.param(_png(size=(4001, 4001)), id="too-many-pixels"),
        pytest.param(_png() + b"\0" * (2 * 1024 * 1024 + 1), id="too-large"),
    ],
)
def test_a_bad_logo_is_refused_and_the_profile_is_not_saved(client_a, organisation_a, content):
    before = _snapshot(organisation_a)

    response = _upload_logo(client_a, organisation_a, content, description_en="mit schlechtem Logo")

    assert response.status_code == 200
    assert "logo" in response.context["form"].errors
    assert _snapshot(organisation_a) == before


def test_the_logo_is_served_with_the_content_type_of_its_bytes(client_a, organisation_a, tmp_path):
    _upload_logo(client_a, organisation_a, _png())
    organisation = Organisation.objects.get(pk=organisation_a.pk)
    # Even under a misleading name the bytes decide the content type.
    (tmp_path / organisation.logo.name).rename(tmp_path / "logos" / "x.html")
    Organisation.objects.filter(pk=organisation.pk).update(logo="logos/x.html")

    response = client_a.get(reverse("portal:organisation-logo", args=[organisation.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"\x89PNG")


def test_a_stored_file_that_is_no_image_is_not_served(client_a, organisation_a, tmp_path):
    (tmp_path / "logos").mkdir()
    (tmp_path / "logos" / "evil.png").write_bytes(b"<script>alert(1)</script>")
    Organisation.objects.filter(pk=organisation_a.pk).update(logo="logos/evil.png")

    assert client_a.get(reverse("portal:organisation-logo", args=[organisation_a.pk])).status_code == 404


def test_an_unverified_organisations_logo_is_seen_only_by_its_representatives_and_staff(
    client, staff_user, representative_b
):
    representative = factories.RepresentativeFactory(organisation__self_registered=True)
    organisation_logo_set(
        organisation=representative.organisation,
        user=representative.user,
        upload=SimpleUploadedFile("l.png", _png()),
    )
    url = reverse("portal:organisation-logo", args=[representative.organisation.pk])

    assert client.get(url).status_code == 404
    client.force_login(representative_b.user)
    assert client.get(url).status_code == 404
    client.force_login(representative.user)
    assert client.get(url).status_code == 200
    client.force_login(staff_user)
    assert client.get(url).status_code == 200


def test_a_verified_organisations_logo_is_public(client, representative_a, organisation_a):
    organisation_logo_set(
        organisation=organisation_a, user=representative_a.user, upload=SimpleUploadedFile("l.png", _png())
    )

    assert client.get(reverse("portal:organisation-logo", args=[organisation_a.pk])).status_code == 200


def test_media_files_are_not_served_directly(client_a, organisation_a):
    _upload_logo(client_a, organisation_a, _png())
    name = Organisation.objects.get(pk=organisation_a.pk).logo.name

    assert client_a.get(f"/media/{name}").status_code == 404


# --- layout ------------------------------------------------------------------------------------------------------


def test_the_portal_is_german_by_default_and_english_on_request(client_a):
    assert 'lang="de"' in client_a.get(reverse("portal:start")).content.decode()

    client_a.post(reverse("set_language"), {"language": "en", "next": reverse("portal:start")})

    assert 'lang="en"' in client_a.get(reverse("portal:start")).content.decode()


def test_the_layout_works_on_a_phone_and_needs_no_cdn(client_a):
    page = client_a.get(reverse("portal:start")).content.decode()

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "https://" not in page.split("<body")[0], "stylesheets and scripts come from the portal itself"


# --- the staff side: verification queue and join requests in the admin -------------------------------------------


def test_the_admin_index_counts_what_waits_for_staff(staff_client):
    factories.OrganisationFactory.create_batch(2, self_registered=True)
    factories.OrganisationFactory()
    factories.RepresentativeFactory(requested=True)

    response = staff_client.get(reverse("admin:index"))

    page = response.content.decode()
    assert 'id="staff-queue"' in page
    assert reverse("admin:companies_organisation_changelist") + "?queue=awaiting" in page
    counts = {row["kind"]: row["count"] for row in response.context["rows"]}
    assert counts == {"organisations": 2, "join_requests": 1, "profiles": 0}


def test_the_awaiting_verification_filter_lists_the_queue_oldest_first(staff_client):
    first, second = factories.OrganisationFactory.create_batch(2, self_registered=True)
    factories.OrganisationFactory()
    factories.OrganisationFactory(rejected=True)

    response = staff_client.get(reverse("admin:companies_organisation_changelist"), {"queue": "awaiting"})

    assert list(response.context["cl"].result_list) == [first, second]


def test_staff_approve_a_join_request_in_the_admin(staff_client, staff_user):
    request = factories.RepresentativeFactory(requested=True)

    response = staff_client.post(
        reverse("admin:companies_representative_changelist"), {"action": "approve", "_selected_action": [request.pk]}
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.decided_by) == (RepresentationState.APPROVED, staff_user)


def test_staff_decline_a_join_request_in_the_admin(staff_client):
    request = factories.RepresentativeFactory(requested=True)

    staff_client.post(
        reverse("admin:companies_representative_changelist"), {"action": "decline", "_selected_action": [request.pk]}
    )

    request.refresh_from_db()
    assert request.state == RepresentationState.DECLINED


def test_the_organisation_admin_links_the_logo(staff_client, representative_a, organisation_a):
    organisation_logo_set(
        organisation=organisation_a, user=representative_a.user, upload=SimpleUploadedFile("l.png", _png())
    )

    page = staff_client.get(reverse("admin:companies_organisation_change", args=[organisation_a.pk])).content.decode()

    assert reverse("portal:organisation-logo", args=[organisation_a.pk]) in page
